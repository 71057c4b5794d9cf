// One run: builds every variant, then measures them interleaved (A, B, C, A, B, C, …), each
// repetition its own container start, and guarantees that every container it started is removed.
#pragma once

#include <chrono>
#include <csignal>
#include <functional>
#include <string>
#include <vector>

#include "anatomy.hpp"
#include "docker.hpp"
#include "probe.hpp"
#include "results.hpp"
#include "variant.hpp"

namespace imgbench {

struct RunnerOptions {
  RunInfo run;  // id and parameters filled by the caller; engine facts are filled by the runner
  bool keep_images = false;
  bool anatomy =
      true;  // analyse each image's `docker save` stream (layers, waste, compressed size)
  const volatile std::sig_atomic_t* cancel = nullptr;
  // Above zero: "progress" events ("4000/10000") from the latency loop, at most this often, for a
  // live display. Zero (the default): none, so a plain log stays one line a stage.
  std::chrono::milliseconds progress_every{0};
};

// A progress line for stderr: which variant, which stage, free text.
struct ProgressEvent {
  std::string variant;
  // building, analysing, built, starting, ready, warming, measuring, load, stopping, done, failed,
  // skipped, warning (variant empty or not) and, with RunnerOptions::progress_every, progress.
  std::string stage;
  std::string detail;
};
using ProgressSink = std::function<void(const ProgressEvent&)>;

class Runner {
 public:
  Runner(Docker& docker, Probe& probe, ProgressSink progress);
  // Never throws for a variant's failure (that is data); throws Error when the engine is unusable.
  // Returns with `interrupted()` true when the cancel flag was raised; cleanup has still happened.
  [[nodiscard]] Results run(const std::vector<Variant>& variants, const RunnerOptions& options);
  [[nodiscard]] bool interrupted() const { return interrupted_; }
  // The last run's latency repetitions and their aggregates in Google Benchmark's JSON format
  // (benchmark.json), empty before a run.
  [[nodiscard]] const std::string& benchmark_json() const { return benchmark_json_; }

 private:
  Docker& docker_;
  Probe& probe_;
  ProgressSink progress_;
  bool interrupted_ = false;
  std::string benchmark_json_;
};

// Container name for a repetition: imgbench-<run>-<variant>-<rep>.
[[nodiscard]] std::string container_name(const std::string& run_id, const std::string& variant,
                                         int repetition);
// Image tag for a run: imgbench/<variant>:<run-id lowercased>.
[[nodiscard]] std::string image_tag(const std::string& run_id, const std::string& variant);

// True for a history row that only changes the image config (CMD, ENV, LABEL, …) and makes no
// layer.
[[nodiscard]] bool is_metadata_instruction(const std::string& created_by);
// Pairs RootFS.Layers (base first) with the history rows that made them (docker history lists the
// newest first). When the two cannot be aligned, rows keep their digest and get size_bytes -1.
[[nodiscard]] std::vector<LayerRow> match_layers(const std::vector<std::string>& diff_ids,
                                                 const std::vector<HistoryRow>& history);

// The image's anatomy as metrics (compressed_bytes, shadowed_bytes, efficiency, …) and, when it
// has one row per image layer, as the per-layer rows.
void apply_anatomy(const ImageAnatomy& anatomy, VariantResult& result);

inline constexpr const char* kRunLabel = "imgbench.run";

}  // namespace imgbench
