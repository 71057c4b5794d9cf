#include "run_folder.hpp"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string_view>
#include <system_error>
#include <thread>

#include "charts.hpp"
#include "error.hpp"
#include "html.hpp"
#include "report.hpp"

namespace imgbench {
namespace fs = std::filesystem;

namespace {

std::string render(const Results& results, void (*writer)(std::ostream&, const Results&)) {
  std::ostringstream out;
  writer(out, results);
  return out.str();
}

bool cancelled(const volatile std::sig_atomic_t* cancel) {
  return cancel != nullptr && *cancel != 0;
}

// Removes a folder and what is in it; a failure only leaves a hidden ".partial" folder behind.
void remove_quietly(const fs::path& dir) noexcept {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

// Removes the staging folder however the scope is left, unless it was published.
class Staging {
 public:
  explicit Staging(fs::path dir) : dir_(std::move(dir)) {}
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  ~Staging() {
    if (!published_) {
      remove_quietly(dir_);
    }
  }
  [[nodiscard]] const fs::path& dir() const { return dir_; }
  void published() { published_ = true; }

 private:
  fs::path dir_;
  bool published_ = false;
};

void hold_at_failpoint(const volatile std::sig_atomic_t* cancel) {
  const char* failpoint = std::getenv("IMGBENCH_FAILPOINT");
  if (failpoint == nullptr || std::string_view(failpoint) != "before-publish") {
    return;
  }
  std::cerr << "imgbench: failpoint before-publish: holding before the run folder is published\n";
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!cancelled(cancel) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// rename(2) of a folder onto a folder succeeds only when the target is empty; an earlier --out
// folder with files in it is moved aside first and removed once the new one is in place.
void rename_into_place(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (!ec) {
    return;
  }
  if (ec != std::errc::directory_not_empty && ec != std::errc::file_exists) {
    throw Error("cannot move the run folder into place, " + from.string() + " -> " + to.string() +
                ": " + ec.message());
  }
  const fs::path old = to.parent_path() / ("." + to.filename().string() + ".old");
  remove_quietly(old);
  fs::rename(to, old, ec);
  if (ec) {
    throw Error("cannot replace " + to.string() + ": " + ec.message());
  }
  fs::rename(from, to, ec);
  if (ec) {
    std::error_code back;
    fs::rename(old, to, back);  // the earlier folder returns; the new one is lost
    throw Error("cannot move the run folder into place, " + from.string() + " -> " + to.string() +
                ": " + ec.message());
  }
  remove_quietly(old);
}

}  // namespace

fs::path without_trailing_separator(const fs::path& dir) {
  fs::path normal = fs::absolute(dir).lexically_normal();
  return normal.has_filename() ? normal : normal.parent_path();
}

void write_charts_and_html(const fs::path& dir, const Results& results) {
  std::error_code ec;
  fs::create_directories(dir / "charts", ec);
  if (ec) {
    throw Error("cannot create charts folder " + (dir / "charts").string() + ": " + ec.message());
  }
  for (const auto& chart : chart_files()) {
    write_file_atomic(dir / chart.path, chart.render(results));
  }
  write_file_atomic(dir / "report.html", render(results, write_html));
}

void write_reports(const fs::path& dir, const Results& results, const std::string& benchmark_json) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw Error("cannot create results folder " + dir.string() + ": " + ec.message());
  }
  write_file_atomic(dir / "results.json", to_json(results).dump(2) + "\n");
  write_file_atomic(dir / "results.csv", render(results, write_csv));
  write_file_atomic(dir / "report.md", render(results, write_markdown));
  write_charts_and_html(dir, results);
  if (!benchmark_json.empty()) {
    write_file_atomic(dir / "benchmark.json", benchmark_json);
  }
}

fs::path staging_folder(const fs::path& dir) {
  const fs::path target = without_trailing_separator(dir);
  return target.parent_path() / ("." + target.filename().string() + ".partial");
}

bool publish_run_folder(const fs::path& dir, const Results& results,
                        const std::string& benchmark_json,
                        const volatile std::sig_atomic_t* cancel) {
  std::error_code ec;
  const fs::path target = without_trailing_separator(dir);
  fs::create_directories(target.parent_path(), ec);
  if (ec) {
    throw Error("cannot create results folder " + target.parent_path().string() + ": " +
                ec.message());
  }
  Staging staging(staging_folder(target));
  remove_quietly(staging.dir());  // what a killed run left under the same name
  write_reports(staging.dir(), results, benchmark_json);
  hold_at_failpoint(cancel);
  if (cancelled(cancel)) {
    return false;
  }
  rename_into_place(staging.dir(), target);
  staging.published();
  return true;
}

}  // namespace imgbench
