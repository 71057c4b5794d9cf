// A run's folder on disk: results.json, results.csv, report.md, the charts, report.html and
// benchmark.json. A run folder is published whole or not at all: everything is written into a
// staging folder beside it, which is renamed into place only once every file is complete, so a
// full disk, a crash or an interrupt while writing leaves no half-written run behind.
#pragma once

#include <csignal>
#include <filesystem>
#include <string>

#include "results.hpp"

namespace imgbench {

// Writes charts/*.svg (the paths report.md links to) and report.html into `dir`, each atomically.
void write_charts_and_html(const std::filesystem::path& dir, const Results& results);

// Writes results.json, results.csv, report.md, the charts and report.html (and benchmark.json
// when `benchmark_json` is not empty) into `dir`, each atomically, in place.
void write_reports(const std::filesystem::path& dir, const Results& results,
                   const std::string& benchmark_json);

// `dir` absolute and normal, without a trailing "/" ("runs/x/" → "/…/runs/x").
[[nodiscard]] std::filesystem::path without_trailing_separator(const std::filesystem::path& dir);

// The staging folder of `dir`: ".<name>.partial" beside it.
[[nodiscard]] std::filesystem::path staging_folder(const std::filesystem::path& dir);

// write_reports into staging_folder(dir), then the staging folder renamed to `dir` (an existing
// `dir`, from an earlier --out, is replaced whole). Returns false, with nothing published and the
// staging folder removed, when `cancel` was raised before the rename. Throws Error naming the file
// on a failed write (ENOSPC, EFBIG, EACCES, ...), after removing the staging folder.
//
// IMGBENCH_FAILPOINT=before-publish in the environment holds the run between the writes and the
// rename until `cancel` is raised (at most 60 s), after saying so on stderr: the interrupt tests
// use it to signal a run that is writing its results. Any other value is ignored.
[[nodiscard]] bool publish_run_folder(const std::filesystem::path& dir, const Results& results,
                                      const std::string& benchmark_json,
                                      const volatile std::sig_atomic_t* cancel);

}  // namespace imgbench
