// Golden-file comparison for the renderer tests: exact, byte for byte, or rewritten on request.
//
// After an intended change to a renderer, regenerate the files with
//   IMGBENCH_UPDATE_GOLDEN=1 ./<test>
// and review the diff before committing: the test then writes the files instead of failing.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace imgbench::test {

inline const std::filesystem::path kGolden = std::filesystem::path(IMGBENCH_FIXTURES) / "golden";

inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Compares `actual` with tests/fixtures/golden/<name>, or rewrites it when asked to.
inline void expect_golden(const std::string& actual, const std::string& name) {
  const std::filesystem::path file = kGolden / name;
  const char* update = std::getenv("IMGBENCH_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << actual;
    std::cout << "rewrote " << file << "\n";
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(file))
      << file << " is missing; run with IMGBENCH_UPDATE_GOLDEN=1";
  EXPECT_EQ(actual, read_text(file)) << "rendering differs from " << file;
}

}  // namespace imgbench::test
