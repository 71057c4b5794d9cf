// init: a starter variant.json for a folder that already has a Dockerfile — the port from EXPOSE,
// the base images from FROM — checked with the project's own variant.json parser before it is
// written.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgbench {

struct DockerfileFacts {
  std::optional<int> port;               // the final stage's first EXPOSE port, if it names one
  std::vector<std::string> base_images;  // FROM images, neither scratch nor an earlier stage's name
  std::vector<std::string> unresolved;   // FROM images with a build argument ("${BASE}"), left out
};

// Reads FROM and EXPOSE from a Dockerfile's text: instructions in any case, `\` continuations,
// comment lines, FROM flags (--platform=…) and `AS name`. Never throws.
[[nodiscard]] DockerfileFacts scan_dockerfile(std::string_view text);

// The starter file's text (2-space JSON, newline-terminated): description, context, port
// (8080 when the Dockerfile names none), health_path /healthz, expect_status 200,
// requires_images, requires_registry (true when a base is not one of imgbench/*), tags [].
[[nodiscard]] std::string starter_variant_json(const std::string& name,
                                               const DockerfileFacts& facts,
                                               const std::string& context);

struct InitResult {
  std::string name;            // the folder's name: the variant's name
  std::filesystem::path file;  // DIR/variant.json
  std::string text;            // what was written
  DockerfileFacts facts;
  std::string context;
  bool in_repository = false;  // DIR is variants/<name> of an imgbench repository
};

// Writes DIR/variant.json. `context` is "../.." when DIR is variants/<name> of an imgbench
// repository (a folder with variants/ and harness/), else ".". Error (exit 2) when DIR/Dockerfile
// is missing, when DIR/variant.json exists and `force` is false, or when the parser refuses the
// text (a folder name that is not a variant name).
[[nodiscard]] InitResult init_variant(const std::filesystem::path& dir, bool force);

}  // namespace imgbench
