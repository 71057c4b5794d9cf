#include "summary.hpp"

#include <cmath>
#include <optional>
#include <string_view>
#include <vector>

#include "report.hpp"
#include "text.hpp"

namespace imgbench {
namespace {

// Two p50s closer than this read as "about as fast": the noise between repetitions on this kind of
// machine is of that order, so a smaller difference is not worth a number in the opening line.
constexpr double kSameSpeed = 1.05;

std::optional<double> positive(const VariantResult& v, const char* name) {
  const auto it = v.metrics.find(name);
  if (it == v.metrics.end() || !std::isfinite(it->second) || it->second <= 0) {
    return std::nullopt;
  }
  return it->second;
}

std::string times(double ratio) { return fixed(ratio, ratio >= 10 ? 0 : 1) + "×"; }

std::string bytes(double value) { return human_bytes(static_cast<std::int64_t>(value)); }

std::string micros(double value) { return fixed(value, 0) + " µs"; }

std::string size_sentence(const std::vector<const VariantResult*>& rows) {
  // Rows come largest first, unsized last: the last sized row is the smallest image.
  const VariantResult* large = nullptr;
  const VariantResult* small = nullptr;
  for (const auto* v : rows) {
    if (positive(*v, "size_bytes")) {
      large = large != nullptr ? large : v;
      small = v;
    }
  }
  if (large == nullptr || small == large) {
    return {};
  }
  const double large_size = *positive(*large, "size_bytes");
  const double small_size = *positive(*small, "size_bytes");
  std::string text =
      small_size == large_size
          ? small->name + " and " + large->name + " are the same size (" + bytes(small_size) + ")"
          : small->name + " is " + times(large_size / small_size) + " smaller than " + large->name +
                " (" + bytes(small_size) + " against " + bytes(large_size) + ")";
  const auto small_p50 = positive(*small, "latency_p50_us");
  const auto large_p50 = positive(*large, "latency_p50_us");
  if (small_p50 && large_p50) {
    const double speedup = *large_p50 / *small_p50;
    const std::string figures =
        " at p50 (" + micros(*small_p50) + " against " + micros(*large_p50) + ")";
    if (speedup >= kSameSpeed) {
      text += " and answers " + times(speedup) + " faster" + figures;
    } else if (speedup <= 1 / kSameSpeed) {
      text += " but answers " + times(1 / speedup) + " slower" + figures;
    } else {
      text += " and answers about as fast" + figures;
    }
  }
  return text + ".";
}

std::string best_sentence(const std::vector<const VariantResult*>& rows) {
  const VariantResult* fastest = nullptr;
  const VariantResult* busiest = nullptr;
  for (const auto* v : rows) {
    if (const auto p50 = positive(*v, "latency_p50_us");
        p50 && (fastest == nullptr || *p50 < *positive(*fastest, "latency_p50_us"))) {
      fastest = v;
    }
    if (const auto rps = positive(*v, "load_rps");
        rps && (busiest == nullptr || *rps > *positive(*busiest, "load_rps"))) {
      busiest = v;
    }
  }
  const std::string latency =
      fastest ? "the lowest p50 latency (" + micros(*positive(*fastest, "latency_p50_us")) + ")"
              : std::string();
  const std::string throughput =
      busiest
          ? "the highest throughput (" + fixed(*positive(*busiest, "load_rps"), 0) + " requests/s)"
          : std::string();
  if (fastest != nullptr && fastest == busiest) {
    return fastest->name + " has both " + latency + " and " + throughput + ".";
  }
  if (fastest != nullptr && busiest != nullptr) {
    return fastest->name + " has " + latency + " and " + busiest->name + " " + throughput + ".";
  }
  if (fastest != nullptr) {
    return fastest->name + " has " + latency + ".";
  }
  if (busiest != nullptr) {
    return busiest->name + " has " + throughput + ".";
  }
  return {};
}

}  // namespace

std::string summary(const Results& results) {
  const auto rows = measured_by_size(results);
  std::vector<std::string> sentences;
  if (rows.empty()) {
    sentences.emplace_back("No variant was measured.");
  } else if (rows.size() == 1) {
    const auto& v = *rows.front();
    std::vector<std::string> facts;
    if (const auto size = positive(v, "size_bytes")) {
      facts.push_back(bytes(*size));
    }
    if (const auto p50 = positive(v, "latency_p50_us")) {
      facts.push_back(micros(*p50) + " at p50");
    }
    sentences.push_back("Only " + v.name + " was measured" +
                        (facts.empty() ? std::string() : ": " + join(facts, ", ")) + ".");
  } else {
    sentences.push_back(size_sentence(rows));
    sentences.push_back(best_sentence(rows));
  }
  std::string out;
  for (auto& sentence : sentences) {
    if (sentence.empty()) {
      continue;
    }
    // A variant name may start the sentence; keep it as written rather than capitalise it.
    out += (out.empty() ? "" : " ") + sentence;
  }
  return out;
}

}  // namespace imgbench
