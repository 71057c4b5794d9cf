// libFuzzer target: variant.json text through parse_variant, as the `static` variant of the test
// fixture repository (a real folder with a Dockerfile, so a valid file gets through every check).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "inputs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path kRepo = IMGBENCH_FUZZ_VARIANT_REPO;
  static const std::filesystem::path kVariant = kRepo / "variants" / "static";
  imgbench::fuzz::variant_input(std::string_view(reinterpret_cast<const char*>(data), size),
                                kVariant, kRepo);
  return 0;
}
