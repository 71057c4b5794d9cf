// results/baseline.json: a results.json (load_results reads it) plus a top-level "accepted" list
// of regressions someone accepted. Reading it, and promoting a run to it atomically.
#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "regress.hpp"
#include "results.hpp"

namespace imgbench {

struct Baseline {
  Results results;
  std::vector<AcceptedRegression> accepted;
};

// Reads `file` whole. Throws Error naming the file when it cannot be opened or read.
[[nodiscard]] std::string read_text_file(const std::filesystem::path& file);

// Parses a baseline document; Error names `source` and the field (results_from_json's messages,
// then accepted_from_json's).
[[nodiscard]] Baseline baseline_from_text(std::string_view text, std::string_view source);
[[nodiscard]] Baseline load_baseline(const std::filesystem::path& file);

// The document promote writes: the run's JSON as it was read (fields this harness does not know
// are kept), with "accepted" set to `accepted`. Pure.
[[nodiscard]] nlohmann::json baseline_document(nlohmann::json run,
                                               const std::vector<AcceptedRegression>& accepted);

struct PromoteOutcome {
  std::string run_id;
  std::size_t accepted_kept = 0;
};

// Copies the results file `from` to `to` through write_file_atomic, after checking that it is a
// valid results file. An existing `to` keeps its "accepted" list unless `reset_accepted`; when it
// cannot be parsed, Error says so and suggests --reset-accepted.
[[nodiscard]] PromoteOutcome promote_baseline(const std::filesystem::path& from,
                                              const std::filesystem::path& to, bool reset_accepted);

}  // namespace imgbench
