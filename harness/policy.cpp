#include "policy.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <nlohmann/json.hpp>
#include <span>
#include <utility>

#include "error.hpp"
#include "text.hpp"

namespace imgbench {
namespace {

// ordered_json keeps the file's metric order, which becomes the order of the comparison's rows.
using json = nlohmann::ordered_json;

constexpr std::array<std::string_view, 2> kTopFields = {"metrics", "variants"};
constexpr std::array<std::string_view, 7> kRuleFields = {
    "kind", "better", "threshold_pct", "threshold_abs", "alpha", "min_repetitions", "note"};
constexpr std::array<std::string_view, 4> kOverrideFields = {"threshold_pct", "threshold_abs",
                                                             "alpha", "min_repetitions"};

std::string known_list(std::span<const std::string_view> known) {
  std::vector<std::string> names(known.begin(), known.end());
  return join(names, ", ");
}

std::string describe(const json& value) {
  if (value.is_null()) {
    return "null";
  }
  const std::string shown = value.dump(-1, ' ', false, json::error_handler_t::replace);
  return value.is_number() ? shown : std::string(value.type_name()) + " " + shown;
}

class Problems {
 public:
  explicit Problems(std::string source) : source_(std::move(source)) {}
  void add(const std::string& field, const std::string& text) {
    lines_.push_back(source_ + ": " + field + ": " + text);
  }
  void expected(const std::string& field, const std::string& what, const json& found) {
    add(field, "expected " + what + ", found " + describe(found));
  }
  void unknown(const std::string& field, std::span<const std::string_view> known) {
    add(field, "field is not known; known fields: " + known_list(known));
  }
  void throw_if_any() const {
    if (!lines_.empty()) {
      throw Error(join(lines_, "\n"));
    }
  }

 private:
  std::string source_;
  std::vector<std::string> lines_;
};

bool is_known(std::span<const std::string_view> known, const std::string& key) {
  return std::find(known.begin(), known.end(), key) != known.end();
}

std::optional<double> read_number(const json& value, const std::string& field, double low,
                                  double high, const std::string& what, Problems& problems) {
  if (!value.is_number() || value.get<double>() < low || value.get<double>() > high) {
    problems.expected(field, what, value);
    return std::nullopt;
  }
  return value.get<double>();
}

std::optional<int> read_repetitions(const json& value, const std::string& field,
                                    Problems& problems) {
  if (!value.is_number_integer() || value.get<std::int64_t>() < 1 ||
      value.get<std::int64_t>() > 1000) {
    problems.expected(field, "an integer from 1 to 1000", value);
    return std::nullopt;
  }
  return static_cast<int>(value.get<std::int64_t>());
}

constexpr double kMax = std::numeric_limits<double>::max();

// The numeric fields shared by a rule and an override; `kind` says which ones apply.
void read_numbers(const json& object, const std::string& path, MetricKind kind, RuleOverride& out,
                  Problems& problems) {
  for (const auto& [key, value] : object.items()) {
    const std::string field = path + "." + key;
    const bool noisy_only = key == "alpha" || key == "min_repetitions";
    if (noisy_only && kind != MetricKind::Noisy) {
      problems.add(field, "applies to kind \"noisy\" only; this metric is deterministic");
      continue;
    }
    if (key == "threshold_abs" && kind != MetricKind::Deterministic) {
      problems.add(field, "applies to kind \"deterministic\" only; this metric is noisy");
      continue;
    }
    if (key == "threshold_pct") {
      out.threshold_pct = read_number(value, field, 0, kMax, "a number >= 0 (percent)", problems);
    } else if (key == "threshold_abs") {
      out.threshold_abs = read_number(value, field, 0, kMax, "a number >= 0", problems);
    } else if (key == "alpha") {
      out.alpha = read_number(value, field, 0, 1, "a number from 0 to 1", problems);
    } else if (key == "min_repetitions") {
      out.min_repetitions = read_repetitions(value, field, problems);
    }
  }
}

void apply(const RuleOverride& change, MetricRule& rule) {
  rule.threshold_pct = change.threshold_pct.value_or(rule.threshold_pct);
  rule.threshold_abs = change.threshold_abs.value_or(rule.threshold_abs);
  rule.alpha = change.alpha.value_or(rule.alpha);
  rule.min_repetitions = change.min_repetitions.value_or(rule.min_repetitions);
}

std::optional<MetricRule> read_rule(const std::string& metric, const json& value,
                                    Problems& problems) {
  const std::string path = "metrics." + metric;
  if (!value.is_object()) {
    problems.expected(path, "an object with kind, better and thresholds", value);
    return std::nullopt;
  }
  MetricRule rule;
  rule.metric = metric;
  bool ok = true;
  const auto kind = value.find("kind");
  if (kind == value.end()) {
    problems.add(path + ".kind", "expected \"deterministic\" or \"noisy\", found nothing");
    ok = false;
  } else if (*kind == "deterministic" || *kind == "noisy") {
    rule.kind = *kind == "noisy" ? MetricKind::Noisy : MetricKind::Deterministic;
    rule.threshold_pct = rule.kind == MetricKind::Noisy ? 10 : 0;
  } else {
    problems.expected(path + ".kind", "\"deterministic\" or \"noisy\"", *kind);
    ok = false;
  }
  const auto better = value.find("better");
  if (better == value.end()) {
    problems.add(path + ".better", "expected \"lower\" or \"higher\", found nothing");
    ok = false;
  } else if (*better == "lower" || *better == "higher") {
    rule.better = *better == "higher" ? Better::Higher : Better::Lower;
  } else {
    problems.expected(path + ".better", "\"lower\" or \"higher\"", *better);
    ok = false;
  }
  json numbers = json::object();
  for (const auto& [key, item] : value.items()) {
    if (!is_known(kRuleFields, key)) {
      problems.unknown(path + "." + key, kRuleFields);
    } else if (key == "note") {
      if (!item.is_string()) {
        problems.expected(path + ".note", "a string", item);
      }
    } else if (key != "kind" && key != "better") {
      numbers[key] = item;
    }
  }
  if (!ok) {
    return std::nullopt;
  }
  RuleOverride given;
  read_numbers(numbers, path, rule.kind, given, problems);
  apply(given, rule);
  return rule;
}

}  // namespace

const char* to_string(MetricKind kind) {
  return kind == MetricKind::Noisy ? "noisy" : "deterministic";
}

const char* to_string(Better better) { return better == Better::Higher ? "higher" : "lower"; }

MetricRule Policy::rule_for(std::string_view variant, std::string_view metric) const {
  const auto it = std::find_if(metrics.begin(), metrics.end(),
                               [&](const MetricRule& r) { return r.metric == metric; });
  if (it == metrics.end()) {
    throw Error("policy: no rule for metric " + std::string(metric));
  }
  MetricRule rule = *it;
  const auto by_variant = overrides.find(std::string(variant));
  if (by_variant != overrides.end()) {
    const auto change = by_variant->second.find(std::string(metric));
    if (change != by_variant->second.end()) {
      apply(change->second, rule);
    }
  }
  return rule;
}

Policy default_policy() {
  constexpr double kMiB = 1024.0 * 1024.0;
  const auto deterministic = [](const char* name, Better better, double pct, double abs) {
    return MetricRule{.metric = name,
                      .kind = MetricKind::Deterministic,
                      .better = better,
                      .threshold_pct = pct,
                      .threshold_abs = abs};
  };
  const auto noisy = [](const char* name, Better better) {
    return MetricRule{.metric = name,
                      .kind = MetricKind::Noisy,
                      .better = better,
                      .threshold_pct = 10,
                      .alpha = 0.01,
                      .min_repetitions = 5};
  };
  Policy policy;
  policy.metrics = {
      deterministic("size_bytes", Better::Lower, 2, kMiB),
      deterministic("compressed_bytes", Better::Lower, 2, kMiB),
      deterministic("layers", Better::Lower, 0, 1),
      deterministic("shadowed_bytes", Better::Lower, 2, kMiB),
      deterministic("efficiency", Better::Higher, 0, 0.02),
      noisy("latency_p50_us", Better::Lower),
      noisy("latency_p99_us", Better::Lower),
      noisy("ready_ms", Better::Lower),
      noisy("build_cold_ms", Better::Lower),
      noisy("mem_idle_bytes", Better::Lower),
      noisy("load_rps", Better::Higher),
  };
  return policy;
}

Policy parse_policy(std::string_view json_text, std::string_view source_view) {
  const std::string source(source_view);
  json document;
  try {
    document = json::parse(json_text);
  } catch (const json::parse_error& e) {
    std::string detail = e.what();
    const auto at = detail.find(" at line ");
    detail = at != std::string::npos ? detail.substr(at + 4) : "byte " + std::to_string(e.byte);
    throw Error(source + ": invalid JSON at " + detail);
  }
  Problems problems(source);
  if (!document.is_object()) {
    problems.expected("(top level)", "an object with \"metrics\"", document);
    problems.throw_if_any();
  }
  for (const auto& [key, value] : document.items()) {
    if (!is_known(kTopFields, key)) {
      problems.unknown(key, kTopFields);
    }
  }

  Policy policy;
  const auto metrics = document.find("metrics");
  if (metrics == document.end()) {
    problems.add("metrics", "expected an object of metric rules, found nothing");
  } else if (!metrics->is_object() || metrics->empty()) {
    problems.expected("metrics", "a non-empty object of metric rules", *metrics);
  } else {
    for (const auto& [metric, value] : metrics->items()) {
      if (auto rule = read_rule(metric, value, problems)) {
        policy.metrics.push_back(std::move(*rule));
      }
    }
  }

  const auto variants = document.find("variants");
  if (variants != document.end() && !variants->is_object()) {
    problems.expected("variants", "an object: variant → metric → thresholds", *variants);
  } else if (variants != document.end()) {
    for (const auto& [variant, by_metric] : variants->items()) {
      const std::string vpath = "variants." + variant;
      if (!by_metric.is_object()) {
        problems.expected(vpath, "an object: metric → thresholds", by_metric);
        continue;
      }
      for (const auto& [metric, value] : by_metric.items()) {
        const std::string path = vpath + "." + metric;
        const auto rule = std::find_if(policy.metrics.begin(), policy.metrics.end(),
                                       [&](const MetricRule& r) { return r.metric == metric; });
        if (rule == policy.metrics.end()) {
          problems.add(path, "expected a metric named in \"metrics\", found '" + metric + "'");
          continue;
        }
        if (!value.is_object()) {
          problems.expected(path, "an object of thresholds", value);
          continue;
        }
        for (const auto& [key, item] : value.items()) {
          if (!is_known(kOverrideFields, key)) {
            problems.unknown(path + "." + key, kOverrideFields);
          }
        }
        RuleOverride change;
        read_numbers(value, path, rule->kind, change, problems);
        policy.overrides[variant][metric] = change;
      }
    }
  }
  problems.throw_if_any();
  return policy;
}

}  // namespace imgbench
