// Hand-written fakes of the Docker and HTTP seams for runner tests: they record every call and play
// back scripted outcomes, and they track which containers exist so leaks can be asserted.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "docker.hpp"
#include "error.hpp"
#include "probe.hpp"

namespace imgbench::testing {

class FakeDocker final : public Docker {
 public:
  // Scripted behaviour.
  bool engine_up = true;
  bool history_fails = false;  // history() throws, as an engine that went away would
  bool stats_fails = false;    // stats() throws
  std::set<std::string> images{"imgbench/debian:bookworm-slim"};  // refs that exist
  std::set<std::string> pullable;                                 // refs a pull would fetch
  std::map<std::string, std::string> build_failures;              // variant name → log text
  std::set<std::string> exits_at_once;                            // variant names
  std::map<std::string, std::int64_t> sizes;                      // variant name → size
  std::vector<std::string> layers{"sha256:base", "sha256:app"};
  // Every build reports these step images, then the final image's short id (as the real log does).
  std::vector<std::string> step_images{"aaaaaaaaaaaa", "bbbbbbbbbbbb"};
  std::string final_image_id = "ffffffffffff0123456789";
  // What a build with the cache makes, when not the same image (another run's cache was used).
  std::string warm_image_id;
  std::vector<HistoryRow> history_rows{
      {"sha256:3", "/bin/sh -c #(nop)  CMD [\"/app\"]", 0, ""},
      {"sha256:2", "/bin/sh -c #(nop) COPY file:abc in /app ", 1000, ""},
      {"<missing>", "", 74'000'000, "Imported from -"}};

  // Recorded.
  std::vector<std::string> calls;    // "build static", "run imgbench-…", "rm …", …
  std::set<std::string> containers;  // names that exist now
  std::vector<std::string> started;  // container names in start order
  std::vector<std::string> cpusets;  // --cpuset-cpus of each start
  std::vector<std::string> removed_images;
  std::vector<std::string> build_tags;  // the tag each build was given ("" for none)

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
  // The fake has no archive to give: the runner must carry on without the anatomy.
  void save(const std::string& ref, const std::function<void(int fd)>& reader) override;
  std::vector<std::string> containers_with_label(const std::string& key,
                                                 const std::string& value) override;
  std::vector<std::string> images_with_label(const std::string& key,
                                             const std::string& value) override;

 private:
  std::map<std::string, std::string> container_variant_;  // container name → variant name
  std::map<std::string, std::string> tag_variant_;        // image tag → variant name
};

class FakeProbe final : public Probe {
 public:
  // FakeDocker gives each container the address "ip-of-<variant>"; URLs holding one of these
  // never become ready.
  std::set<std::string> never_ready;
  // When set, the first measured request of a client raises this flag (as Ctrl-C would).
  volatile std::sig_atomic_t* interrupt_while_measuring = nullptr;
  // The URL of every keep-alive client opened, and of every cold (fresh-connection) one.
  std::vector<std::string> measured_urls;
  std::vector<std::string> cold_urls;
  // When set, every client appends "close <url>" here when it goes away (point it at
  // FakeDocker::calls to see the order of closes and container stops).
  std::vector<std::string>* close_log = nullptr;

  ReadyResult wait_ready(const ReadyOptions& options,
                         std::chrono::steady_clock::time_point t0) override;
  // After the warm-up, the i-th measured request takes i µs (1..requests, then again from 1); cold
  // clients report a new connection for every request.
  std::unique_ptr<SequentialClient> open_client(const LatencyOptions& options) override;
  LoadResult load(const LoadOptions& options) override;
  std::vector<LoadOptions> loads;  // every load phase asked for
};

}  // namespace imgbench::testing
