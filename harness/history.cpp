#include "history.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "error.hpp"
#include "regress.hpp"
#include "text.hpp"
#include "unique_fd.hpp"

namespace imgbench {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what, int error) {
  throw Error(file.string() + ": " + what + ": " + std::strerror(error));
}

}  // namespace

std::string history_line(const Results& results) {
  json variants = json::object();
  for (const auto& v : results.variants) {
    if (v.status != VariantStatus::Ok) {
      continue;
    }
    json metrics = json::object();
    for (const auto metric : kHistoryMetrics) {
      const auto it = v.metrics.find(std::string(metric));
      if (it != v.metrics.end()) {
        metrics[std::string(metric)] = number_to_json(it->second);
      }
    }
    variants[v.name] = std::move(metrics);
  }
  const json line = {{"run_id", results.run.id},
                     {"started_utc", results.run.started_utc},
                     {"git_revision", results.run.git_revision},
                     {"variants", std::move(variants)}};
  return line.dump(-1, ' ', false, json::error_handler_t::replace);
}

void append_history(const std::filesystem::path& file, std::string_view line) {
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
    fail(file, "cannot open for appending", errno);
  }
  std::string text;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    fail(file, "cannot stat", errno);
  }
  if (st.st_size > 0) {
    // The append descriptor is write-only; a second one reads the last byte.
    UniqueFd reader(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    char last = '\n';
    if (reader.get() >= 0 && ::pread(reader.get(), &last, 1, st.st_size - 1) == 1 && last != '\n') {
      text += '\n';
    }
  }
  text.append(line);
  text += '\n';
  ssize_t n = -1;
  do {
    n = ::write(fd.get(), text.data(), text.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    fail(file, "cannot append", errno);
  }
  if (static_cast<std::size_t>(n) != text.size()) {
    throw Error(file.string() + ": short append (" + std::to_string(n) + " of " +
                std::to_string(text.size()) + " bytes); the file may end in a partial line");
  }
  if (::fsync(fd.get()) != 0) {
    fail(file, "cannot flush", errno);
  }
  if (const int error = fd.close_checked(); error != 0) {
    fail(file, "cannot close", error);
  }
}

std::vector<HistoryPoint> parse_history(std::string_view text, std::string_view source) {
  std::vector<HistoryPoint> points;
  std::size_t number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    const std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    ++number;
    if (line.empty()) {
      continue;
    }
    const std::string where = std::string(source) + ":" + std::to_string(number) + ": ";
    const json parsed = json::parse(line, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      throw Error(where + "expected one JSON object a line (a history line), found '" +
                  std::string(line.substr(0, 60)) + "'");
    }
    HistoryPoint point;
    for (const auto& [key, field] : {std::pair<const char*, std::string*>{"run_id", &point.run_id},
                                     {"started_utc", &point.started_utc},
                                     {"git_revision", &point.git_revision}}) {
      const auto it = parsed.find(key);
      if (it == parsed.end() || !it->is_string()) {
        throw Error(where + key + ": expected a string");
      }
      *field = it->get<std::string>();
    }
    const auto variants = parsed.find("variants");
    if (variants == parsed.end() || !variants->is_object()) {
      throw Error(where + "variants: expected an object of variant → metrics");
    }
    for (const auto& [name, metrics] : variants->items()) {
      if (!metrics.is_object()) {
        throw Error(where + "variants." + name + ": expected an object of metric → number");
      }
      auto& out = point.variants[name];
      for (const auto& [metric, value] : metrics.items()) {
        if (!value.is_number()) {
          throw Error(where + "variants." + name + "." + metric + ": expected a number");
        }
        out[metric] = value.get<double>();
      }
    }
    points.push_back(std::move(point));
  }
  return points;
}

std::vector<TrendRow> trends(const std::vector<HistoryPoint>& points) {
  std::set<std::string> names;
  for (const auto& point : points) {
    for (const auto& [name, metrics] : point.variants) {
      names.insert(name);
    }
  }
  std::vector<TrendRow> rows;
  for (const auto& name : names) {
    for (const auto metric_view : kHistoryMetrics) {
      const std::string metric(metric_view);
      TrendRow row;
      row.variant = name;
      row.metric = metric;
      for (const auto& point : points) {
        const auto v = point.variants.find(name);
        if (v == point.variants.end()) {
          continue;
        }
        const auto m = v->second.find(metric);
        if (m == v->second.end()) {
          continue;
        }
        const double value = m->second;
        if (row.runs == 0) {
          row.first = row.min = row.max = value;
          row.first_run = point.run_id;
        }
        row.last = value;
        row.last_run = point.run_id;
        row.min = std::min(row.min, value);
        row.max = std::max(row.max, value);
        ++row.runs;
      }
      if (row.runs == 0) {
        continue;
      }
      if (row.first != 0) {
        row.change_pct = (row.last - row.first) / std::abs(row.first) * 100.0;
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

void write_trend_table(std::ostream& out, const std::vector<TrendRow>& rows) {
  if (rows.empty()) {
    out << "No measured variant in the history.\n";
    return;
  }
  out << "| variant | metric | runs | first | last | min | max | change |\n"
         "|---|---|--:|--:|--:|--:|--:|--:|\n";
  for (const auto& row : rows) {
    const std::string change =
        row.change_pct ? (*row.change_pct > 0 ? "+" : "") + fixed(*row.change_pct, 1) + " %"
                       : std::string("–");
    out << "| " << row.variant << " | " << row.metric << " | " << row.runs << " | "
        << format_metric(row.metric, row.first) << " | " << format_metric(row.metric, row.last)
        << " | " << format_metric(row.metric, row.min) << " | "
        << format_metric(row.metric, row.max) << " | " << change << " |\n";
  }
}

}  // namespace imgbench
