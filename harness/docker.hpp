// The Docker seam: what the harness asks of an engine, the values it gets back, and the pure
// parsers that turn the CLI's `--format '{{json .}}'` output into those values.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgbench {

struct BuildRequest {
  std::string context_dir;  // absolute path of the build context
  std::string dockerfile;   // absolute path of the Dockerfile
  std::string tag;  // empty: the image is left untagged (its id is in BuildResult::image_id)
  std::map<std::string, std::string> build_args;
  std::map<std::string, std::string> labels;
  bool no_cache = true;
  std::chrono::milliseconds timeout{std::chrono::minutes(20)};
};

struct BuildResult {
  bool ok = false;
  std::string image_id;  // "sha256:…" when ok
  std::string log_tail;  // last lines of the build output (stdout and stderr), always filled
  std::string failure;   // one line when !ok: "exit 1", "timed out after …"
  std::chrono::nanoseconds elapsed{0};
  // Short ids of the images the build's steps made (not the FROM images), oldest first; a failed
  // build fills it too. The legacy builder leaves the ones of earlier stages behind untagged.
  std::vector<std::string> step_images;
};

struct ImageInfo {
  std::string id;
  std::int64_t size_bytes = 0;
  std::vector<std::string> layers;  // RootFS.Layers (diff ids), base first
  std::string user;                 // Config.User
  std::vector<std::string> exposed_ports;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::map<std::string, std::string> labels;
  std::string created;
};

struct HistoryRow {
  std::string id;  // "<missing>" or "sha256:…"
  std::string created_by;
  std::int64_t size_bytes = 0;
  std::string comment;
};

struct RunRequest {
  std::string image;
  std::string name;
  std::map<std::string, std::string> labels;
  int container_port = 8080;
  bool publish = false;  // publish container_port on 127.0.0.1 (random host port)
  std::string network;   // empty: the engine's default bridge
  std::string cpuset;    // empty: not pinned
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
};

struct RunResult {
  bool ok = false;
  std::string container_id;
  std::string failure;  // one line plus the CLI's stderr tail when !ok
  std::chrono::nanoseconds elapsed{0};
};

struct ContainerInfo {
  std::string id;
  std::string status;  // "running", "exited", "created", …
  bool running = false;
  int exit_code = 0;
  bool oom_killed = false;
  std::string ip_address;        // on the bridge network, empty when not attached
  std::optional<int> host_port;  // the 127.0.0.1 port published for the container port
  std::string started_at;        // RFC 3339 as the engine wrote it
  std::string finished_at;
};

struct ContainerStats {
  std::int64_t mem_usage_bytes = 0;
  std::int64_t mem_limit_bytes = 0;  // 0 when read from the cgroup (not needed there)
  double cpu_percent = 0.0;
  std::optional<std::int64_t> mem_peak_bytes;  // highest usage since start, when the cgroup tells
};

struct EngineInfo {
  std::string server_version;
  std::string client_version;
  std::string builder;  // "legacy" or "buildkit"
  std::string storage_driver;
  std::string cgroup_version;
};

struct PullResult {
  bool ok = false;
  std::string failure;  // one line plus the CLI's stderr tail when !ok
  std::chrono::nanoseconds elapsed{0};
};

// What `docker info` adds to `docker version` (see parse_info).
struct DaemonInfo {
  std::string storage_driver;  // "overlay2", "fuse-overlayfs", …
  std::string cgroup_version;  // "1" or "2"
};

struct StopResult {
  bool ok = false;
  std::chrono::nanoseconds elapsed{0};
  std::string failure;
};

class Docker {
 public:
  virtual ~Docker() = default;
  Docker() = default;
  Docker(const Docker&) = delete;
  Docker& operator=(const Docker&) = delete;

  // Throws Error (exit 2) with one clear sentence when no engine answers.
  virtual EngineInfo engine_info() = 0;
  virtual BuildResult build(const BuildRequest& request) = 0;
  // std::nullopt when the image does not exist; throws Error on any other failure.
  virtual std::optional<ImageInfo> inspect_image(const std::string& ref) = 0;
  virtual std::vector<HistoryRow> history(const std::string& ref) = 0;
  // `docker pull`; a failure (no registry reachable, unknown image) is data, not an exception.
  virtual PullResult pull(const std::string& ref) = 0;
  virtual RunResult run_detached(const RunRequest& request) = 0;
  virtual std::optional<ContainerInfo> inspect_container(const std::string& name_or_id) = 0;
  // Memory now (and its peak) of a running container. Given the full 64-hex id, a local engine's
  // cgroup is read directly (exact bytes, no 2 s sample); otherwise `docker stats`.
  virtual std::optional<ContainerStats> stats(const std::string& name_or_id) = 0;
  virtual std::string logs_tail(const std::string& name_or_id, int lines) = 0;
  virtual StopResult stop(const std::string& name_or_id, std::chrono::seconds grace) = 0;
  // `docker rm -f`; true when the container is gone afterwards (also when it never existed).
  virtual bool remove_container(const std::string& name_or_id) = 0;
  virtual bool remove_image(const std::string& ref) = 0;
  // `docker save REF`, its stdout handed to `reader` as a stream (never held whole); throws Error
  // when the save fails or is cancelled, and passes on what `reader` throws.
  virtual void save(const std::string& ref, const std::function<void(int fd)>& reader) = 0;
  // Names of containers (running or not) carrying label `key=value`.
  virtual std::vector<std::string> containers_with_label(const std::string& key,
                                                         const std::string& value) = 0;
  // Ids of images (intermediate ones included) carrying label `key=value`, each once, newest first.
  virtual std::vector<std::string> images_with_label(const std::string& key,
                                                     const std::string& value) = 0;
};

// Pure parsers of CLI output; each throws Error naming `what` and the missing/bad field.
[[nodiscard]] ImageInfo parse_image_inspect(std::string_view json_text);
[[nodiscard]] std::vector<HistoryRow> parse_history(std::string_view json_lines);
// `container_port` selects the published binding; <= 0 takes the first tcp port bound on 127.0.0.1.
[[nodiscard]] ContainerInfo parse_container_inspect(std::string_view json_text, int container_port);
[[nodiscard]] ContainerStats parse_stats(std::string_view json_line);
[[nodiscard]] EngineInfo parse_version(std::string_view json_text);
// `docker info --format '{"Driver":{{json .Driver}},"CgroupVersion":{{json .CgroupVersion}}}'`.
[[nodiscard]] DaemonInfo parse_info(std::string_view json_text);
// "1.52MiB", "23.4GiB", "512kB", "0B" → bytes (docker's units: B, kB/KiB, MB/MiB, GB/GiB, TB/TiB).
[[nodiscard]] std::int64_t parse_size_text(std::string_view text);

// The step images of a legacy-builder log (" ---> 92a8f5ebb21c" lines that do not follow a FROM
// step), oldest first. BuildKit logs have none.
[[nodiscard]] std::vector<std::string> parse_build_step_images(std::string_view build_stdout);

// True when the CLI's stderr says the image or container does not exist ("No such image: …",
// "No such container: …", either case) — the CLI's only way of telling "absent" from "failed".
[[nodiscard]] bool is_not_found_message(std::string_view stderr_text);
// `docker logs --timestamps` splits a container's output into two streams; this merges them back
// into one in timestamp order (stdout first on ties) and strips the timestamps.
[[nodiscard]] std::string merge_timestamped_logs(std::string_view out, std::string_view err);

}  // namespace imgbench
