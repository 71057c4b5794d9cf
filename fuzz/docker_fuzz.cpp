// libFuzzer target: every Docker CLI output parser of docker.hpp; the first byte picks the parser
// (imgbench::fuzz::kDockerParsers), the rest is the CLI's output.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "inputs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  imgbench::fuzz::docker_input(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
