// One fuzz input through each parser, shared by the libFuzzer targets (fuzz/*_fuzz.cpp) and the
// unit test that replays the kept crashes (tests/unit/fuzz_replay_test.cpp). The errors a parser
// documents are swallowed; anything else escapes, so that libFuzzer and GoogleTest both see it.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string_view>

namespace imgbench::fuzz {

// Thrown when a parser accepted an input but broke a property the inputs check (e.g. a results
// file that does not read back the same after writing it).
class PropertyViolated : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// parse_variant on `text` as the variant.json of `variant_dir` (an existing variant folder with a
// Dockerfile, inside `repo_root`). Only imgbench::Error is expected.
void variant_input(std::string_view text, const std::filesystem::path& variant_dir,
                   const std::filesystem::path& repo_root);

// nlohmann::json::parse, then results_from_json; a file that loads must come back equal through
// to_json and results_from_json. imgbench::Error and nlohmann's exceptions are expected.
void results_input(std::string_view text);

// The first byte chooses a Docker CLI output parser of docker.hpp (see kDockerParsers), the rest
// is its input. Only imgbench::Error is expected.
void docker_input(std::string_view data);

// The selector bytes of docker_input, one a parser, in this order: image inspect, history,
// container inspect for port 8080, container inspect for any port, stats, version, info, size
// text, build step images, "not found" stderr, timestamped logs (stdout, a NUL byte, stderr).
// Any other first byte picks the parser at its value modulo the count.
inline constexpr std::string_view kDockerParsers = "ihcCsvnzbel";

}  // namespace imgbench::fuzz
