// The real Docker: runs the `docker` CLI through `process` with a timeout on every call and parses
// its JSON output with the pure parsers in docker.hpp.
#pragma once

#include <csignal>
#include <map>
#include <string>
#include <vector>

#include "docker.hpp"
#include "process.hpp"

namespace imgbench {

class DockerCli final : public Docker {
 public:
  // `docker_binary` is looked up on PATH; `cancel` is handed to the long calls (build, run, pull)
  // but not to cleanup (stop, rm, rmi), which must still work after Ctrl-C. `extra_env`
  // ("NAME=value") is added to every call's environment, e.g. DOCKER_HOST.
  explicit DockerCli(std::string docker_binary = "docker",
                     const volatile std::sig_atomic_t* cancel = nullptr,
                     std::vector<std::string> extra_env = {});

  EngineInfo engine_info() override;
  BuildResult build(const BuildRequest& request) override;
  std::optional<ImageInfo> inspect_image(const std::string& ref) override;
  std::vector<HistoryRow> history(const std::string& ref) override;
  PullResult pull(const std::string& ref) override;
  RunResult run_detached(const RunRequest& request) override;
  std::optional<ContainerInfo> inspect_container(const std::string& name_or_id) override;
  std::optional<ContainerStats> stats(const std::string& name_or_id) override;
  std::string logs_tail(const std::string& name_or_id, int lines) override;
  StopResult stop(const std::string& name_or_id, std::chrono::seconds grace) override;
  bool remove_container(const std::string& name_or_id) override;
  bool remove_image(const std::string& ref) override;
  void save(const std::string& ref, const std::function<void(int fd)>& reader) override;
  std::vector<std::string> containers_with_label(const std::string& key,
                                                 const std::string& value) override;
  std::vector<std::string> images_with_label(const std::string& key,
                                             const std::string& value) override;

 private:
  // `docker <args>`, not cancellable (cleanup and quick queries).
  ProcessResult call(std::vector<std::string> args, std::chrono::milliseconds timeout) const;
  // `docker <args>`, stopped when *cancel_ becomes non-zero.
  ProcessResult call_cancellable(std::vector<std::string> args,
                                 std::chrono::milliseconds timeout) const;
  ProcessResult spawn(std::vector<std::string> args, std::chrono::milliseconds timeout,
                      bool cancellable) const;
  ProcessOptions options_for(std::vector<std::string> args, std::chrono::milliseconds timeout,
                             bool cancellable) const;
  // DOCKER_HOST as the CLI will see it, or the default socket; for error messages.
  [[nodiscard]] std::string engine_address() const;

  std::string docker_binary_;
  const volatile std::sig_atomic_t* cancel_;
  std::vector<std::string> extra_env_;
  // Container name and id → the port run_detached published, so inspect_container can pick the
  // right binding; containers started elsewhere fall back to the first loopback tcp binding.
  std::map<std::string, int> container_ports_;
};

}  // namespace imgbench
