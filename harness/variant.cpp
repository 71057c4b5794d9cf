#include "variant.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include "error.hpp"

namespace imgbench {
namespace {

namespace fs = std::filesystem;
// ordered_json keeps the file's field order, so problems come in the order a reader meets them.
using json = nlohmann::ordered_json;

constexpr std::size_t kMaxNameLength = 64;
constexpr std::size_t kMaxSuggestionDistance = 2;
constexpr std::size_t kMaxShownValueLength = 60;

// In DESIGN.md's order, which is also the order the "known fields" list shows them.
constexpr std::array<std::string_view, 11> kTopLevelFields = {
    "description",     "context",           "port", "health_path", "expect_status",   "build_args",
    "requires_images", "requires_registry", "tags", "budget",      "ready_timeout_ms"};
constexpr std::array<std::string_view, 6> kBudgetFields = {"max_size_bytes", "max_compressed_bytes",
                                                           "max_layers",     "max_shadowed_bytes",
                                                           "min_efficiency", "non_root"};

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Printable ASCII without the space: what may appear in a URL path or an argv word we pass on.
bool is_visible_ascii(char c) { return c > ' ' && c < '\x7f'; }

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

// The "found ..." half of a message: JSON type and value, shortened so a pasted blob stays legible.
std::string describe(const json& value) {
  std::string shown = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (shown.size() > kMaxShownValueLength) {
    shown = shown.substr(0, kMaxShownValueLength) + "...";
  }
  if (value.is_null()) {
    return "null";
  }
  if (value.is_number_float()) {
    return "the number " + shown;
  }
  if (value.is_number()) {
    return shown;
  }
  return std::string(value.type_name()) + " " + shown;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "; did you mean 'port'? known fields: description, context, ...": the closest known name within
// two edits (a typo or a transposition), then the whole list.
std::string suggest_and_list(std::string_view name, std::span<const std::string_view> known,
                             std::string_view kind) {
  std::string message;
  std::size_t best = kMaxSuggestionDistance + 1;
  std::string_view suggestion;
  for (const auto candidate : known) {
    const std::size_t distance = edit_distance(name, candidate);
    if (distance < best) {
      best = distance;
      suggestion = candidate;
    }
  }
  if (!suggestion.empty()) {
    message += "; did you mean " + in_quotes(suggestion) + "?";
  }
  message += " known " + std::string(kind) + ": ";
  for (std::size_t i = 0; i < known.size(); ++i) {
    message += (i == 0 ? "" : ", ") + std::string(known[i]);
  }
  if (known.empty()) {
    message += "none";
  }
  return message;
}

std::string unknown_field_message(std::string_view field, const std::string& shown_name,
                                  std::span<const std::string_view> known) {
  return "field " + in_quotes(shown_name) + " is not known" +
         suggest_and_list(field, known, "fields");
}

// Collects every problem in one file so a user fixes them all in one edit, then throws once.
class Problems {
 public:
  explicit Problems(std::string file) : file_(std::move(file)) {}

  void add(const std::string& text) { lines_.push_back(file_ + ": " + text); }
  void expected(const std::string& field, const std::string& what, const json& found) {
    add(field + ": expected " + what + ", found " + describe(found));
  }
  void throw_if_any() const {
    if (lines_.empty()) {
      return;
    }
    std::string message;
    for (const auto& line : lines_) {
      message += (message.empty() ? "" : "\n") + line;
    }
    throw Error(message);
  }

 private:
  std::string file_;
  std::vector<std::string> lines_;
};

// nlohmann keeps the last of two equal keys without a word; a repeated key is as silent a mistake
// as a typo, so the parser callback records every key per object and reports repeats.
class DuplicateKeyFinder {
 public:
  bool on_event(json::parse_event_t event, const json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        frames_.push_back(Frame{event == json::parse_event_t::object_start, child_path(), {}, {}});
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!frames_.empty()) {
          frames_.pop_back();
        }
        break;
      case json::parse_event_t::key:
        if (!frames_.empty() && parsed.is_string()) {
          Frame& frame = frames_.back();
          frame.last_key = parsed.get<std::string>();
          if (!frame.keys.insert(frame.last_key).second) {
            repeated_.insert(join(frame.path, frame.last_key));
          }
        }
        break;
      case json::parse_event_t::value:
        break;
    }
    return true;
  }
  [[nodiscard]] const std::set<std::string>& repeated() const { return repeated_; }

 private:
  struct Frame {
    bool is_object;
    std::string path;
    std::set<std::string> keys;
    std::string last_key;
  };

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  [[nodiscard]] std::string child_path() const {
    if (frames_.empty()) {
      return {};
    }
    const Frame& parent = frames_.back();
    return parent.is_object ? join(parent.path, parent.last_key) : parent.path + "[]";
  }

  std::vector<Frame> frames_;
  std::set<std::string> repeated_;
};

json parse_json(std::string_view text, const std::string& file) {
  DuplicateKeyFinder duplicates;
  json document;
  try {
    document =
        json::parse(text, [&duplicates](int /*depth*/, json::parse_event_t event, json& parsed) {
          return duplicates.on_event(event, parsed);
        });
  } catch (const json::parse_error& e) {
    // what() reads "[json.exception.parse_error.101] parse error at line 3, column 8: syntax ...";
    // keep the position and the reason, drop the library's prefix.
    std::string detail = e.what();
    const auto at = detail.find(" at line ");
    if (at != std::string::npos) {
      detail = detail.substr(at + 4);
    } else {
      detail = "byte " + std::to_string(e.byte) + ": " + detail;
    }
    throw Error(file + ": invalid JSON at " + detail);
  } catch (const json::out_of_range& e) {
    // A number no double can hold ("port": 9e999) is thrown as out_of_range 406, without a
    // position; it must still name the file, as every other problem with it does.
    std::string detail = e.what();
    const auto end_of_id = detail.find("] ");
    if (end_of_id != std::string::npos) {
      detail.erase(0, end_of_id + 2);
    }
    throw Error(file + ": invalid JSON: " + detail);
  }
  Problems problems(file);
  for (const auto& field : duplicates.repeated()) {
    problems.add(field + ": expected the field once, found it more than once");
  }
  problems.throw_if_any();
  return document;
}

// Reads an integer field and checks its range; floats, strings and booleans are type errors.
std::optional<std::int64_t> read_integer(const json& value, const std::string& field,
                                         std::int64_t low, std::int64_t high, Problems& problems) {
  std::string what = "an integer from " + std::to_string(low) + " to " + std::to_string(high);
  if (high == std::numeric_limits<std::int64_t>::max()) {
    what = "an integer >= " + std::to_string(low);
  }
  if (!value.is_number_integer()) {
    problems.expected(field, what, value);
    return std::nullopt;
  }
  constexpr auto kInt64Max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > kInt64Max) {
    problems.expected(field, what, value);
    return std::nullopt;
  }
  const auto number = value.get<std::int64_t>();
  if (number < low || number > high) {
    problems.expected(field, what, value);
    return std::nullopt;
  }
  return number;
}

std::optional<std::string> read_string(const json& value, const std::string& field,
                                       Problems& problems) {
  if (!value.is_string()) {
    problems.expected(field, "a string", value);
    return std::nullopt;
  }
  return value.get<std::string>();
}

// A word handed to the docker CLI as its own argv element: never empty, no whitespace or control
// characters, and no leading '-' so it can never be read as an option.
bool is_safe_argument(std::string_view word) {
  return !word.empty() && word.front() != '-' &&
         std::all_of(word.begin(), word.end(), is_visible_ascii);
}

std::vector<std::string> read_string_list(const json& value, const std::string& field,
                                          bool argument, Problems& problems) {
  std::vector<std::string> out;
  const std::string what = argument ? "an array of image names (no spaces, not starting with '-')"
                                    : "an array of non-empty strings";
  if (!value.is_array()) {
    problems.expected(field, what, value);
    return out;
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    const json& item = value[i];
    const std::string item_field = field + "[" + std::to_string(i) + "]";
    if (!item.is_string()) {
      problems.expected(item_field, argument ? "an image name" : "a string", item);
      continue;
    }
    const auto text = item.get<std::string>();
    if (argument ? !is_safe_argument(text) : text.empty()) {
      problems.expected(
          item_field,
          argument ? "an image name without spaces, not starting with '-'" : "a non-empty string",
          item);
      continue;
    }
    out.push_back(text);
  }
  return out;
}

std::map<std::string, std::string> read_build_args(const json& value, Problems& problems) {
  std::map<std::string, std::string> out;
  if (!value.is_object()) {
    problems.expected("build_args", "an object of string to string", value);
    return out;
  }
  for (const auto& [key, item] : value.items()) {
    const std::string field = "build_args." + key;
    // Passed as one "--build-arg KEY=VALUE" word, so '=' in the key would shift the split.
    const bool key_ok = !key.empty() && key.find('=') == std::string::npos &&
                        std::all_of(key.begin(), key.end(), is_visible_ascii);
    if (!key_ok) {
      problems.add(field +
                   ": expected a build argument name without '=', spaces or control "
                   "characters, found " +
                   in_quotes(key));
      continue;
    }
    if (!item.is_string()) {
      problems.expected(field, "a string", item);
      continue;
    }
    out.emplace(key, item.get<std::string>());
  }
  return out;
}

Budget read_budget(const json& value, Problems& problems) {
  Budget budget;
  if (!value.is_object()) {
    problems.expected("budget",
                      "an object of limits (max_size_bytes, max_compressed_bytes, max_layers, "
                      "max_shadowed_bytes, min_efficiency, non_root)",
                      value);
    return budget;
  }
  constexpr auto kNoUpper = std::numeric_limits<std::int64_t>::max();
  for (const auto& [key, item] : value.items()) {
    const std::string field = "budget." + key;
    if (key == "max_size_bytes") {
      budget.max_size_bytes = read_integer(item, field, 0, kNoUpper, problems);
    } else if (key == "max_compressed_bytes") {
      budget.max_compressed_bytes = read_integer(item, field, 0, kNoUpper, problems);
    } else if (key == "max_layers") {
      budget.max_layers = read_integer(item, field, 1, kNoUpper, problems);
    } else if (key == "max_shadowed_bytes") {
      budget.max_shadowed_bytes = read_integer(item, field, 0, kNoUpper, problems);
    } else if (key == "min_efficiency") {
      // dive's lowestEfficiency, on the corrected efficiency: final bytes / all layer bytes.
      if (item.is_number() && item.get<double>() >= 0.0 && item.get<double>() <= 1.0) {
        budget.min_efficiency = item.get<double>();
      } else {
        problems.expected(field, "a number from 0 to 1 (e.g. 0.95)", item);
      }
    } else if (key == "non_root") {
      if (item.is_boolean()) {
        budget.non_root = item.get<bool>();
      } else {
        problems.expected(field, "true or false", item);
      }
    } else {
      problems.add(unknown_field_message(key, field, kBudgetFields));
    }
  }
  return budget;
}

bool is_inside(const fs::path& inner, const fs::path& outer) {
  const auto mismatch = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return mismatch.first == outer.end();
}

// The variant folder's own name, even when the caller spelled it "variants/x/" or "variants/x/.".
std::string folder_name(const fs::path& variant_dir) {
  fs::path normal = fs::absolute(variant_dir).lexically_normal();
  if (normal.filename().empty()) {
    normal = normal.parent_path();
  }
  return normal.filename().string();
}

fs::path resolve_context(const std::string& context, const fs::path& dir, const fs::path& root,
                         Problems& problems) {
  if (context.empty() || fs::path(context).is_absolute()) {
    problems.expected("context", "a path relative to the variant folder", json(context));
    return dir;
  }
  std::error_code ec;
  const fs::path resolved = fs::weakly_canonical(dir / context, ec);
  if (ec) {
    problems.add("context: cannot resolve " + in_quotes(context) + ": " + ec.message());
    return dir;
  }
  const std::string found = in_quotes(context) + " (resolves to " + resolved.string() + ")";
  if (!is_inside(resolved, root)) {
    problems.add("context: expected a folder inside the repository " + root.string() + ", found " +
                 found);
    return resolved;
  }
  if (!fs::is_directory(resolved, ec)) {
    problems.add("context: expected an existing folder, found " + found);
  }
  return resolved;
}

std::string read_text_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw Error(file.string() + ": cannot open for reading");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw Error(file.string() + ": read failed");
  }
  return text.str();
}

}  // namespace

bool is_valid_variant_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) {
    return false;
  }
  // [a-z0-9][a-z0-9._-]*, narrowed to what Docker accepts as an image-name component, because the
  // name becomes imgbench/<name>: letters or digits at both ends, and between them one '.', one or
  // two '_', or any run of '-'. "x-" or "a..b" would pass the wide pattern and then fail in docker.
  if (!is_lower_alnum(name.front()) || !is_lower_alnum(name.back())) {
    return false;
  }
  std::size_t i = 0;
  while (i < name.size()) {
    if (is_lower_alnum(name[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < name.size() && !is_lower_alnum(name[i])) {
      ++i;
    }
    const std::string_view separator = name.substr(start, i - start);
    const bool dashes = separator.find_first_not_of('-') == std::string_view::npos;
    if (!(separator == "." || separator == "_" || separator == "__" || dashes)) {
      return false;
    }
  }
  return true;
}

Variant parse_variant(std::string_view json_text, const fs::path& variant_dir,
                      const fs::path& repo_root) {
  const std::string file = (variant_dir / "variant.json").string();
  const std::string name = folder_name(variant_dir);
  if (!is_valid_variant_name(name)) {
    throw Error(variant_dir.string() + ": variant folder name " + in_quotes(name) +
                " is not usable: expected lowercase letters and digits, separated by '.', '_' or "
                "'-' ([a-z0-9][a-z0-9._-]*, at most 64 characters, ending in a letter or digit)");
  }

  const json document = parse_json(json_text, file);
  Problems problems(file);
  if (!document.is_object()) {
    problems.add("expected a JSON object at the top level, found " + describe(document));
    problems.throw_if_any();
  }

  Variant variant;
  variant.name = name;
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(fs::absolute(repo_root), ec);
  if (ec) {
    throw Error(repo_root.string() + ": cannot resolve the repository folder: " + ec.message());
  }
  variant.dir = fs::weakly_canonical(fs::absolute(variant_dir), ec);
  if (ec) {
    throw Error(variant_dir.string() + ": cannot resolve the variant folder: " + ec.message());
  }
  variant.dockerfile = variant.dir / "Dockerfile";

  std::string context = ".";
  bool has_description = false;
  for (const auto& [key, value] : document.items()) {
    if (key == "description") {
      has_description = true;
      const auto text = read_string(value, key, problems);
      if (text && text->find_first_not_of(" \t\r\n") == std::string::npos) {
        problems.expected(key, "a non-empty string", value);
      } else if (text) {
        variant.description = *text;
      }
    } else if (key == "context") {
      if (auto text = read_string(value, key, problems)) {
        context = *text;
      }
    } else if (key == "port") {
      if (auto number = read_integer(value, key, 1, 65535, problems)) {
        variant.port = static_cast<int>(*number);
      }
    } else if (key == "health_path") {
      if (auto text = read_string(value, key, problems)) {
        // It goes verbatim into the probe's URL; a space or a control character would be a
        // malformed request line rather than a measurement.
        const bool ok = !text->empty() && text->front() == '/' &&
                        std::all_of(text->begin(), text->end(), is_visible_ascii);
        if (ok) {
          variant.health_path = *text;
        } else {
          problems.expected(key, "a path starting with '/' without spaces or control characters",
                            value);
        }
      }
    } else if (key == "expect_status") {
      if (auto number = read_integer(value, key, 100, 599, problems)) {
        variant.expect_status = static_cast<long>(*number);
      }
    } else if (key == "build_args") {
      variant.build_args = read_build_args(value, problems);
    } else if (key == "requires_images") {
      variant.requires_images = read_string_list(value, key, true, problems);
    } else if (key == "requires_registry") {
      if (value.is_boolean()) {
        variant.requires_registry = value.get<bool>();
      } else {
        problems.expected(key, "true or false", value);
      }
    } else if (key == "tags") {
      variant.tags = read_string_list(value, key, false, problems);
    } else if (key == "budget") {
      variant.budget = read_budget(value, problems);
    } else if (key == "ready_timeout_ms") {
      if (auto number = read_integer(value, key, 100, 600000, problems)) {
        variant.ready_timeout = std::chrono::milliseconds(*number);
      }
    } else {
      problems.add(unknown_field_message(key, key, kTopLevelFields));
    }
  }
  if (!has_description) {
    problems.add("description: expected a non-empty string, found nothing (the field is required)");
  }

  variant.context = resolve_context(context, variant.dir, root, problems);
  if (!fs::is_regular_file(variant.dockerfile, ec)) {
    problems.add("Dockerfile: expected the file " + (variant_dir / "Dockerfile").string() +
                 ", found " + (fs::exists(variant.dockerfile, ec) ? "something else" : "nothing"));
  }
  problems.throw_if_any();
  return variant;
}

std::vector<Variant> discover_variants(const fs::path& variants_dir, const fs::path& repo_root) {
  std::error_code ec;
  if (!fs::is_directory(variants_dir, ec)) {
    throw Error(variants_dir.string() + ": expected the folder of variants, found " +
                (fs::exists(variants_dir, ec) ? "something that is not a folder" : "nothing"));
  }
  std::vector<fs::path> folders;
  try {
    for (const auto& entry : fs::directory_iterator(variants_dir)) {
      if (entry.is_directory() && fs::exists(entry.path() / "variant.json")) {
        folders.push_back(variants_dir / entry.path().filename());
      }
    }
  } catch (const fs::filesystem_error& e) {
    throw Error(variants_dir.string() + ": cannot list the folder: " + e.code().message());
  }
  std::sort(folders.begin(), folders.end(), [](const fs::path& a, const fs::path& b) {
    return a.filename().string() < b.filename().string();
  });

  // Every variant is checked before failing, so one run of `imgbench list` shows every problem.
  std::vector<Variant> variants;
  std::string errors;
  for (const auto& folder : folders) {
    try {
      const fs::path file = folder / "variant.json";
      if (!fs::is_regular_file(file, ec)) {
        throw Error(file.string() + ": expected a file, found something else");
      }
      variants.push_back(parse_variant(read_text_file(file), folder, repo_root));
    } catch (const Error& e) {
      errors += (errors.empty() ? "" : "\n") + std::string(e.what());
    }
  }
  if (!errors.empty()) {
    throw Error(errors);
  }
  return variants;
}

std::vector<Variant> select_variants(const std::vector<Variant>& all,
                                     const std::vector<std::string>& names) {
  for (const auto& wanted : names) {
    const bool known = std::any_of(all.begin(), all.end(),
                                   [&wanted](const Variant& v) { return v.name == wanted; });
    if (!known) {
      std::vector<std::string_view> known_names;
      for (const auto& v : all) {
        known_names.emplace_back(v.name);
      }
      throw Error("variant " + in_quotes(wanted) + " is not known" +
                  suggest_and_list(wanted, known_names, "variants"));
    }
  }
  std::vector<Variant> selected;
  std::copy_if(all.begin(), all.end(), std::back_inserter(selected), [&names](const Variant& v) {
    return std::find(names.begin(), names.end(), v.name) != names.end();
  });
  return selected;
}

}  // namespace imgbench
