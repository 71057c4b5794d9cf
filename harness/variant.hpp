// Finds `variants/*/variant.json`, parses and validates each one; every error names the file and
// the field and says what was expected.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "budget.hpp"

namespace imgbench {

struct Variant {
  std::string name;                  // the folder name, matches [a-z0-9][a-z0-9._-]*
  std::filesystem::path dir;         // absolute folder of the variant
  std::filesystem::path dockerfile;  // absolute, dir/Dockerfile
  std::filesystem::path context;     // absolute build context, inside the repository
  std::string description;
  int port = 8080;
  std::string health_path = "/healthz";
  long expect_status = 200;
  std::map<std::string, std::string> build_args;
  std::vector<std::string> requires_images;
  bool requires_registry = false;
  std::vector<std::string> tags;
  Budget budget;
  std::chrono::milliseconds ready_timeout{std::chrono::seconds(30)};
};

[[nodiscard]] bool is_valid_variant_name(std::string_view name);

// Parses `json_text` as the variant.json of folder `variant_dir`. `repo_root` bounds `context`.
// Throws Error("<file>: <field>: expected …") on any problem.
[[nodiscard]] Variant parse_variant(std::string_view json_text,
                                    const std::filesystem::path& variant_dir,
                                    const std::filesystem::path& repo_root);

// Every `<variants_dir>/*/variant.json`, sorted by name. Folders without variant.json are ignored.
[[nodiscard]] std::vector<Variant> discover_variants(const std::filesystem::path& variants_dir,
                                                     const std::filesystem::path& repo_root);

// Keeps the variants named in `names` (in the order of `all`); throws Error naming an unknown one.
[[nodiscard]] std::vector<Variant> select_variants(const std::vector<Variant>& all,
                                                   const std::vector<std::string>& names);

}  // namespace imgbench
