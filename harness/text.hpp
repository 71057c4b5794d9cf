// Small text helpers that several modules need: trimming and joining.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace imgbench {

// `text` without leading and trailing spaces, tabs, CRs and LFs.
[[nodiscard]] inline std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

// The items with `separator` between them.
[[nodiscard]] inline std::string join(const std::vector<std::string>& items,
                                      std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) {
      out += separator;
    }
    out += item;
  }
  return out;
}

}  // namespace imgbench
