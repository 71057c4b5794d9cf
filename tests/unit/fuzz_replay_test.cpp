// Every input the fuzzers once crashed on (tests/fixtures/fuzz/<target>/) goes through the same
// code as the fuzz target again, so a fixed crash stays fixed in the ordinary gcc build too. An
// escaping exception fails the case; under make test-asan a memory error ends it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "inputs.hpp"

namespace imgbench {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The kept inputs of one target, sorted so a failure names the same file each time.
std::vector<fs::path> kept_inputs(const std::string& target) {
  const fs::path dir = fs::path(IMGBENCH_FIXTURES) / "fuzz" / target;
  std::vector<fs::path> files;
  if (fs::is_directory(dir)) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.is_regular_file()) {
        files.push_back(entry.path());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

void replay(const std::string& target, const std::function<void(std::string_view)>& input) {
  const std::vector<fs::path> files = kept_inputs(target);
  if (files.empty()) {
    GTEST_SKIP() << "no kept inputs in tests/fixtures/fuzz/" << target;
  }
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    const std::string data = read_file(file);
    EXPECT_NO_THROW(input(data));
  }
}

TEST(FuzzReplay, KeptVariantInputsParseOrFailWithError) {
  const fs::path repo = fs::path(IMGBENCH_FIXTURES) / "variants" / "repo";
  replay("variant_fuzz", [&repo](std::string_view data) {
    fuzz::variant_input(data, repo / "variants" / "static", repo);
  });
}

TEST(FuzzReplay, KeptResultsInputsLoadAndRoundTripOrFailWithError) {
  replay("results_fuzz", [](std::string_view data) { fuzz::results_input(data); });
}

TEST(FuzzReplay, KeptDockerInputsParseOrFailWithError) {
  replay("docker_fuzz", [](std::string_view data) { fuzz::docker_input(data); });
}

}  // namespace
}  // namespace imgbench
