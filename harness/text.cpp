#include "text.hpp"

#include <charconv>
#include <cmath>
#include <iterator>
#include <system_error>

namespace imgbench {

std::string fixed(double value, int decimals) {
  if (std::fabs(value) < 0.5 * std::pow(10.0, -decimals)) {
    value = 0.0;
  }
  char buffer[64];
  const auto result =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
  if (result.ec != std::errc()) {
    return "?";
  }
  return std::string(buffer, result.ptr);
}

std::string human_bytes(std::int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  if (bytes < 1000 && bytes > -1000) {
    return std::to_string(bytes) + " B";
  }
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  // Move up while the rounded figure would read 1000.0 or more (999 950 B is "1.0 MB").
  while (unit + 1 < std::size(kUnits) && std::fabs(value) >= 999.95) {
    value /= 1000.0;
    ++unit;
  }
  return fixed(value, 1) + " " + kUnits[unit];
}

}  // namespace imgbench
