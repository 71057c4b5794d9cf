#include "inputs.hpp"

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "docker.hpp"
#include "error.hpp"
#include "results.hpp"
#include "variant.hpp"

namespace imgbench::fuzz {

void variant_input(std::string_view text, const std::filesystem::path& variant_dir,
                   const std::filesystem::path& repo_root) {
  try {
    static_cast<void>(parse_variant(text, variant_dir, repo_root));
  } catch (const Error&) {
    // parse_variant's documented answer to a bad file.
  }
}

void results_input(std::string_view text) {
  Results results;
  try {
    results = results_from_json(nlohmann::json::parse(text), "fuzz");
  } catch (const Error&) {
    return;
  } catch (const nlohmann::json::exception&) {
    return;
  }
  // What `imgbench report` relies on: a file that loads is written back and loads as the same run.
  // Nothing may throw here: the parser refuses non-finite numbers (out_of_range 406), the only
  // values to_json refuses, and its strings are UTF-8, the only ones dump() accepts.
  const std::string written = to_json(results).dump(2);
  if (results_from_json(nlohmann::json::parse(written), "fuzz round trip") != results) {
    throw PropertyViolated("results: a loaded file does not read back the same after to_json");
  }
}

void docker_input(std::string_view data) {
  if (data.empty()) {
    return;
  }
  const auto first = static_cast<unsigned char>(data.front());
  std::size_t parser = kDockerParsers.find(static_cast<char>(first));
  if (parser == std::string_view::npos) {
    parser = first % kDockerParsers.size();
  }
  const std::string_view input = data.substr(1);
  try {
    switch (kDockerParsers[parser]) {
      case 'i':
        static_cast<void>(parse_image_inspect(input));
        break;
      case 'h':
        static_cast<void>(parse_history(input));
        break;
      case 'c':
        static_cast<void>(parse_container_inspect(input, 8080));
        break;
      case 'C':
        static_cast<void>(parse_container_inspect(input, 0));
        break;
      case 's':
        static_cast<void>(parse_stats(input));
        break;
      case 'v':
        static_cast<void>(parse_version(input));
        break;
      case 'n':
        static_cast<void>(parse_info(input));
        break;
      case 'z':
        if (parse_size_text(input) < 0) {
          throw PropertyViolated("parse_size_text: a negative byte count");
        }
        break;
      case 'b':
        static_cast<void>(parse_build_step_images(input));
        break;
      case 'e':
        static_cast<void>(is_not_found_message(input));
        break;
      case 'l': {
        const std::size_t nul = input.find('\0');
        const std::string_view out = input.substr(0, nul);
        const std::string_view err =
            nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
        static_cast<void>(merge_timestamped_logs(out, err));
        break;
      }
      default:
        break;
    }
  } catch (const Error&) {
    // Every parser's documented answer to output it does not understand.
  }
}

}  // namespace imgbench::fuzz
