#include "regress.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <utility>

#include "error.hpp"
#include "mannwhitney.hpp"
#include "stats.hpp"
#include "text.hpp"

namespace imgbench {
namespace {

using nlohmann::json;

const VariantResult* find_variant(const Results& results, const std::string& name) {
  const auto it = std::find_if(results.variants.begin(), results.variants.end(),
                               [&](const VariantResult& v) { return v.name == name; });
  return it == results.variants.end() ? nullptr : &*it;
}

std::optional<double> metric_of(const VariantResult& v, const std::string& metric) {
  const auto it = v.metrics.find(metric);
  return it == v.metrics.end() ? std::nullopt : std::optional<double>(it->second);
}

std::vector<double> samples_of(const VariantResult& v, const std::string& metric) {
  const auto it = v.samples.find(metric);
  return it == v.samples.end() ? std::vector<double>{} : it->second;
}

std::optional<double> change_pct(double baseline, double current) {
  if (baseline == 0) {
    return std::nullopt;
  }
  return (current - baseline) / std::fabs(baseline) * 100.0;
}

// |change| as a percentage of the baseline; any change from 0 is infinitely large.
double relative_pct(double baseline, double current) {
  if (baseline == 0) {
    return current == baseline ? 0 : std::numeric_limits<double>::infinity();
  }
  return std::fabs(current - baseline) / std::fabs(baseline) * 100.0;
}

std::string pct_text(double pct) { return (pct > 0 ? "+" : "") + fixed(pct, 1) + " %"; }

std::string p_text(double p) { return p < 0.0001 ? "< 0.0001" : fixed(p, 4); }

std::string alpha_text(double alpha) { return number_to_json(alpha).dump(); }

void judge_deterministic(const MetricRule& rule, double b, double c, ComparisonRow& row) {
  row.baseline = b;
  row.current = c;
  row.change_pct = change_pct(b, c);
  const double worse = rule.better == Better::Lower ? c - b : b - c;  // > 0: got worse
  const double rel = relative_pct(b, c);
  const bool beyond = std::fabs(worse) >= rule.threshold_abs && rel >= rule.threshold_pct;
  const std::string moved = format_metric(rule.metric, c - b, true) +
                            (row.change_pct ? " (" + pct_text(*row.change_pct) + ")" : "");
  // A zero threshold is no condition at all, so it is left out of the sentence.
  std::vector<std::string> parts;
  if (rule.threshold_abs > 0) {
    parts.push_back(format_metric(rule.metric, rule.threshold_abs));
  }
  if (rule.threshold_pct > 0) {
    parts.push_back(fixed(rule.threshold_pct, 1) + " %");
  }
  const std::string limits = parts.empty() ? std::string("any change") : join(parts, " and ");
  if (worse == 0) {
    row.verdict = Verdict::Unchanged;
    row.reason = "the same value";
  } else if (worse > 0 && beyond) {
    row.verdict = Verdict::Regressed;
    row.reason = moved + ", worse by at least " + limits;
  } else if (worse < 0 && beyond) {
    row.verdict = Verdict::Improved;
    row.reason = moved + ", better by at least " + limits;
  } else {
    row.verdict = Verdict::Unchanged;
    row.reason = moved + ", within the limits (" + limits + ")";
  }
}

void judge_noisy(const MetricRule& rule, const VariantResult& b, const VariantResult& c,
                 ComparisonRow& row) {
  const auto bs = samples_of(b, rule.metric);
  const auto cs = samples_of(c, rule.metric);
  row.baseline = bs.empty() ? metric_of(b, rule.metric) : median(bs);
  row.current = cs.empty() ? metric_of(c, rule.metric) : median(cs);
  row.change_pct = change_pct(*row.baseline, *row.current);
  const auto needed = static_cast<std::size_t>(rule.min_repetitions);
  if (bs.size() < needed || cs.size() < needed) {
    row.verdict = Verdict::TooFewSamples;
    if (bs.empty() && cs.empty()) {
      // A figure taken once a run (a build), never per repetition: no run can give it samples.
      row.reason =
          "measured once a run, not per repetition, so there are no samples to test; "
          "the test needs " +
          std::to_string(needed) + " a side";
    } else {
      row.reason = std::to_string(bs.size()) + " baseline and " + std::to_string(cs.size()) +
                   " current repetition samples; the test needs " + std::to_string(needed) +
                   " a side";
    }
    return;
  }
  // Lower is better: a regression is current tending larger than baseline.
  const Alternative worse_side =
      rule.better == Better::Lower ? Alternative::Greater : Alternative::Less;
  const Alternative better_side =
      worse_side == Alternative::Greater ? Alternative::Less : Alternative::Greater;
  // The effect in percent of the baseline median; a move away from a zero median is infinite.
  double signed_pct = 0;
  if (row.change_pct) {
    signed_pct = *row.change_pct;
  } else if (*row.current != *row.baseline) {
    signed_pct =
        (*row.current > *row.baseline ? 1.0 : -1.0) * std::numeric_limits<double>::infinity();
  }
  const double worse_pct = rule.better == Better::Lower ? signed_pct : -signed_pct;
  const bool got_worse = worse_pct > 0;
  const auto test = mann_whitney(cs, bs, got_worse ? worse_side : better_side, needed);
  row.p_value = test.p_value;
  const double p = test.p_value.value_or(1.0);
  const bool large = std::fabs(worse_pct) >= rule.threshold_pct && worse_pct != 0;
  const bool significant = p < rule.alpha;
  const std::string effect = "effect " + pct_text(signed_pct);
  const std::string limits =
      "needs " + fixed(rule.threshold_pct, 1) + " % and p < " + alpha_text(rule.alpha);
  if (large && significant) {
    row.verdict = got_worse ? Verdict::Regressed : Verdict::Improved;
    row.reason = effect + ", p = " + p_text(p) + " (" + limits + ")";
  } else {
    row.verdict = Verdict::Noise;
    row.reason = effect + (large ? " but p = " + p_text(p) : " with p = " + p_text(p)) + "; " +
                 (large ? "not significant" : "within the threshold") + " (" + limits + ")";
  }
}

std::string side_state(const VariantResult& v, const char* side) {
  if (v.status == VariantStatus::Ok) {
    return std::string(side) + " run lacks it";
  }
  return std::string(side) + " run: " + to_string(v.status) +
         (v.reason ? " (" + *v.reason + ")" : std::string());
}

}  // namespace

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::Regressed:
      return "regressed";
    case Verdict::Accepted:
      return "accepted";
    case Verdict::Improved:
      return "improved";
    case Verdict::TooFewSamples:
      return "too-few-samples";
    case Verdict::NotMeasured:
      return "not-measured";
    case Verdict::New:
      return "new";
    case Verdict::Gone:
      return "gone";
    case Verdict::Noise:
      return "noise";
    case Verdict::Unchanged:
      return "unchanged";
  }
  return "unknown";
}

int Comparison::count(Verdict verdict) const {
  return static_cast<int>(std::count_if(
      rows.begin(), rows.end(), [&](const ComparisonRow& r) { return r.verdict == verdict; }));
}

int Comparison::compared() const {
  return static_cast<int>(rows.size()) - count(Verdict::New) - count(Verdict::Gone) -
         count(Verdict::NotMeasured);
}

std::string format_metric(std::string_view metric, double value, bool signed_change) {
  const std::string sign = signed_change && value > 0 ? "+" : "";
  if (metric.ends_with("_bytes")) {
    return sign + human_bytes(std::llround(value));
  }
  if (metric.ends_with("_us")) {
    return sign + fixed(value, 1) + " µs";
  }
  if (metric.ends_with("_ms")) {
    return sign + fixed(value, 1) + " ms";
  }
  if (metric.ends_with("_rps")) {
    return sign + fixed(value, 0) + " rps";
  }
  if (metric == "efficiency") {
    return sign + fixed(value, 3);
  }
  return sign + number_to_json(value).dump();
}

Comparison compare(const Results& baseline, const Results& current, const Policy& policy,
                   const std::vector<AcceptedRegression>& accepted) {
  Comparison out;
  out.baseline_run = baseline.run.id;
  out.current_run = current.run.id;
  out.conditions = condition_differences(baseline.run, current.run);

  std::vector<std::string> names;
  for (const auto& v : current.variants) {
    names.push_back(v.name);
  }
  for (const auto& v : baseline.variants) {
    if (find_variant(current, v.name) == nullptr) {
      names.push_back(v.name);
    }
  }

  std::set<std::pair<std::string, std::string>> used;
  for (const auto& name : names) {
    const VariantResult* b = find_variant(baseline, name);
    const VariantResult* c = find_variant(current, name);
    if (c != nullptr && c->status == VariantStatus::Failed) {
      out.failed.push_back(name);
    }
    if (b == nullptr || c == nullptr) {
      ComparisonRow row;
      row.variant = name;
      row.verdict = b == nullptr ? Verdict::New : Verdict::Gone;
      row.reason = b == nullptr ? "not in the baseline" : "in the baseline, not in this run";
      if (c != nullptr && c->status != VariantStatus::Ok) {
        row.reason += std::string("; ") + to_string(c->status) + " in this run";
      }
      out.rows.push_back(std::move(row));
      continue;
    }
    if (b->status == VariantStatus::Skipped && c->status == VariantStatus::Skipped) {
      continue;
    }
    for (const auto& listed : policy.metrics) {
      const MetricRule rule = policy.rule_for(name, listed.metric);
      const auto bm = metric_of(*b, rule.metric);
      const auto cm = metric_of(*c, rule.metric);
      if (!bm && !cm) {
        continue;
      }
      ComparisonRow row;
      row.variant = name;
      row.metric = rule.metric;
      if (!bm || !cm) {
        row.baseline = bm;
        row.current = cm;
        row.verdict = Verdict::NotMeasured;
        row.reason = !bm ? side_state(*b, "the baseline") : side_state(*c, "this");
      } else if (rule.kind == MetricKind::Deterministic) {
        judge_deterministic(rule, *bm, *cm, row);
      } else {
        judge_noisy(rule, *b, *c, row);
      }
      if (row.verdict == Verdict::Regressed) {
        const auto it = std::find_if(accepted.begin(), accepted.end(), [&](const auto& a) {
          return a.variant == name && a.metric == rule.metric;
        });
        if (it != accepted.end()) {
          used.emplace(name, rule.metric);
          row.verdict = Verdict::Accepted;
          row.reason = "accepted: " + it->reason + "; " + row.reason;
        }
      }
      out.rows.push_back(std::move(row));
    }
  }
  for (const auto& a : accepted) {
    if (used.count({a.variant, a.metric}) == 0) {
      out.notes.push_back("accepted regression " + a.variant + " " + a.metric +
                          " did not regress here; remove it from the baseline's \"accepted\" "
                          "list once it is no longer needed");
    }
  }
  return out;
}

std::vector<std::string> condition_differences(const RunInfo& baseline, const RunInfo& current) {
  std::vector<std::string> out;
  const auto differ = [&](const char* field, const std::string& b, const std::string& c) {
    if (b != c) {
      out.push_back(std::string(field) + ": baseline " + (b.empty() ? "(none)" : b) + ", current " +
                    (c.empty() ? "(none)" : c));
    }
  };
  const auto number = [](double value) { return number_to_json(value).dump(); };
  const RunParameters& bp = baseline.parameters;
  const RunParameters& cp = current.parameters;
  differ("docker_server_version", baseline.docker_server_version, current.docker_server_version);
  differ("builder", baseline.builder, current.builder);
  differ("storage_driver", baseline.storage_driver, current.storage_driver);
  differ("kernel", baseline.kernel, current.kernel);
  differ("cpus", std::to_string(baseline.cpus), std::to_string(current.cpus));
  differ("requests", std::to_string(bp.requests), std::to_string(cp.requests));
  differ("warmup", std::to_string(bp.warmup), std::to_string(cp.warmup));
  differ("repetitions", std::to_string(bp.repetitions), std::to_string(cp.repetitions));
  differ("via", bp.via, cp.via);
  differ("placement", bp.placement, cp.placement);
  differ("container_cpuset", bp.container_cpuset, cp.container_cpuset);
  differ("harness_cpu", std::to_string(bp.harness_cpu), std::to_string(cp.harness_cpu));
  differ("connections", std::to_string(bp.connections), std::to_string(cp.connections));
  differ("duration_s", number(bp.duration_s), number(cp.duration_s));
  differ("rate_rps", number(bp.rate_rps), number(cp.rate_rps));
  differ("stop_timeout_s", std::to_string(bp.stop_timeout_s), std::to_string(cp.stop_timeout_s));
  return out;
}

std::vector<AcceptedRegression> accepted_from_json(const json& document, std::string_view source) {
  std::vector<AcceptedRegression> out;
  const std::string prefix = std::string(source) + ": ";
  if (!document.is_object() || !document.contains("accepted")) {
    return out;
  }
  const json& list = document.at("accepted");
  if (!list.is_array()) {
    throw Error(prefix + "accepted: expected an array of {variant, metric, reason}, found " +
                std::string(list.type_name()));
  }
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = "accepted[" + std::to_string(i) + "]";
    const json& item = list[i];
    if (!item.is_object()) {
      problems.push_back(prefix + path + ": expected an object {variant, metric, reason}, found " +
                         item.type_name());
      continue;
    }
    AcceptedRegression entry;
    for (const auto& [key, value] : item.items()) {
      if (key != "variant" && key != "metric" && key != "reason") {
        problems.push_back(prefix + path + "." + key +
                           ": field is not known; known fields: variant, metric, reason");
      }
    }
    for (const auto& [key, field] :
         {std::pair<const char*, std::string*>{"variant", &entry.variant},
          {"metric", &entry.metric},
          {"reason", &entry.reason}}) {
      const auto it = item.find(key);
      if (it == item.end() || !it->is_string() || it->get<std::string>().empty()) {
        problems.push_back(prefix + path + "." + key + ": expected a non-empty string, found " +
                           (it == item.end() ? std::string("nothing") : it->dump()));
        continue;
      }
      *field = it->get<std::string>();
    }
    out.push_back(std::move(entry));
  }
  if (!problems.empty()) {
    throw Error(join(problems, "\n"));
  }
  return out;
}

json accepted_to_json(const std::vector<AcceptedRegression>& accepted) {
  json out = json::array();
  for (const auto& a : accepted) {
    out.push_back({{"variant", a.variant}, {"metric", a.metric}, {"reason", a.reason}});
  }
  return out;
}

}  // namespace imgbench
