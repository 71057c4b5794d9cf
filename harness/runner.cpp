#include "runner.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

#include "error.hpp"
#include "host.hpp"
#include "process.hpp"
#include "stats.hpp"
#include "text.hpp"
#include "timing.hpp"

namespace imgbench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kLogTailLines = 40;

double to_ms(std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e6; }

bool cancelled(const volatile std::sig_atomic_t* flag) { return flag != nullptr && *flag != 0; }

// Removes a container however the scope is left: a thrown error, an early return, an interrupt.
// Removes a run's images however the run ends, an engine error included: each variant's tag (unless
// they are to be kept) and the step images its builds left. Earlier stages' images are no parent of
// the tagged one and would stay behind untagged; they go newest first, so each is a leaf when its
// turn comes (already gone counts as removed). A kept image's own parents refuse removal.
class ContainerGuard {
 public:
  ContainerGuard(Docker& docker, std::string name) : docker_(docker), name_(std::move(name)) {}
  ContainerGuard(const ContainerGuard&) = delete;
  ContainerGuard& operator=(const ContainerGuard&) = delete;
  ~ContainerGuard() {
    try {
      (void)docker_.remove_container(name_);
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; `clean` finds
                     // leftovers
    }
  }

 private:
  Docker& docker_;
  std::string name_;
};

// What one variant carries between the build phase and the measuring phase.
struct Work {
  const Variant* variant = nullptr;
  VariantResult* result = nullptr;
  std::string tag;
  std::vector<std::string> step_images;
  bool built = false;
  bool failed = false;
  // Per-repetition figures, reported as their median (samples keep them all) ...
  std::map<std::string, std::vector<double>> per_repetition;
  // ... and counts, reported as their sum over repetitions.
  std::map<std::string, double> totals{{"errors", 0}, {"reconnects", 0}};
  int repetitions_done = 0;  // container starts so far: the next repetition's index

  void add(const std::string& metric, double value) { per_repetition[metric].push_back(value); }
};

template <typename WorkList>
class ImageGuard {
 public:
  ImageGuard(Docker& docker, const WorkList& work, bool keep)
      : docker_(docker), work_(work), keep_(keep) {}
  ImageGuard(const ImageGuard&) = delete;
  ImageGuard& operator=(const ImageGuard&) = delete;
  ~ImageGuard() {
    for (const auto& w : work_) {
      try {
        if (w.built && !keep_) {
          (void)docker_.remove_image(w.tag);
        }
        for (auto it = w.step_images.rbegin(); it != w.step_images.rend(); ++it) {
          (void)docker_.remove_image(*it);
        }
      } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
      }
    }
  }

 private:
  Docker& docker_;
  const WorkList& work_;
  bool keep_;
};

void fail(Work& work, std::string reason, std::string log_tail, const ProgressSink& progress) {
  if (progress) {
    progress(ProgressEvent{work.result->name, "failed", reason});
  }
  work.failed = true;
  work.result->status = VariantStatus::Failed;
  work.result->reason = std::move(reason);
  work.result->log_tail = std::move(log_tail);
}

// Metric = median over repetitions of the per-repetition figure (the comparison uses repetition
// medians, MEASURING.md); the per-repetition values are kept as samples.
void put_median(VariantResult& result, const std::string& key, const std::vector<double>& values) {
  if (values.empty()) {
    return;
  }
  result.samples[key] = values;
  result.metrics[key] = *median(values);
}

// The per-repetition latency figures, as the timed loop hands them to Google Benchmark.
std::vector<std::pair<std::string, double>> latency_counters(const Summary& s) {
  return {{"latency_min_us", s.min},       {"latency_p50_us", s.p50},   {"latency_p90_us", s.p90},
          {"latency_p99_us", s.p99},       {"latency_p999_us", s.p999}, {"latency_mean_us", s.mean},
          {"latency_stddev_us", s.stddev}, {"latency_max_us", s.max}};
}

// Latency metrics from Google Benchmark's runs: samples keep every repetition's figure, the metric
// is the median aggregate (the maximum: the largest of all), and `<name>_cv` is the cv aggregate of
// p50 and p99, the repetitions' spread relative to their mean.
void record_latency(const RepetitionTimer& timer, VariantResult& result) {
  std::map<std::string, std::vector<double>> samples;
  for (const auto& run : timer.runs(result.name)) {
    if (run.error_occurred) {
      continue;
    }
    for (const auto& [key, unused] : latency_counters(Summary{})) {
      if (const double* value = counter(run, key)) {
        samples[key].push_back(*value);
      }
    }
  }
  if (samples.empty()) {
    return;
  }
  for (const auto& [key, values] : samples) {
    result.samples[key] = values;
    result.metrics[key] = *median(values);
  }
  const auto& maxima = samples["latency_max_us"];
  if (!maxima.empty()) {
    result.metrics["latency_max_us"] = *std::max_element(maxima.begin(), maxima.end());
  }
  for (const auto& aggregate : timer.aggregates(result.name)) {
    if (aggregate.aggregate_name == "median") {
      for (const auto& [key, values] : samples) {
        if (const double* value = counter(aggregate, key); value && key != "latency_max_us") {
          result.metrics[key] = *value;
        }
      }
    } else if (aggregate.aggregate_name == "cv") {
      for (const char* key : {"latency_p50", "latency_p99"}) {
        if (const double* value = counter(aggregate, std::string(key) + "_us")) {
          result.metrics[std::string(key) + "_cv"] = *value;
        }
      }
    }
  }
}

}  // namespace

std::string container_name(const std::string& run_id, const std::string& variant, int repetition) {
  return "imgbench-" + run_id + "-" + variant + "-" + std::to_string(repetition + 1);
}

std::string image_tag(const std::string& run_id, const std::string& variant) {
  std::string tag = run_id;
  std::transform(tag.begin(), tag.end(), tag.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return "imgbench/" + variant + ":" + tag;
}

bool is_metadata_instruction(const std::string& created_by) {
  // Legacy builder: "/bin/sh -c #(nop)  CMD [...]"; ADD and COPY are written with #(nop) as well
  // but make a layer. BuildKit: "CMD [...]", "ENV …", and RUN/COPY/ADD spelled out.
  static const char* const kMetadata[] = {
      "CMD",        "ENTRYPOINT", "ENV",         "EXPOSE", "LABEL",   "USER",  "ARG",
      "MAINTAINER", "STOPSIGNAL", "HEALTHCHECK", "SHELL",  "ONBUILD", "VOLUME"};
  std::string text = created_by;
  const std::string nop = "#(nop)";
  if (auto at = text.find(nop); at != std::string::npos) {
    text = text.substr(at + nop.size());
  }
  auto first = text.find_first_not_of(' ');
  if (first == std::string::npos) {
    return false;
  }
  text = text.substr(first);
  for (const char* word : kMetadata) {
    const std::string w = word;
    if (text.compare(0, w.size(), w) == 0 && (text.size() == w.size() || text[w.size()] == ' ')) {
      return true;
    }
  }
  return false;
}

std::vector<LayerRow> match_layers(const std::vector<std::string>& diff_ids,
                                   const std::vector<HistoryRow>& history) {
  // docker history lists the newest row first; RootFS.Layers lists the base first.
  std::vector<const HistoryRow*> layer_rows;
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (!(it->size_bytes == 0 && is_metadata_instruction(it->created_by))) {
      layer_rows.push_back(&*it);
    }
  }
  std::vector<LayerRow> rows;
  rows.reserve(diff_ids.size());
  const bool aligned = layer_rows.size() == diff_ids.size();
  for (std::size_t i = 0; i < diff_ids.size(); ++i) {
    LayerRow row;
    row.digest = diff_ids[i];
    if (aligned) {
      row.size_bytes = layer_rows[i]->size_bytes;
      row.created_by = layer_rows[i]->created_by;
    } else {
      row.size_bytes = -1;  // the history could not be matched to the layers; anatomy can
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void apply_anatomy(const ImageAnatomy& anatomy, VariantResult& result) {
  auto& m = result.metrics;
  m["compressed_bytes"] = static_cast<double>(anatomy.compressed_bytes);
  m["shadowed_bytes"] = static_cast<double>(anatomy.shadowed_bytes);
  m["wasted_bytes"] = static_cast<double>(anatomy.wasted_bytes);
  m["efficiency"] = anatomy.efficiency;
  m["dive_wasted_bytes"] = static_cast<double>(anatomy.dive_wasted_bytes);
  m["dive_efficiency"] = anatomy.dive_efficiency;
  m["file_count"] = static_cast<double>(anatomy.file_count);
  m["base_bytes"] = static_cast<double>(anatomy.base_bytes);
  m["own_bytes"] = static_cast<double>(anatomy.own_bytes);
  m["has_shell"] = anatomy.has_shell ? 1 : 0;
  m["runs_as_root"] = anatomy.runs_as_root ? 1 : 0;
  ImageFacts facts;
  facts.user = anatomy.user;
  facts.exposed_ports = anatomy.exposed_ports;
  facts.entrypoint = anatomy.entrypoint;
  facts.cmd = anatomy.cmd;
  for (const auto& file : anatomy.largest_files) {
    facts.largest_files.push_back({file.path, file.size_bytes, static_cast<int>(file.layer)});
  }
  result.image.facts = std::move(facts);
  if (anatomy.layers.size() != result.image.layers.size()) {
    return;
  }
  for (std::size_t i = 0; i < anatomy.layers.size(); ++i) {
    const auto& layer = anatomy.layers[i];
    auto& row = result.image.layers[i];
    row.digest = layer.diff_id;
    row.size_bytes = layer.size_bytes;
    row.created_by = layer.created_by;  // from the image config: exact, unlike docker history
    row.compressed_bytes = layer.compressed_bytes;
    row.shadowed_bytes = layer.shadowed_bytes;
    row.base = layer.base;
  }
}

Runner::Runner(Docker& docker, Probe& probe, ProgressSink progress)
    : docker_(docker), probe_(probe), progress_(std::move(progress)) {}

Results Runner::run(const std::vector<Variant>& variants, const RunnerOptions& options) {
  interrupted_ = false;
  Results results;
  results.run = options.run;
  const EngineInfo engine = docker_.engine_info();
  results.run.docker_server_version = engine.server_version;
  results.run.docker_client_version = engine.client_version;
  results.run.builder = engine.builder;
  results.run.storage_driver = engine.storage_driver;

  const auto& run_id = results.run.id;
  const auto& params = results.run.parameters;
  auto emit = [&](const std::string& variant, const char* stage, std::string detail = {}) {
    if (progress_) {
      progress_(ProgressEvent{variant, stage, std::move(detail)});
    }
  };
  auto stop_requested = [&] {
    if (cancelled(options.cancel)) {
      interrupted_ = true;
    }
    return interrupted_;
  };

  // Memory is a measurement: when the engine cannot tell it, the metric is absent, the run goes on.
  auto read_memory = [&](const std::string& id) -> std::optional<ContainerStats> {
    try {
      return docker_.stats(id);
    } catch (const Error& e) {
      if (progress_) {
        progress_(ProgressEvent{"", "warning", std::string("no memory figure: ") + e.what()});
      }
      return std::nullopt;
    }
  };
  auto container_alive = [&](const std::string& name) {
    auto info = docker_.inspect_container(name);
    return info && info->running;
  };
  // One load phase's figures, under `prefix` ("load" closed loop, "open" open loop).
  auto record_load = [&](Work& w, const std::string& prefix, const LoadResult& load) {
    if (load.cancelled) {
      interrupted_ = true;
      return;
    }
    const double seconds = std::chrono::duration<double>(load.elapsed).count();
    w.add(prefix + "_rps", load.achieved_rps);
    if (load.latency_us.count() > 0) {
      w.add(prefix + "_p50_us", load.latency_us.percentile(0.50));
      w.add(prefix + "_p99_us", load.latency_us.percentile(0.99));
    }
    if (prefix == "open" && load.uncorrected_latency_us.count() > 0) {
      w.add("open_uncorrected_p50_us", load.uncorrected_latency_us.percentile(0.50));
      w.add("open_uncorrected_p99_us", load.uncorrected_latency_us.percentile(0.99));
      w.totals["open_late_starts"] += static_cast<double>(load.late_starts);
    }
    if (seconds > 0) {
      w.add(prefix + "_harness_cpu_pct", 100.0 * load.harness_cpu_s / seconds);
      if (load.harness_wait_s >= 0) {
        w.add(prefix + "_harness_wait_pct", 100.0 * load.harness_wait_s / seconds);
      }
    }
    w.totals[prefix + "_errors"] += static_cast<double>(load.errors);
  };

  // The layers of the longest required image that the built image starts with: its base.
  auto base_layers_of = [&](const Variant& v, const ImageInfo& image) {
    std::vector<std::string> best;
    for (const auto& required : v.requires_images) {
      auto info = docker_.inspect_image(required);
      if (info && info->layers.size() > best.size() && info->layers.size() <= image.layers.size() &&
          std::equal(info->layers.begin(), info->layers.end(), image.layers.begin())) {
        best = info->layers;
      }
    }
    return best;
  };

  results.variants.resize(variants.size());
  std::vector<Work> work(variants.size());
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const auto& v = variants[i];
    auto& r = results.variants[i];
    r.name = v.name;
    r.description = v.description;
    r.tags = v.tags;
    r.budget = v.budget;
    work[i].variant = &v;
    work[i].result = &r;
    work[i].tag = image_tag(run_id, v.name);
  }

  const ImageGuard image_guard(docker_, work, options.keep_images);

  // Phase 1: which variants can run here at all.
  for (auto& w : work) {
    std::vector<std::string> missing;
    for (const auto& image : w.variant->requires_images) {
      if (!docker_.inspect_image(image)) {
        missing.push_back(image);
      }
    }
    if (missing.empty()) {
      continue;
    }
    w.failed = true;
    w.result->status = VariantStatus::Skipped;
    if (w.variant->requires_registry) {
      w.result->reason = "needs " + join(missing, ", ") +
                         " from a registry, which this engine cannot pull from here";
      for (const auto& image : missing) {
        auto pulled = docker_.pull(image);
        if (pulled.ok) {
          continue;
        }
        w.result->reason =
            "needs " + image + " from a registry; docker pull failed: " + pulled.failure;
        break;
      }
      if (std::all_of(missing.begin(), missing.end(),
                      [&](const std::string& image) { return docker_.inspect_image(image); })) {
        w.failed = false;
        w.result->status = VariantStatus::Ok;
        w.result->reason.reset();
        continue;
      }
    } else {
      w.result->reason =
          "base image " + join(missing, ", ") + " is missing; make it with `make bases`";
    }
    emit(w.variant->name, "skipped", *w.result->reason);
  }

  // Phase 2: build and inspect every runnable variant.
  for (auto& w : work) {
    if (w.failed || stop_requested()) {
      continue;
    }
    const auto& v = *w.variant;
    emit(v.name, "building", w.tag);
    BuildRequest request;
    request.context_dir = v.context.string();
    request.dockerfile = v.dockerfile.string();
    request.tag = w.tag;
    request.build_args = v.build_args;
    request.labels = {{kRunLabel, run_id}, {"imgbench.variant", v.name}};
    request.no_cache = true;
    auto built = docker_.build(request);
    w.built = built.ok;
    // The last step image is the tagged result itself: `docker rmi <id>` would delete it even when
    // it is to be kept, so it is removed by tag only.
    for (const auto& id : built.step_images) {
      if (built.image_id.find(id) == std::string::npos) {
        w.step_images.push_back(id);
      }
    }
    if (stop_requested()) {
      break;
    }
    if (!built.ok) {
      fail(w, "docker build failed: " + built.failure, built.log_tail, progress_);
      continue;
    }
    w.result->metrics["build_cold_ms"] = to_ms(built.elapsed);
    auto image = docker_.inspect_image(w.tag);
    if (!image) {
      fail(w, "the image " + w.tag + " is missing right after its build", built.log_tail,
           progress_);
      continue;
    }
    auto history = docker_.history(w.tag);
    w.result->image.id = image->id;
    w.result->image.tag = w.tag;
    w.result->image.layers = match_layers(image->layers, history);
    w.result->metrics["size_bytes"] = static_cast<double>(image->size_bytes);
    w.result->metrics["layers"] = static_cast<double>(image->layers.size());
    w.result->metrics["history_entries"] = static_cast<double>(history.size());

    if (options.anatomy) {
      emit(v.name, "analysing", "docker save: layers, shadowed bytes, compressed size");
      AnatomyOptions anatomy_options;
      anatomy_options.base_layers = base_layers_of(v, *image);
      try {
        ImageAnatomy anatomy;
        docker_.save(w.tag, [&](int fd) { anatomy = analyze_image_archive(fd, anatomy_options); });
        apply_anatomy(anatomy, *w.result);
      } catch (const Error& e) {
        // The image is still measured; only its anatomy is missing (and says why on stderr).
        emit(v.name, "warning", std::string("no anatomy: ") + e.what());
      }
      if (stop_requested()) {
        break;
      }
    }

    // The same build again with the cache: what an edit-build loop costs when nothing changed. Not
    // tagged: the cache may hold the same steps from another run (or an identical variant), and
    // then the build makes a new image; moving the tag to it would orphan the measured one and its
    // chain (seen with two runs at once). A different image is only timed, so it goes at once.
    request.no_cache = false;
    request.tag.clear();
    emit(v.name, "building", "again, with the cache");
    auto warm = docker_.build(request);
    if (warm.ok && warm.image_id != built.image_id) {
      (void)docker_.remove_image(warm.image_id);
    }
    if (stop_requested()) {
      break;
    }
    if (warm.ok) {
      w.result->metrics["build_warm_ms"] = to_ms(warm.elapsed);
    }
    emit(v.name, "built",
         std::to_string(image->size_bytes) + " bytes, " + std::to_string(image->layers.size()) +
             " layers");
  }

  // Phase 3: measure, interleaved across variants, each repetition a fresh container. The measuring
  // thread stays on one CPU and the container on another (or the same), alike for every variant.
  const ThreadPin pin(params.harness_cpu);
  if (params.harness_cpu >= 0 && !pin.pinned()) {
    emit("", "warning", "could not pin the harness to CPU " + std::to_string(params.harness_cpu));
    results.run.parameters.harness_cpu = -1;  // the record must say what really happened
  }

  // One repetition of one variant, run by Google Benchmark: the container is started and made
  // ready before the timed loop and measured under load and stopped after it. A repetition that
  // cannot be measured fails its variant (data, not an exception) and tells Google Benchmark so.
  auto repetition = [&](Work& w, int rep, benchmark::State& state) {
    const auto& v = *w.variant;
    auto give_up = [&](std::string reason, std::string log_tail) {
      state.SkipWithError(reason.c_str());
      fail(w, std::move(reason), std::move(log_tail), progress_);
    };
    auto cut_short = [&] {
      interrupted_ = true;
      state.SkipWithError("interrupted");
    };
    if (stop_requested()) {
      return cut_short();  // raised during an earlier variant of this round
    }
    const std::string name = container_name(run_id, v.name, rep);
    const std::string rep_text =
        "repetition " + std::to_string(rep + 1) + "/" + std::to_string(params.repetitions);
    ContainerGuard guard(docker_, name);
    emit(v.name, "starting", rep_text);

    RunRequest run;
    run.image = w.tag;
    run.name = name;
    run.labels = {{kRunLabel, run_id}, {"imgbench.variant", v.name}};
    run.container_port = v.port;
    run.publish = params.via == "port";
    run.cpuset = params.container_cpuset;
    const auto t0 = Clock::now();
    auto started = docker_.run_detached(run);
    if (!started.ok) {
      if (stop_requested()) {
        return cut_short();
      }
      return give_up("docker run failed: " + started.failure,
                     docker_.logs_tail(name, kLogTailLines));
    }
    auto info = docker_.inspect_container(name);
    if (!info || !info->running) {
      const int code = info ? info->exit_code : -1;
      return give_up("the container exited at once with code " + std::to_string(code),
                     docker_.logs_tail(name, kLogTailLines));
    }
    std::string host;
    int port = v.port;
    if (params.via == "port") {
      if (!info->host_port) {
        return give_up("the container's port " + std::to_string(v.port) + " was not published", "");
      }
      host = "127.0.0.1";
      port = *info->host_port;
    } else {
      host = info->ip_address;
      if (host.empty()) {
        return give_up("the container has no address on the bridge network", "");
      }
    }
    const std::string url = "http://" + host + ":" + std::to_string(port) + v.health_path;

    ReadyOptions ready_options;
    ready_options.url = url;
    ready_options.expect_status = v.expect_status;
    ready_options.timeout = v.ready_timeout;
    ready_options.cancel = options.cancel;
    auto ready = probe_.wait_ready(ready_options, t0);
    if (ready.cancelled || stop_requested()) {
      return cut_short();
    }
    if (!ready.ready) {
      auto after = docker_.inspect_container(name);
      std::string reason;
      if (after && !after->running) {
        reason = "the container exited with code " + std::to_string(after->exit_code) +
                 " before answering " + v.health_path;
      } else {
        reason = "not ready after " + std::to_string(v.ready_timeout.count()) + " ms: ";
        reason += ready.last_status != 0
                      ? "last answer was HTTP " + std::to_string(ready.last_status)
                      : "no answer (" + ready.last_error + ")";
      }
      return give_up(reason, docker_.logs_tail(name, kLogTailLines));
    }
    w.add("ready_ms", to_ms(ready.ready_after));
    w.add("create_ms", to_ms(started.elapsed));
    w.add("app_ready_ms", to_ms(ready.ready_after) - to_ms(started.elapsed));
    emit(v.name, "ready", std::to_string(static_cast<long long>(to_ms(ready.ready_after))) + " ms");

    if (auto mem = read_memory(info->id)) {
      w.add("mem_idle_bytes", static_cast<double>(mem->mem_usage_bytes));
    }

    LatencyOptions latency_options;
    latency_options.url = url;
    latency_options.expect_status = v.expect_status;
    latency_options.warmup = params.warmup;
    latency_options.requests = params.requests;
    latency_options.cancel = options.cancel;
    // The keep-alive connection is closed as soon as the loop is done: left open through `docker
    // stop` and removal, its closing handshake would go to a container that is gone, and the next
    // container, given the same address, was seen to answer its readiness polls ~800 ms late.
    auto client = probe_.open_client(latency_options);
    if (params.warmup > 0) {
      emit(v.name, "warming", std::to_string(params.warmup) + " requests, discarded, " + rep_text);
    }
    if (!warm_up(*client, latency_options)) {
      return cut_short();
    }
    emit(v.name, "measuring",
         std::to_string(params.requests) + " requests to " + url + ", " + rep_text);
    // The timed loop: one request an iteration, timed by the harness's own clock (see
    // RequestSample).
    std::vector<double> latency_us;
    latency_us.reserve(static_cast<std::size_t>(params.requests));
    int errors = 0;
    int reconnects = 0;
    const auto progress_every = options.progress_every;
    const std::string of_requests = "/" + std::to_string(params.requests);
    auto last_progress = Clock::now();
    std::int64_t sent = 0;
    for (auto _ : state) {
      if (cancelled(options.cancel)) {
        cut_short();
        break;
      }
      const RequestSample sample = client->get();
      state.SetIterationTime(std::chrono::duration<double>(sample.elapsed).count());
      if (sample.new_connection) {
        ++reconnects;
      }
      if (sample.ok) {
        latency_us.push_back(std::chrono::duration<double, std::micro>(sample.elapsed).count());
      } else {
        ++errors;
      }
      // After SetIterationTime, so outside the measured time: a clock read every 256 requests and
      // an event at most every progress_every.
      if (progress_every.count() > 0 && (++sent & 0xFF) == 0) {
        const auto now = Clock::now();
        if (now - last_progress >= progress_every) {
          last_progress = now;
          // The running p50 of what was measured so far (a copy, so the samples keep their order).
          std::string note;
          if (!latency_us.empty()) {
            std::vector<double> sorted = latency_us;
            const auto middle = sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2);
            std::nth_element(sorted.begin(), middle, sorted.end());
            note = " p50 " + std::to_string(std::llround(*middle)) + " µs";
          }
          emit(v.name, "progress", std::to_string(sent) + of_requests + note);
        }
      }
    }
    client.reset();
    if (state.error_occurred() || stop_requested()) {
      return cut_short();
    }
    state.counters["errors"] = errors;
    state.counters["reconnects"] = reconnects;
    w.totals["errors"] += errors;
    w.totals["reconnects"] += reconnects;
    if (auto s = summarize(latency_us)) {
      for (const auto& [key, value] : latency_counters(*s)) {
        state.counters[key] = value;
      }
    }

    if (params.cold_requests > 0 && container_alive(name)) {
      emit(v.name, "measuring",
           std::to_string(params.cold_requests) + " requests on new connections, " + rep_text);
      LatencyOptions cold_options = latency_options;
      cold_options.fresh_connections = true;
      cold_options.warmup = 0;
      cold_options.requests = params.cold_requests;
      auto cold = probe_.measure_sequential(cold_options);
      if (cold.cancelled || stop_requested()) {
        return cut_short();
      }
      if (auto s = summarize(cold.latency_us)) {
        w.add("cold_latency_p50_us", s->p50);
        w.add("cold_latency_p90_us", s->p90);
        w.add("cold_latency_p99_us", s->p99);
      }
      w.totals["cold_errors"] += cold.errors;
      // Each cold request must have opened its own connection; one that did not was not cold.
      w.totals["cold_reused"] += std::max(0, cold_options.requests - cold.reconnects);
    }

    const char* phase = "the latency loop";
    if (params.duration_s > 0 && container_alive(name)) {
      phase = "the load phase";
      LoadOptions load_options;
      load_options.url = url;
      load_options.expect_status = v.expect_status;
      load_options.connections = params.connections;
      load_options.duration =
          std::chrono::milliseconds(static_cast<std::int64_t>(params.duration_s * 1000.0));
      load_options.cancel = options.cancel;
      emit(v.name, "load",
           std::to_string(params.connections) + " connections, closed loop, " + rep_text);
      record_load(w, "load", probe_.load(load_options));
      if (params.rate_rps > 0 && !stop_requested()) {
        load_options.rate_rps = params.rate_rps;
        std::ostringstream rate;
        rate << params.rate_rps;  // 500, not std::to_string's 500.000000
        emit(v.name, "load", "open loop at " + rate.str() + " requests/s, " + rep_text);
        record_load(w, "open", probe_.load(load_options));
      }
      if (stop_requested()) {
        return cut_short();
      }
    }
    if (auto mem = read_memory(info->id); mem && mem->mem_peak_bytes) {
      w.add("mem_peak_bytes", static_cast<double>(*mem->mem_peak_bytes));
    }
    if (!container_alive(name)) {
      auto after = docker_.inspect_container(name);
      return give_up("the container exited with code " +
                         std::to_string(after ? after->exit_code : -1) + " during " + phase,
                     docker_.logs_tail(name, kLogTailLines));
    }

    emit(v.name, "stopping");
    auto stopped = docker_.stop(name, std::chrono::seconds(params.stop_timeout_s));
    if (stopped.ok) {
      w.add("stop_ms", to_ms(stopped.elapsed));
    }
  };

  RepetitionTimer timer(params.requests);
  for (auto& w : work) {
    if (!w.failed && w.built) {
      timer.add(w.variant->name, [&, wp = &w](benchmark::State& state) {
        repetition(*wp, wp->repetitions_done++, state);
      });
    }
  }
  for (int rep = 0; rep < params.repetitions && !stop_requested(); ++rep) {
    std::vector<std::string> round;
    for (const auto& w : work) {
      if (!w.failed && w.built) {
        round.push_back(w.variant->name);
      }
    }
    (void)timer.run_round(round);
  }
  benchmark_json_ = timer.benchmark_json();

  // A probe that saw the flag returns early without the loop conditions above re-reading it.
  (void)stop_requested();

  // Results of the measuring phase, then the images of this run.
  for (auto& w : work) {
    auto& r = *w.result;
    if (w.built && !w.failed && !interrupted_) {
      for (const auto& [metric, values] : w.per_repetition) {
        put_median(r, metric, values);
      }
      record_latency(timer, r);
      for (const auto& [metric, total] : w.totals) {
        r.metrics[metric] = total;
      }
      emit(r.name, "done");
    }
  }
  return results;
}

}  // namespace imgbench
