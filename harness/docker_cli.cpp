// DockerCli: every engine call is one `docker` process spawned from an argv vector with a deadline.
// Absent objects are told apart from failures by the CLI's stderr (is_not_found_message), because
// the CLI exits 1 for both.
#include "docker_cli.hpp"

#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "cgroup.hpp"
#include "error.hpp"
#include "text.hpp"

namespace imgbench {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr milliseconds kQueryTimeout =
    seconds(30);  // inspect, history, version, info, stats, logs, ps
constexpr milliseconds kRemoveTimeout = seconds(30);
constexpr seconds kStopSlack{30};  // on top of the stop grace period
constexpr milliseconds kPullTimeout = std::chrono::minutes(10);
// docker save of a large image, read while it streams (the analysis sets the pace).
constexpr milliseconds kSaveTimeout = std::chrono::minutes(15);
constexpr std::size_t kBuildLogLines = 40;
constexpr std::size_t kFailureTailLines = 5;
constexpr const char* kDefaultSocket = "unix:///var/run/docker.sock";

std::string first_line(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    line = std::string(trim(line));
    if (!line.empty()) {
      return line;
    }
  }
  return {};
}

std::string last_line(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  std::string last;
  while (std::getline(lines, line)) {
    line = std::string(trim(line));
    if (!line.empty()) {
      last = line;
    }
  }
  return last;
}

bool is_cli_hint(const std::string& line) {
  return line.rfind("Run 'docker", 0) == 0 || line.rfind("See 'docker", 0) == 0;
}

// The line of a failed call's stderr that says why: the last one, skipping the CLI's closing hint
// ("Run 'docker run --help' for more information"), which follows the daemon's message.
std::string reason_line(const std::string& err) {
  std::istringstream lines(err);
  std::string line;
  std::string reason;
  while (std::getline(lines, line)) {
    line = std::string(trim(line));
    if (!line.empty() && !is_cli_hint(line)) {
      reason = line;
    }
  }
  return reason;
}

// "exit 1: Error response from daemon: …" — what a failed call says in one line.
std::string failure_line(const ProcessResult& result) {
  std::string line = result.describe();
  const std::string detail = reason_line(result.err);
  if (!detail.empty()) {
    line += ": " + detail;
  }
  return line;
}

// The failure line plus whatever else the last lines of stderr say (pull progress, warnings).
std::string failure_with_tail(const ProcessResult& result) {
  std::string text = failure_line(result);
  const std::string reason = reason_line(result.err);
  std::istringstream lines(tail_lines(result.err, kFailureTailLines));
  std::string line;
  while (std::getline(lines, line)) {
    line = std::string(trim(line));
    if (!line.empty() && line != reason && !is_cli_hint(line)) {
      text += "\n" + line;
    }
  }
  return text;
}

std::string not_installed_message(const std::string& binary, const ProcessResult& result) {
  return "docker CLI not found on PATH (" + binary + ": " + result.spawn_error +
         "): install docker.io (apt-get install docker.io) or the docker-ce CLI, then retry";
}

// Every call starts the same binary: when it could not be started, say how to install it.
void require_started(const std::string& binary, const ProcessResult& result) {
  if (result.outcome == Outcome::SpawnFailed) {
    throw Error(not_installed_message(binary, result));
  }
}

// The CLI's only way of saying "no such image/container": exit 1 and a message on stderr.
bool says_absent(const ProcessResult& result) {
  return result.outcome == Outcome::Exited && is_not_found_message(result.err);
}

[[noreturn]] void throw_failed(const std::string& command, const std::string& binary,
                               const ProcessResult& result) {
  require_started(binary, result);
  throw Error(command + ": " + failure_line(result));
}

// Rethrows a parser's error with the object it was about, so "which image?" is answered.
template <typename Parse>
auto parse_for(const std::string& subject, Parse&& parse) {
  try {
    return parse();
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (for " + subject + ")", e.exit_code());
  }
}

// A private (0700) directory for the --iidfile. Not a mkstemp file in $TMPDIR: the CLI deletes the
// file before the build and creates it again afterwards, and in a shared /tmp anyone could claim
// the freed name in between; inside our own directory nobody can.
class PrivateTempDir {
 public:
  PrivateTempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/imgbench-build-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      throw Error("docker build: cannot create a temporary directory from " + pattern + ": " +
                  std::strerror(errno));
    }
    path_ = pattern;
  }
  ~PrivateTempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  PrivateTempDir(const PrivateTempDir&) = delete;
  PrivateTempDir& operator=(const PrivateTempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string read_small_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> non_empty_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = std::string(trim(line));
    if (!line.empty()) {
      lines.push_back(std::move(line));
    }
  }
  return lines;
}

// The value of `name` the CLI will see: extra_env (the last entry wins, as in run_process) over our
// own environment; empty when unset.
std::string effective_env(const std::vector<std::string>& extra_env, std::string_view name) {
  const std::string prefix = std::string(name) + "=";
  for (auto it = extra_env.rbegin(); it != extra_env.rend(); ++it) {
    if (it->rfind(prefix, 0) == 0) {
      return it->substr(prefix.size());
    }
  }
  const char* value = std::getenv(std::string(name).c_str());
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

DockerCli::DockerCli(std::string docker_binary, const volatile std::sig_atomic_t* cancel,
                     std::vector<std::string> extra_env)
    : docker_binary_(std::move(docker_binary)), cancel_(cancel), extra_env_(std::move(extra_env)) {}

ProcessResult DockerCli::spawn(std::vector<std::string> args, milliseconds timeout,
                               bool cancellable) const {
  return run_process(options_for(std::move(args), timeout, cancellable));
}

ProcessOptions DockerCli::options_for(std::vector<std::string> args, milliseconds timeout,
                                      bool cancellable) const {
  ProcessOptions options;
  options.argv.reserve(args.size() + 1);
  options.argv.push_back(docker_binary_);
  for (auto& arg : args) {
    options.argv.push_back(std::move(arg));
  }
  options.timeout = timeout;
  options.env = extra_env_;
  options.cancel = cancellable ? cancel_ : nullptr;
  return options;
}

ProcessResult DockerCli::call(std::vector<std::string> args, milliseconds timeout) const {
  return spawn(std::move(args), timeout, false);
}

ProcessResult DockerCli::call_cancellable(std::vector<std::string> args,
                                          milliseconds timeout) const {
  return spawn(std::move(args), timeout, true);
}

std::string DockerCli::engine_address() const {
  std::string host = effective_env(extra_env_, "DOCKER_HOST");
  return host.empty() ? std::string(kDefaultSocket) + " (the default socket)" : host;
}

EngineInfo DockerCli::engine_info() {
  const ProcessResult version = call({"version", "--format", "{{json .}}"}, kQueryTimeout);
  require_started(docker_binary_, version);
  if (!version.ok()) {
    std::string why = first_line(version.err);
    if (why.empty() || version.outcome != Outcome::Exited) {
      why = "docker version " + version.describe() + (why.empty() ? "" : ": " + why);
    }
    const bool denied = why.find("permission denied") != std::string::npos;
    throw Error("Docker Engine not reachable at " + engine_address() + " (" + why + ")" +
                (denied ? "; add your user to the docker group (sudo usermod -aG docker $USER) "
                          "and log in again"
                        : "; start it with `sudo systemctl start docker` (or `sudo dockerd &`) or "
                          "point DOCKER_HOST at a running engine"));
  }
  EngineInfo info = parse_version(version.out);

  // A 28.x CLI without the buildx plugin falls back to the legacy builder (with a deprecation
  // warning); DOCKER_BUILDKIT=0 forces it even when buildx is there.
  const bool buildkit_disabled = effective_env(extra_env_, "DOCKER_BUILDKIT") == "0";
  const ProcessResult buildx = call({"buildx", "version"}, kQueryTimeout);
  info.builder = buildx.ok() && !buildkit_disabled ? "buildkit" : "legacy";

  const ProcessResult daemon =
      call({"info", "--format",
            R"({"Driver":{{json .Driver}},"CgroupVersion":{{json .CgroupVersion}}})"},
           kQueryTimeout);
  if (!daemon.ok()) {
    throw_failed("docker info", docker_binary_, daemon);
  }
  const DaemonInfo host = parse_info(daemon.out);
  info.storage_driver = host.storage_driver;
  info.cgroup_version = host.cgroup_version;
  return info;
}

BuildResult DockerCli::build(const BuildRequest& request) {
  const PrivateTempDir temp;
  const std::filesystem::path iid_file = temp.path() / "image-id";

  std::vector<std::string> args{"build"};
  if (request.no_cache) {
    args.emplace_back("--no-cache");
  }
  // The legacy builder keeps the container of a failed RUN step unless told otherwise.
  args.emplace_back("--force-rm");
  args.insert(args.end(), {"-f", request.dockerfile});
  if (!request.tag.empty()) {
    args.insert(args.end(), {"-t", request.tag});
  }
  for (const auto& [key, value] : request.labels) {
    args.insert(args.end(), {"--label", key + "=" + value});
  }
  for (const auto& [key, value] : request.build_args) {
    args.insert(args.end(), {"--build-arg", key + "=" + value});
  }
  args.insert(args.end(), {"--iidfile", iid_file.string(), "--", request.context_dir});

  const ProcessResult result = call_cancellable(std::move(args), request.timeout);
  require_started(docker_binary_, result);

  BuildResult built;
  built.elapsed = result.elapsed;
  // stdout carries the steps, stderr the warning and the final error: stderr last keeps the reason
  // at the end of the tail.
  std::string log = result.out;
  if (!log.empty() && log.back() != '\n') {
    log += '\n';
  }
  log += result.err;
  built.log_tail = tail_lines(log, kBuildLogLines);
  built.step_images = parse_build_step_images(result.out);

  if (!result.ok()) {
    built.failure = failure_line(result);
    return built;
  }
  built.image_id = std::string(trim(read_small_file(iid_file)));
  if (built.image_id.empty()) {
    built.failure = "docker build exited 0 but wrote no image id to --iidfile";
    return built;
  }
  built.ok = true;
  return built;
}

std::optional<ImageInfo> DockerCli::inspect_image(const std::string& ref) {
  const ProcessResult result =
      call({"image", "inspect", "--format", "{{json .}}", "--", ref}, kQueryTimeout);
  if (!result.ok()) {
    if (says_absent(result)) {
      return std::nullopt;
    }
    throw_failed("docker image inspect " + ref, docker_binary_, result);
  }
  return parse_for(ref, [&] { return parse_image_inspect(result.out); });
}

std::vector<HistoryRow> DockerCli::history(const std::string& ref) {
  const ProcessResult result =
      call({"history", "--no-trunc", "--human=false", "--format", "{{json .}}", "--", ref},
           kQueryTimeout);
  if (!result.ok()) {
    throw_failed("docker history " + ref, docker_binary_, result);
  }
  return parse_for(ref, [&] { return parse_history(result.out); });
}

PullResult DockerCli::pull(const std::string& ref) {
  const ProcessResult result = call_cancellable({"pull", "--quiet", "--", ref}, kPullTimeout);
  require_started(docker_binary_, result);
  PullResult pulled;
  pulled.elapsed = result.elapsed;
  pulled.ok = result.ok();
  if (!pulled.ok) {
    pulled.failure = failure_with_tail(result);
  }
  return pulled;
}

void DockerCli::save(const std::string& ref, const std::function<void(int fd)>& reader) {
  const ProcessResult result =
      run_process_reading(options_for({"save", "--", ref}, kSaveTimeout, true), reader);
  require_started(docker_binary_, result);
  if (!result.ok()) {
    throw_failed("docker save " + ref, docker_binary_, result);
  }
}

RunResult DockerCli::run_detached(const RunRequest& request) {
  std::vector<std::string> args{"run", "-d", "--name", request.name};
  for (const auto& [key, value] : request.labels) {
    args.insert(args.end(), {"--label", key + "=" + value});
  }
  if (!request.cpuset.empty()) {
    args.insert(args.end(), {"--cpuset-cpus", request.cpuset});
  }
  if (!request.network.empty()) {
    args.insert(args.end(), {"--network", request.network});
  }
  if (request.publish) {
    // Loopback only: a benchmark target must not be reachable from other hosts.
    args.insert(args.end(), {"-p", "127.0.0.1::" + std::to_string(request.container_port)});
  }
  args.insert(args.end(), {"--", request.image});

  const ProcessResult result = call_cancellable(std::move(args), request.timeout);
  require_started(docker_binary_, result);
  RunResult run;
  run.elapsed = result.elapsed;
  if (!result.ok()) {
    run.failure = failure_with_tail(result);
    return run;
  }
  // stdout is only the id; progress of an implicit pull would be on stderr.
  run.container_id = last_line(result.out);
  run.ok = !run.container_id.empty();
  if (!run.ok) {
    run.failure = "docker run -d exited 0 but printed no container id";
    return run;
  }
  container_ports_[request.name] = request.container_port;
  container_ports_[run.container_id] = request.container_port;
  return run;
}

std::optional<ContainerInfo> DockerCli::inspect_container(const std::string& name_or_id) {
  const ProcessResult result =
      call({"container", "inspect", "--format", "{{json .}}", "--", name_or_id}, kQueryTimeout);
  if (!result.ok()) {
    if (says_absent(result)) {
      return std::nullopt;
    }
    throw_failed("docker container inspect " + name_or_id, docker_binary_, result);
  }
  const auto known = container_ports_.find(name_or_id);
  const int port = known == container_ports_.end() ? 0 : known->second;
  return parse_for(name_or_id, [&] { return parse_container_inspect(result.out, port); });
}

std::optional<ContainerStats> DockerCli::stats(const std::string& name_or_id) {
  const bool full_id = name_or_id.size() == 64 &&
                       name_or_id.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (full_id) {
    if (auto memory = read_container_memory(name_or_id)) {
      ContainerStats stats;
      stats.mem_usage_bytes = memory->usage_bytes;
      stats.mem_peak_bytes = memory->peak_bytes;
      return stats;
    }
  }
  const ProcessResult result =
      call({"stats", "--no-stream", "--format", "{{json .}}", "--", name_or_id}, kQueryTimeout);
  if (!result.ok()) {
    if (says_absent(result)) {
      return std::nullopt;
    }
    throw_failed("docker stats " + name_or_id, docker_binary_, result);
  }
  return parse_for(name_or_id, [&] { return parse_stats(result.out); });
}

std::string DockerCli::logs_tail(const std::string& name_or_id, int lines) {
  // --timestamps lets us put the container's stdout and stderr, which the CLI hands back on two
  // separate pipes, into one stream in the order they were written.
  const ProcessResult result = call(
      {"logs", "--timestamps", "--tail", std::to_string(lines < 0 ? 0 : lines), "--", name_or_id},
      kQueryTimeout);
  if (!result.ok()) {
    if (says_absent(result)) {
      return {};
    }
    throw_failed("docker logs " + name_or_id, docker_binary_, result);
  }
  return merge_timestamped_logs(result.out, result.err);
}

StopResult DockerCli::stop(const std::string& name_or_id, std::chrono::seconds grace) {
  const ProcessResult result =
      call({"stop", "-t", std::to_string(grace.count()), "--", name_or_id}, grace + kStopSlack);
  StopResult stopped;
  stopped.elapsed = result.elapsed;
  stopped.ok = result.ok();
  if (!stopped.ok) {
    stopped.failure = failure_line(result);
  }
  return stopped;
}

// Cleanup never throws: it runs in scope guards and after Ctrl-C, where a second failure must not
// hide the first. A missing CLI simply means nothing was removed.
bool DockerCli::remove_container(const std::string& name_or_id) {
  const ProcessResult result = call({"rm", "-f", "--", name_or_id}, kRemoveTimeout);
  // Newer CLIs exit 0 for `rm -f` of a missing container, older ones exit 1 with "No such
  // container".
  const bool gone = result.ok() || says_absent(result);
  if (gone) {
    container_ports_.erase(name_or_id);
  }
  return gone;
}

bool DockerCli::remove_image(const std::string& ref) {
  // Not -f: an image still used by a container stays, and we report that instead of untagging.
  const ProcessResult result = call({"rmi", "--", ref}, kRemoveTimeout);
  return result.ok() || says_absent(result);
}

std::vector<std::string> DockerCli::containers_with_label(const std::string& key,
                                                          const std::string& value) {
  // An empty value matches every container that carries the key at all.
  const std::string filter = value.empty() ? "label=" + key : "label=" + key + "=" + value;
  const ProcessResult result =
      call({"ps", "-a", "--filter", filter, "--format", "{{.Names}}"}, kQueryTimeout);
  if (!result.ok()) {
    throw_failed("docker ps --filter " + filter, docker_binary_, result);
  }
  return non_empty_lines(result.out);
}

std::vector<std::string> DockerCli::images_with_label(const std::string& key,
                                                      const std::string& value) {
  const std::string filter = value.empty() ? "label=" + key : "label=" + key + "=" + value;
  const ProcessResult result = call(
      {"images", "-a", "--no-trunc", "--filter", filter, "--format", "{{.ID}}"}, kQueryTimeout);
  if (!result.ok()) {
    throw_failed("docker images --filter " + filter, docker_binary_, result);
  }
  // An image with several tags is listed once a tag; keep the first (newest) line of each id.
  std::vector<std::string> ids;
  for (auto& id : non_empty_lines(result.out)) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
      ids.push_back(std::move(id));
    }
  }
  return ids;
}

}  // namespace imgbench
