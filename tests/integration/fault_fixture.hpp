// The fault tests' fixture: a throw-away repository with fault_server variants, skipped when no
// engine answers, and the check every scenario ends with: nothing of the run is left.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "engine_helpers.hpp"

namespace imgbench::itest {

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!engine_available()) {
      GTEST_SKIP() << "no Docker Engine answers here";
    }
  }
  // Whatever an assertion left behind of our own runs goes, by their label only.
  void TearDown() override {
    for (const auto& id : run_ids_) {
      remove_run_leftovers(id);
    }
  }

  void add_fault(const std::string& name, const std::vector<std::string>& args,
                 int ready_timeout_ms = 3000) {
    add_fault_variant(repo_, FAULT_SERVER_BINARY, name, args, ready_timeout_ms);
  }
  // The second variant of every scenario: it must still be measured whatever the other one does.
  void add_healthy(const std::string& name = "healthy") { add_fault(name, {"ok"}); }

  // Remembers a run for TearDown and checks that none of its containers or images remain.
  void expect_nothing_left(const std::string& run_id) {
    ASSERT_FALSE(run_id.empty()) << "no run id";
    run_ids_.push_back(run_id);
    EXPECT_EQ(containers_of_run(run_id), std::vector<std::string>{}) << "containers left";
    EXPECT_EQ(images_of_run(run_id), std::vector<std::string>{}) << "images left";
  }
  // For a run that leaves things on purpose (SIGKILL) or whose checks come later.
  void clean_up_later(const std::string& run_id) { run_ids_.push_back(run_id); }

  [[nodiscard]] json latest_results() const {
    return read_json(repo_.results() / "latest" / "results.json");
  }

  TempRepo repo_;

 private:
  std::vector<std::string> run_ids_;
};

// The variant called `name` in a results.json (an empty object when it is not there).
inline json variant_named(const json& results, const std::string& name) {
  for (const auto& v : results.at("variants")) {
    if (v.at("name") == name) {
      return v;
    }
  }
  return json::object();
}

// A string field of a variant, "" when it is absent or null (reason is null for an ok variant).
inline std::string text_of(const json& v, const std::string& key) {
  return v.contains(key) && v.at(key).is_string() ? v.at(key).get<std::string>() : std::string();
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A healthy variant was measured: status ok and a latency figure.
inline ::testing::AssertionResult measured(const json& v) {
  if (v.value("status", "") != "ok") {
    return ::testing::AssertionFailure() << "not ok: " << v.dump();
  }
  if (!v.contains("metrics") || !v.at("metrics").contains("latency_p50_us")) {
    return ::testing::AssertionFailure() << "no latency_p50_us: " << v.dump();
  }
  return ::testing::AssertionSuccess();
}

inline constexpr auto kRunTimeout = std::chrono::seconds(240);

}  // namespace imgbench::itest
