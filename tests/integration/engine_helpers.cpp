#include "engine_helpers.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <random>
#include <sstream>
#include <string_view>
#include <thread>

extern char** environ;

namespace imgbench::itest {

ProcessResult docker(std::vector<std::string> args, std::chrono::seconds timeout) {
  args.insert(args.begin(), "docker");
  ProcessOptions options;
  options.argv = std::move(args);
  options.timeout = timeout;
  return run_process(options);
}

bool engine_available() { return docker({"version"}).ok(); }

bool base_image_available() { return docker({"image", "inspect", kBaseImage}).ok(); }

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
    s.pop_back();
  }
  return s;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) {
      lines.push_back(line);
    }
  }
  return lines;
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

json read_json(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

TempRepo::TempRepo() {
  std::random_device rd;
  root_ = fs::temp_directory_path() / ("imgbench-engine-" + std::to_string(rd()));
  fs::create_directories(root_ / "harness");
  fs::create_directories(root_ / "variants");
  fs::create_directories(root_ / "results");
}

TempRepo::~TempRepo() {
  std::error_code ec;
  // A test may have put a plain file where a folder was expected, or made one read-only.
  fs::permissions(root_ / "results", fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(root_, ec);
}

void TempRepo::add_variant(const std::string& name, const std::string& dockerfile,
                           const std::string& variant_json, const std::vector<fs::path>& files) {
  const fs::path dir = root_ / "variants" / name;
  fs::create_directories(dir);
  for (const auto& file : files) {
    fs::copy_file(file, dir / file.filename(), fs::copy_options::overwrite_existing);
  }
  write_file(dir / "Dockerfile", dockerfile);
  write_file(dir / "variant.json", variant_json);
}

void TempRepo::set_variant_json(const std::string& name, const std::string& text) {
  write_file(root_ / "variants" / name / "variant.json", text);
}

void TempRepo::add_previous_run() {
  write_file(results() / "runs" / "old" / "results.json", kPreviousResults);
  fs::create_directory_symlink("runs/old", results() / "latest");
}

::testing::AssertionResult TempRepo::previous_run_intact() const {
  std::error_code ec;
  const fs::path latest = results() / "latest";
  if (!fs::is_symlink(latest, ec)) {
    return ::testing::AssertionFailure() << latest << " is no longer a symlink";
  }
  if (fs::read_symlink(latest, ec) != fs::path("runs/old")) {
    return ::testing::AssertionFailure()
           << latest << " now points at " << fs::read_symlink(latest, ec);
  }
  const std::string text = read_file(results() / "runs" / "old" / "results.json");
  if (text != kPreviousResults) {
    return ::testing::AssertionFailure() << "the previous results.json changed: " << text;
  }
  return ::testing::AssertionSuccess();
}

std::vector<std::string> containers_of_run(const std::string& run_id) {
  return lines_of(
      docker({"ps", "-a", "--filter", "label=imgbench.run=" + run_id, "--format", "{{.Names}}"})
          .out);
}

std::vector<std::string> images_of_run(const std::string& run_id) {
  return lines_of(docker({"images", "-a", "--filter", "label=imgbench.run=" + run_id, "--format",
                          "{{.ID}} {{.Repository}}:{{.Tag}}"})
                      .out);
}

void remove_run_leftovers(const std::string& run_id) {
  if (run_id.empty()) {
    return;
  }
  for (const auto& name : containers_of_run(run_id)) {
    (void)docker({"rm", "-f", name});
  }
  for (const auto& line : images_of_run(run_id)) {
    (void)docker({"rmi", "-f", line.substr(0, line.find(' '))});
  }
}

ProcessResult imgbench(const std::vector<std::string>& args, std::chrono::seconds timeout,
                       const std::vector<std::string>& env) {
  ProcessOptions options;
  options.argv = {IMGBENCH_BINARY};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.timeout = timeout;
  options.env = env;
  return run_process(options);
}

std::string run_id_from(const std::string& stderr_text) {
  const std::string marker = "imgbench: run ";
  const auto at = stderr_text.find(marker);
  if (at == std::string::npos) {
    return {};
  }
  const auto begin = at + marker.size();
  const auto end = stderr_text.find_first_of(", \n", begin);
  return stderr_text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

BackgroundImgbench::BackgroundImgbench(const std::vector<std::string>& args,
                                       const fs::path& stderr_file,
                                       const std::vector<std::string>& env)
    : stderr_file_(stderr_file) {
  std::vector<std::string> argv_text{IMGBENCH_BINARY};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  // This process's environment, then `env`'s entries.
  std::vector<std::string> env_text;
  const auto overridden = [&env](std::string_view entry) {
    const auto name = entry.substr(0, entry.find('=') + 1);
    return std::any_of(env.begin(), env.end(),
                       [&name](const std::string& e) { return e.starts_with(name); });
  };
  for (char** e = environ; *e != nullptr; ++e) {
    if (!overridden(*e)) {
      env_text.emplace_back(*e);
    }
  }
  env_text.insert(env_text.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& e : env_text) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_file_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  if (posix_spawn(&pid, IMGBENCH_BINARY, &actions, nullptr, argv.data(), envp.data()) == 0) {
    pid_ = pid;
  }
  posix_spawn_file_actions_destroy(&actions);
}

BackgroundImgbench::~BackgroundImgbench() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    (void)wait(std::chrono::seconds(10));
  }
}

bool BackgroundImgbench::wait_for_stderr(const std::string& text, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (stderr_text().find(text) != std::string::npos) {
      return true;
    }
    int status = 0;
    if (pid_ <= 0) {
      return false;
    }
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      // Ended (and now reaped): keep its code for wait(), one last look at what it wrote.
      pid_ = -1;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return stderr_text().find(text) != std::string::npos;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::string BackgroundImgbench::stderr_text() const { return read_file(stderr_file_); }

void BackgroundImgbench::signal(int signal_number) const {
  if (pid_ > 0) {
    ::kill(pid_, signal_number);
  }
}

std::optional<int> BackgroundImgbench::wait(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pid_ > 0) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (done < 0 && errno != EINTR) {
      pid_ = -1;
      return std::nullopt;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return exit_code_;
}

void add_fault_variant(TempRepo& repo, const fs::path& fault_server, const std::string& name,
                       const std::vector<std::string>& args, int ready_timeout_ms) {
  json entrypoint = json::array({"/fault_server"});
  for (const auto& arg : args) {
    entrypoint.push_back(arg);
  }
  const json manifest = {{"description", "fault_server " + entrypoint.dump()},
                         {"ready_timeout_ms", ready_timeout_ms}};
  repo.add_variant(
      name, "FROM scratch\nCOPY fault_server /fault_server\nENTRYPOINT " + entrypoint.dump() + "\n",
      manifest.dump(), {fault_server});
}

std::vector<std::string> with_option(std::vector<std::string> args, const std::string& option,
                                     const std::string& value) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == option) {
      args[i + 1] = value;
      return args;
    }
  }
  args.push_back(option);
  args.push_back(value);
  return args;
}

std::vector<std::string> small_run_args(const TempRepo& repo) {
  return {"--repo", repo.root().string(), "run", "--requests", "200", "--warmup",
          "20",     "--repetitions",      "1",   "--duration", "0.5", "--cold-requests",
          "10",     "--stop-timeout",     "2"};
}

}  // namespace imgbench::itest
