#include "baseline.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "error.hpp"

namespace imgbench {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json parse_document(std::string_view text, const std::string& source) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    // Drop the library's "[json.exception.parse_error.101] " prefix, keep line and column.
    std::string message = e.what();
    const auto pos = message.find("] ");
    if (message.starts_with("[json.") && pos != std::string::npos) {
      message.erase(0, pos + 2);
    }
    throw Error(source + ": not valid JSON: " + message);
  }
}

}  // namespace

std::string read_text_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw Error(file.string() + ": cannot open for reading: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw Error(file.string() + ": read failed");
  }
  return text.str();
}

Baseline baseline_from_text(std::string_view text, std::string_view source_view) {
  const std::string source(source_view);
  const json document = parse_document(text, source);
  Baseline baseline;
  baseline.results = results_from_json(document, source);
  baseline.accepted = accepted_from_json(document, source);
  return baseline;
}

Baseline load_baseline(const fs::path& file) {
  return baseline_from_text(read_text_file(file), file.string());
}

json baseline_document(json run, const std::vector<AcceptedRegression>& accepted) {
  run["accepted"] = accepted_to_json(accepted);
  return run;
}

PromoteOutcome promote_baseline(const fs::path& from, const fs::path& to, bool reset_accepted) {
  const std::string from_name = from.string();
  json run = parse_document(read_text_file(from), from_name);
  // Validate before anything is replaced: a broken run must never become the baseline.
  const Results results = results_from_json(run, from_name);
  // A run promoted from another baseline carries its own list; the target's list is what counts.
  run.erase("accepted");

  std::vector<AcceptedRegression> accepted;
  std::error_code ec;
  if (!reset_accepted && fs::exists(to, ec)) {
    try {
      accepted = load_baseline(to).accepted;
    } catch (const Error& e) {
      throw Error(std::string(e.what()) +
                  "\n(the existing baseline's accepted list cannot be kept; fix the file, or "
                  "pass --reset-accepted to start the list afresh)");
    }
  }
  write_file_atomic(to, baseline_document(std::move(run), accepted).dump(2) + "\n");
  return PromoteOutcome{results.run.id, accepted.size()};
}

}  // namespace imgbench
