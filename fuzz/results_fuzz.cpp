// libFuzzer target: results.json text through nlohmann::json::parse and results_from_json, and
// back through to_json for every file that loads.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "inputs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  imgbench::fuzz::results_input(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
