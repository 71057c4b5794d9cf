// The one project error type: environment and input failures, with context built at the throw site.
// Measurement outcomes are never exceptions; they are fields in the results.
#pragma once

#include <stdexcept>
#include <string>

namespace imgbench {

// Exit codes shared by every verb (DESIGN.md): 0 fine, 1 regression/budget, 2 harness could not do
// its job (bad input, no engine), 3 a measurement failed (a variant could not be built, started or
// measured), 130 interrupted.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRegression = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitMeasurementFailed = 3;
inline constexpr int kExitInterrupted = 130;

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int exit_code = kExitUsage)
      : std::runtime_error(message), exit_code_(exit_code) {}
  [[nodiscard]] int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

}  // namespace imgbench
