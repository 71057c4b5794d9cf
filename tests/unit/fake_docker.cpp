#include "fake_docker.hpp"

#include <algorithm>

namespace imgbench::testing {
namespace {

std::string variant_of_labels(const std::map<std::string, std::string>& labels) {
  auto it = labels.find("imgbench.variant");
  return it == labels.end() ? std::string() : it->second;
}

}  // namespace

EngineInfo FakeDocker::engine_info() {
  calls.push_back("engine_info");
  if (!engine_up) {
    throw Error("Docker Engine not reachable at unix:///fake.sock");
  }
  return EngineInfo{"20.10.fake", "28.fake", "legacy", "overlay2", "1"};
}

BuildResult FakeDocker::build(const BuildRequest& request) {
  const std::string variant = variant_of_labels(request.labels);
  calls.push_back("build " + variant);
  BuildResult result;
  result.elapsed = std::chrono::milliseconds(1500);
  result.step_images = step_images;
  if (auto it = build_failures.find(variant); it != build_failures.end()) {
    result.ok = false;
    result.failure = "exit 1";
    result.log_tail = it->second;
    return result;
  }
  result.ok = true;
  const std::string id =
      !request.no_cache && !warm_image_id.empty() ? warm_image_id : final_image_id;
  result.image_id = "sha256:" + id;
  result.step_images.push_back(id.substr(0, 12));
  build_tags.push_back(request.tag);
  if (!request.tag.empty()) {
    images.insert(request.tag);
    tag_variant_[request.tag] = variant;
  }
  return result;
}

std::optional<ImageInfo> FakeDocker::inspect_image(const std::string& ref) {
  calls.push_back("inspect_image " + ref);
  if (images.count(ref) == 0) {
    return std::nullopt;
  }
  ImageInfo info;
  info.id = "sha256:id-" + tag_variant_[ref];
  auto size = sizes.find(tag_variant_[ref]);
  info.size_bytes = size == sizes.end() ? 74'001'000 : size->second;
  info.layers = layers;
  return info;
}

std::vector<HistoryRow> FakeDocker::history(const std::string& ref) {
  calls.push_back("history " + ref);
  if (history_fails) {
    throw Error("docker history " + ref + ": Cannot connect to the Docker daemon");
  }
  return history_rows;
}

PullResult FakeDocker::pull(const std::string& ref) {
  calls.push_back("pull " + ref);
  if (pullable.count(ref) != 0) {
    images.insert(ref);
    return PullResult{true, ""};
  }
  return PullResult{false,
                    "Error response from daemon: Get \"https://registry-1.docker.io/v2/\": "
                    "dial tcp: lookup registry-1.docker.io: no such host"};
}

RunResult FakeDocker::run_detached(const RunRequest& request) {
  calls.push_back("run " + request.name);
  cpusets.push_back(request.cpuset);
  RunResult result;
  if (containers.count(request.name) != 0) {
    result.failure = "Conflict. The container name \"/" + request.name + "\" is already in use";
    return result;
  }
  containers.insert(request.name);
  started.push_back(request.name);
  container_variant_[request.name] = tag_variant_[request.image];
  result.ok = true;
  result.container_id = "cid-" + request.name;
  result.elapsed = std::chrono::milliseconds(300);
  return result;
}

std::optional<ContainerInfo> FakeDocker::inspect_container(const std::string& name_or_id) {
  calls.push_back("inspect_container " + name_or_id);
  if (containers.count(name_or_id) == 0) {
    return std::nullopt;
  }
  const std::string variant = container_variant_[name_or_id];
  ContainerInfo info;
  info.id = "cid-" + name_or_id;  // stats must be asked by this id (the cgroup is named by it)
  info.running = exits_at_once.count(variant) == 0;
  info.status = info.running ? "running" : "exited";
  info.exit_code = info.running ? 0 : 127;
  info.ip_address = "ip-of-" + variant;
  return info;
}

std::optional<ContainerStats> FakeDocker::stats(const std::string& name_or_id) {
  calls.push_back("stats " + name_or_id);
  calls.push_back("stats-by " + name_or_id);
  if (stats_fails) {
    throw Error("docker stats " + name_or_id + ": exit 1");
  }
  return ContainerStats{5'000'000, 24'000'000'000, 0.1, 6'000'000};
}

std::string FakeDocker::logs_tail(const std::string& name_or_id, int /*lines*/) {
  calls.push_back("logs " + name_or_id);
  return "exec /app: no such file or directory\n";
}

StopResult FakeDocker::stop(const std::string& name_or_id, std::chrono::seconds /*grace*/) {
  calls.push_back("stop " + name_or_id);
  return StopResult{true, std::chrono::milliseconds(120), ""};
}

bool FakeDocker::remove_container(const std::string& name_or_id) {
  calls.push_back("rm " + name_or_id);
  containers.erase(name_or_id);
  return true;
}

bool FakeDocker::remove_image(const std::string& ref) {
  calls.push_back("rmi " + ref);
  removed_images.push_back(ref);
  return images.erase(ref) == 1;
}

void FakeDocker::save(const std::string& ref, const std::function<void(int fd)>& /*reader*/) {
  calls.push_back("save " + ref);
  throw Error("docker save " + ref + ": the fake engine keeps no layers");
}

std::vector<std::string> FakeDocker::images_with_label(const std::string& /*key*/,
                                                       const std::string& /*value*/) {
  calls.push_back("images_with_label");
  return {};
}

std::vector<std::string> FakeDocker::containers_with_label(const std::string& /*key*/,
                                                           const std::string& /*value*/) {
  return {containers.begin(), containers.end()};
}

ReadyResult FakeProbe::wait_ready(const ReadyOptions& options,
                                  std::chrono::steady_clock::time_point /*t0*/) {
  ReadyResult result;
  result.attempts = 3;
  for (const auto& host : never_ready) {
    if (options.url.find(host) != std::string::npos) {
      result.last_status = 503;
      return result;
    }
  }
  result.ready = true;
  result.last_status = options.expect_status;
  result.ready_after = std::chrono::milliseconds(250);
  result.first_accept_after = std::chrono::milliseconds(200);
  return result;
}

namespace {

class FakeClient final : public SequentialClient {
 public:
  FakeClient(const LatencyOptions& options, volatile std::sig_atomic_t* interrupt,
             std::vector<std::string>* close_log)
      : options_(options), interrupt_(interrupt), close_log_(close_log) {}
  ~FakeClient() override {
    if (close_log_ != nullptr) {
      close_log_->push_back("close " + options_.url);
    }
  }
  FakeClient(const FakeClient&) = delete;
  FakeClient& operator=(const FakeClient&) = delete;

  RequestSample get() override {
    ++calls_;
    RequestSample sample;
    sample.ok = true;
    sample.new_connection = options_.fresh_connections || calls_ == 1;
    const int measured = calls_ - options_.warmup;
    if (measured <= 0 || options_.requests <= 0) {
      sample.elapsed = std::chrono::microseconds(1);
      return sample;
    }
    if (interrupt_ != nullptr) {
      *interrupt_ = 1;
    }
    sample.elapsed = std::chrono::microseconds((measured - 1) % options_.requests + 1);
    return sample;
  }
  [[nodiscard]] std::uint64_t body_bytes() const override { return 0; }
  void reset_body_bytes() override {}

 private:
  LatencyOptions options_;
  volatile std::sig_atomic_t* interrupt_;
  std::vector<std::string>* close_log_;
  int calls_ = 0;
};

}  // namespace

std::unique_ptr<SequentialClient> FakeProbe::open_client(const LatencyOptions& options) {
  (options.fresh_connections ? cold_urls : measured_urls).push_back(options.url);
  return std::make_unique<FakeClient>(options, interrupt_while_measuring, close_log);
}

LoadResult FakeProbe::load(const LoadOptions& options) {
  loads.push_back(options);
  // 1000 answers of 100..1099 µs in one second; the harness used half a CPU.
  LoadResult result;
  for (int i = 0; i < 1000; ++i) {
    result.latency_us.record(100.0 + i);
    if (options.rate_rps > 0) {
      result.uncorrected_latency_us.record(50.0 + i / 2.0);
    }
  }
  result.requests = 1000;
  result.errors = 2;
  result.late_starts = options.rate_rps > 0 ? 7 : 0;
  result.intended_rps = options.rate_rps;
  result.achieved_rps = 1000;
  result.harness_cpu_s = 0.5;
  result.harness_wait_s = 0.25;
  result.elapsed = std::chrono::seconds(1);
  return result;
}

}  // namespace imgbench::testing
