#include "results.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <utility>

#include "error.hpp"
#include "text.hpp"
#include "unique_fd.hpp"

namespace imgbench {

using nlohmann::json;
namespace fs = std::filesystem;

const char* to_string(VariantStatus status) {
  switch (status) {
    case VariantStatus::Ok:
      return "ok";
    case VariantStatus::Skipped:
      return "skipped";
    case VariantStatus::Failed:
      return "failed";
  }
  return "unknown";
}

json number_to_json(double value) {
  if (!std::isfinite(value)) {
    throw Error("number_to_json: " + std::to_string(value) + " has no JSON form");
  }
  // 2^63 is exact as a double; [-2^63, 2^63) is exactly the int64 range.
  constexpr double kTwoTo63 = 9223372036854775808.0;
  if (value == std::trunc(value) && value >= -kTwoTo63 && value < kTwoTo63) {
    return static_cast<std::int64_t>(value);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Writing

namespace {

// JSON text must be UTF-8 and nlohmann's dump() throws on anything else, which would lose a whole
// run over one log tail cut mid-character. Bad bytes become U+FFFD; valid text is unchanged.
std::string utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t length = utf8_sequence_length(s, i);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s, i, length);
      i += length;
    }
  }
  return out;
}

json checked_number(double value, const std::string& path) {
  if (!std::isfinite(value)) {
    // nlohmann would write null, and the file would then fail to load: refuse at the source.
    throw Error("results: " + path + ": " + std::to_string(value) +
                " cannot be written as JSON, expected a finite number");
  }
  return number_to_json(value);
}

json strings_to_json(const std::vector<std::string>& items) {
  json out = json::array();
  for (const auto& item : items) {
    out.push_back(utf8(item));
  }
  return out;
}

json facts_to_json(const ImageFacts& facts) {
  json largest = json::array();
  for (const auto& file : facts.largest_files) {
    largest.push_back(
        {{"path", utf8(file.path)}, {"size_bytes", file.size_bytes}, {"layer", file.layer}});
  }
  return {{"user", utf8(facts.user)},
          {"exposed_ports", strings_to_json(facts.exposed_ports)},
          {"entrypoint", strings_to_json(facts.entrypoint)},
          {"cmd", strings_to_json(facts.cmd)},
          {"largest_files", std::move(largest)}};
}

// Only the limits that are set: an absent key means "no limit", as in variant.json.
json budget_to_json(const Budget& budget) {
  json out = json::object();
  const auto put = [&](const char* key, const auto& value) {
    if (value) {
      out[key] = *value;
    }
  };
  put("max_size_bytes", budget.max_size_bytes);
  put("max_compressed_bytes", budget.max_compressed_bytes);
  put("max_layers", budget.max_layers);
  put("max_shadowed_bytes", budget.max_shadowed_bytes);
  if (budget.min_efficiency) {
    out["min_efficiency"] = checked_number(*budget.min_efficiency, "budget.min_efficiency");
  }
  put("non_root", budget.non_root);
  return out;
}

json variant_to_json(const VariantResult& v, const std::string& path) {
  json layers = json::array();
  for (const auto& layer : v.image.layers) {
    json row = {{"digest", utf8(layer.digest)},
                {"size_bytes", layer.size_bytes},
                {"created_by", utf8(layer.created_by)}};
    if (layer.compressed_bytes) {
      row["compressed_bytes"] = *layer.compressed_bytes;
    }
    if (layer.shadowed_bytes) {
      row["shadowed_bytes"] = *layer.shadowed_bytes;
    }
    if (layer.base) {
      row["base"] = *layer.base;
    }
    layers.push_back(std::move(row));
  }
  json tags = json::array();
  for (const auto& tag : v.tags) {
    tags.push_back(utf8(tag));
  }
  json metrics = json::object();
  for (const auto& [name, value] : v.metrics) {
    metrics[utf8(name)] = checked_number(value, path + ".metrics." + name);
  }
  json samples = json::object();
  for (const auto& [name, values] : v.samples) {
    json array = json::array();
    for (std::size_t i = 0; i < values.size(); ++i) {
      array.push_back(
          checked_number(values[i], path + ".samples." + name + "[" + std::to_string(i) + "]"));
    }
    samples[utf8(name)] = std::move(array);
  }
  json image = {
      {"id", utf8(v.image.id)}, {"tag", utf8(v.image.tag)}, {"layers", std::move(layers)}};
  if (v.image.facts) {
    image["facts"] = facts_to_json(*v.image.facts);
  }
  return {
      {"name", utf8(v.name)},
      {"description", utf8(v.description)},
      {"tags", std::move(tags)},
      {"status", to_string(v.status)},
      {"reason", v.reason ? json(utf8(*v.reason)) : json(nullptr)},
      {"log_tail", utf8(v.log_tail)},
      {"image", std::move(image)},
      {"metrics", std::move(metrics)},
      {"samples", std::move(samples)},
      {"budget", budget_to_json(v.budget)},
  };
}

}  // namespace

json to_json(const Results& results) {
  const RunInfo& run = results.run;
  json variants = json::array();
  for (std::size_t i = 0; i < results.variants.size(); ++i) {
    variants.push_back(variant_to_json(results.variants[i], "variants[" + std::to_string(i) + "]"));
  }
  return {
      {"schema_version", results.schema_version},
      {"run",
       {
           {"id", utf8(run.id)},
           {"started_utc", utf8(run.started_utc)},
           {"git_revision", utf8(run.git_revision)},
           {"docker_server_version", utf8(run.docker_server_version)},
           {"docker_client_version", utf8(run.docker_client_version)},
           {"builder", utf8(run.builder)},
           {"storage_driver", utf8(run.storage_driver)},
           {"kernel", utf8(run.kernel)},
           {"cpus", run.cpus},
           {"parameters",
            {
                {"requests", run.parameters.requests},
                {"warmup", run.parameters.warmup},
                {"repetitions", run.parameters.repetitions},
                {"via", utf8(run.parameters.via)},
                {"placement", utf8(run.parameters.placement)},
                {"container_cpuset", utf8(run.parameters.container_cpuset)},
                {"harness_cpu", run.parameters.harness_cpu},
                {"stop_timeout_s", run.parameters.stop_timeout_s},
                {"connections", run.parameters.connections},
                {"duration_s", number_to_json(run.parameters.duration_s)},
                {"rate_rps", number_to_json(run.parameters.rate_rps)},
                {"cold_requests", run.parameters.cold_requests},
            }},
       }},
      {"variants", std::move(variants)},
  };
}

// ---------------------------------------------------------------------------------------------
// Reading

namespace {

// What was found instead, for error messages: scalars by value, containers and strings by kind
// (a string could be arbitrarily long).
std::string describe(const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return value.dump();
  }
}

std::string child(const std::string& path, const char* key) {
  return path.empty() ? std::string(key) : path + "." + key;
}

std::string index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// Validating accessors: each names the JSON path of what it reads, so an error says exactly where.
class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  [[noreturn]] void fail(const std::string& path, const std::string& message) const {
    throw Error(source_ + ": " + (path.empty() ? "" : path + ": ") + message);
  }

  void require_object(const json& value, const std::string& path) const {
    if (!value.is_object()) {
      fail(path, "expected an object, found " + describe(value));
    }
  }

  // `object` has already passed require_object.
  const json& member(const json& object, const std::string& path, const char* key,
                     const char* expected) const {
    const auto it = object.find(key);
    if (it == object.end()) {
      fail(child(path, key), std::string("expected ") + expected + ", but the key is missing");
    }
    return *it;
  }

  const json& object_at(const json& object, const std::string& path, const char* key) const {
    const json& value = member(object, path, key, "an object");
    require_object(value, child(path, key));
    return value;
  }

  const json& array_at(const json& object, const std::string& path, const char* key) const {
    const json& value = member(object, path, key, "an array");
    if (!value.is_array()) {
      fail(child(path, key), "expected an array, found " + describe(value));
    }
    return value;
  }

  std::string string_value(const json& value, const std::string& path) const {
    if (!value.is_string()) {
      fail(path, "expected a string, found " + describe(value));
    }
    return value.get<std::string>();
  }

  std::string string_at(const json& object, const std::string& path, const char* key) const {
    return string_value(member(object, path, key, "a string"), child(path, key));
  }

  std::int64_t int64_at(const json& object, const std::string& path, const char* key) const {
    const json& value = member(object, path, key, "an integer");
    if (value.is_number_unsigned() &&
        value.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail(child(path, key), "expected an integer that fits in 64 bits, found " + value.dump());
    }
    if (!value.is_number_integer()) {
      fail(child(path, key), "expected an integer, found " + describe(value));
    }
    return value.get<std::int64_t>();
  }

  int int_at(const json& object, const std::string& path, const char* key) const {
    const std::int64_t value = int64_at(object, path, key);
    if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
      fail(child(path, key),
           "expected an integer that fits in int, found " + std::to_string(value));
    }
    return static_cast<int>(value);
  }

  double number_value(const json& value, const std::string& path) const {
    if (!value.is_number()) {
      fail(path, "expected a number, found " + describe(value));
    }
    return value.get<double>();
  }

  double number_at(const json& object, const std::string& path, const char* key) const {
    return number_value(member(object, path, key, "a number"), child(path, key));
  }

  bool bool_at(const json& object, const std::string& path, const char* key) const {
    const json& value = member(object, path, key, "true or false");
    if (!value.is_boolean()) {
      fail(child(path, key), "expected true or false, found " + describe(value));
    }
    return value.get<bool>();
  }

 private:
  std::string source_;
};

RunInfo run_from_json(const Reader& r, const json& root) {
  const std::string path = "run";
  const json& j = r.object_at(root, "", "run");
  RunInfo run;
  run.id = r.string_at(j, path, "id");
  run.started_utc = r.string_at(j, path, "started_utc");
  run.git_revision = r.string_at(j, path, "git_revision");
  run.docker_server_version = r.string_at(j, path, "docker_server_version");
  run.docker_client_version = r.string_at(j, path, "docker_client_version");
  run.builder = r.string_at(j, path, "builder");
  run.storage_driver = r.string_at(j, path, "storage_driver");
  run.kernel = r.string_at(j, path, "kernel");
  run.cpus = r.int_at(j, path, "cpus");

  const std::string ppath = "run.parameters";
  const json& p = r.object_at(j, path, "parameters");
  run.parameters.requests = r.int_at(p, ppath, "requests");
  run.parameters.warmup = r.int_at(p, ppath, "warmup");
  run.parameters.repetitions = r.int_at(p, ppath, "repetitions");
  run.parameters.via = r.string_at(p, ppath, "via");
  run.parameters.placement = r.string_at(p, ppath, "placement");
  run.parameters.container_cpuset = r.string_at(p, ppath, "container_cpuset");
  run.parameters.harness_cpu = r.int_at(p, ppath, "harness_cpu");
  run.parameters.stop_timeout_s = r.int_at(p, ppath, "stop_timeout_s");
  run.parameters.connections = r.int_at(p, ppath, "connections");
  run.parameters.duration_s = r.number_at(p, ppath, "duration_s");
  run.parameters.rate_rps = r.number_at(p, ppath, "rate_rps");
  // A later addition: a file written before it had no cold phase.
  run.parameters.cold_requests =
      p.contains("cold_requests") ? r.int_at(p, ppath, "cold_requests") : 0;
  return run;
}

VariantStatus status_from_json(const Reader& r, const json& j, const std::string& path) {
  const std::string text = r.string_at(j, path, "status");
  for (const auto status : {VariantStatus::Ok, VariantStatus::Skipped, VariantStatus::Failed}) {
    if (text == to_string(status)) {
      return status;
    }
  }
  // Quoted as JSON, cut to 40 bytes; the replace handler copes with a cut inside a character.
  const std::string found =
      json(text.substr(0, 40)).dump(-1, ' ', false, json::error_handler_t::replace);
  r.fail(child(path, "status"), "expected \"ok\", \"skipped\" or \"failed\", found " + found);
}

std::vector<std::string> strings_from_json(const Reader& r, const json& object,
                                           const std::string& path, const char* key) {
  const json& items = r.array_at(object, path, key);
  std::vector<std::string> out;
  out.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    out.push_back(r.string_value(items[i], index(child(path, key), i)));
  }
  return out;
}

ImageFacts facts_from_json(const Reader& r, const json& image, const std::string& ipath) {
  const std::string path = child(ipath, "facts");
  const json& j = r.object_at(image, ipath, "facts");
  ImageFacts facts;
  facts.user = r.string_at(j, path, "user");
  facts.exposed_ports = strings_from_json(r, j, path, "exposed_ports");
  facts.entrypoint = strings_from_json(r, j, path, "entrypoint");
  facts.cmd = strings_from_json(r, j, path, "cmd");
  const json& largest = r.array_at(j, path, "largest_files");
  for (std::size_t i = 0; i < largest.size(); ++i) {
    const std::string fpath = index(child(path, "largest_files"), i);
    r.require_object(largest[i], fpath);
    facts.largest_files.push_back({r.string_at(largest[i], fpath, "path"),
                                   r.int64_at(largest[i], fpath, "size_bytes"),
                                   r.int_at(largest[i], fpath, "layer")});
  }
  return facts;
}

ImageRecord image_from_json(const Reader& r, const json& variant, const std::string& vpath) {
  const std::string path = child(vpath, "image");
  const json& j = r.object_at(variant, vpath, "image");
  ImageRecord image;
  image.id = r.string_at(j, path, "id");
  image.tag = r.string_at(j, path, "tag");
  const json& layers = r.array_at(j, path, "layers");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string lpath = index(child(path, "layers"), i);
    const json& l = layers[i];
    r.require_object(l, lpath);
    LayerRow row;
    row.digest = r.string_at(l, lpath, "digest");
    row.size_bytes = r.int64_at(l, lpath, "size_bytes");
    row.created_by = r.string_at(l, lpath, "created_by");
    if (l.contains("compressed_bytes")) {
      row.compressed_bytes = r.int64_at(l, lpath, "compressed_bytes");
    }
    if (l.contains("shadowed_bytes")) {
      row.shadowed_bytes = r.int64_at(l, lpath, "shadowed_bytes");
    }
    if (l.contains("base")) {
      row.base = r.bool_at(l, lpath, "base");
    }
    image.layers.push_back(std::move(row));
  }
  if (j.contains("facts")) {
    image.facts = facts_from_json(r, j, path);
  }
  return image;
}

// An optional object: absent in files written before budgets existed, which still load.
Budget budget_from_json(const Reader& r, const json& variant, const std::string& vpath) {
  Budget budget;
  if (!variant.contains("budget")) {
    return budget;
  }
  const std::string path = child(vpath, "budget");
  const json& j = r.object_at(variant, vpath, "budget");
  const auto integer = [&](const char* key, std::optional<std::int64_t>& out) {
    if (j.contains(key)) {
      out = r.int64_at(j, path, key);
    }
  };
  integer("max_size_bytes", budget.max_size_bytes);
  integer("max_compressed_bytes", budget.max_compressed_bytes);
  integer("max_layers", budget.max_layers);
  integer("max_shadowed_bytes", budget.max_shadowed_bytes);
  if (j.contains("min_efficiency")) {
    budget.min_efficiency = r.number_at(j, path, "min_efficiency");
  }
  if (j.contains("non_root")) {
    budget.non_root = r.bool_at(j, path, "non_root");
  }
  return budget;
}

VariantResult variant_from_json(const Reader& r, const json& j, const std::string& path) {
  r.require_object(j, path);
  VariantResult v;
  v.name = r.string_at(j, path, "name");
  v.description = r.string_at(j, path, "description");
  const json& tags = r.array_at(j, path, "tags");
  for (std::size_t i = 0; i < tags.size(); ++i) {
    v.tags.push_back(r.string_value(tags[i], index(child(path, "tags"), i)));
  }
  v.status = status_from_json(r, j, path);
  const json& reason = r.member(j, path, "reason", "a string or null");
  if (reason.is_string()) {
    v.reason = reason.get<std::string>();
  } else if (!reason.is_null()) {
    r.fail(child(path, "reason"), "expected a string or null, found " + describe(reason));
  }
  v.log_tail = r.string_at(j, path, "log_tail");
  v.image = image_from_json(r, j, path);

  const std::string mpath = child(path, "metrics");
  for (const auto& [name, value] : r.object_at(j, path, "metrics").items()) {
    v.metrics[name] = r.number_value(value, mpath + "." + name);
  }
  const std::string spath = child(path, "samples");
  for (const auto& [name, values] : r.object_at(j, path, "samples").items()) {
    const std::string name_path = spath + "." + name;
    if (!values.is_array()) {
      r.fail(name_path, "expected an array of numbers, found " + describe(values));
    }
    std::vector<double>& out = v.samples[name];
    out.reserve(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      out.push_back(r.number_value(values[i], index(name_path, i)));
    }
  }
  v.budget = budget_from_json(r, j, path);
  return v;
}

}  // namespace

Results results_from_json(const json& json_value, std::string_view source) {
  const Reader r(source);
  r.require_object(json_value, "");
  // The version comes first: a file from another schema should say so, not trip on a renamed field.
  const auto version = json_value.find("schema_version");
  if (version == json_value.end()) {
    r.fail("schema_version",
           "expected " + std::to_string(kSchemaVersion) + ", but the key is missing");
  }
  if (!version->is_number_integer() || version->get<std::int64_t>() != kSchemaVersion) {
    r.fail("schema_version",
           "expected " + std::to_string(kSchemaVersion) + ", found " + describe(*version));
  }

  Results results;
  results.schema_version = kSchemaVersion;
  results.run = run_from_json(r, json_value);
  const json& variants = r.array_at(json_value, "", "variants");
  for (std::size_t i = 0; i < variants.size(); ++i) {
    results.variants.push_back(variant_from_json(r, variants[i], index("variants", i)));
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Files

namespace {

// Removes a temporary path unless the operation committed (renamed it into place).
class TempPath {
 public:
  explicit TempPath(std::string path) : path_(std::move(path)) {}
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;
  ~TempPath() {
    if (!committed_) {
      ::unlink(path_.c_str());
    }
  }
  [[nodiscard]] const std::string& path() const { return path_; }
  void commit() { committed_ = true; }

 private:
  std::string path_;
  bool committed_ = false;
};

[[noreturn]] void fail_errno(const fs::path& file, const std::string& what, int error) {
  throw Error(file.string() + ": " + what + ": " + std::strerror(error));
}

fs::path folder_of(const fs::path& file) {
  return file.has_parent_path() ? file.parent_path() : fs::path(".");
}

std::string file_name_of(const fs::path& file, const char* what) {
  std::string name = file.filename().string();
  if (name.empty() || name == "." || name == "..") {
    throw Error(file.string() + ": expected a path to a " + what + ", found a folder path");
  }
  return name;
}

// Makes the rename itself durable; best effort, because some file systems refuse fsync on a
// folder, and the content is already safe by then.
void sync_folder(const fs::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

Results load_results(const fs::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    fail_errno(file, "cannot open", errno);
  }
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail_errno(file, "cannot read", errno);
    }
    if (n == 0) {
      break;
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }

  json parsed;
  try {
    parsed = json::parse(text);
  } catch (const json::exception& e) {
    // parse_error, or out_of_range for a number no double holds (1e400). what() is
    // "[json.exception.parse_error.101] parse error at line 3, column 5: …"; the bracketed id
    // means nothing to a user.
    std::string message = e.what();
    const auto pos = message.find("] ");
    if (message.starts_with("[json.") && pos != std::string::npos) {
      message.erase(0, pos + 2);
    }
    throw Error(file.string() + ": not valid JSON: " + message);
  }
  return results_from_json(parsed, file.string());
}

void write_file_atomic(const fs::path& file, std::string_view content) {
  const std::string name = file_name_of(file, "file");
  const fs::path folder = folder_of(file);
  // Same folder as the target: rename() is atomic only within one file system.
  std::string temp_name = (folder / (".tmp-" + name + "-XXXXXX")).string();
  const int raw_fd = ::mkostemp(temp_name.data(), O_CLOEXEC);
  if (raw_fd < 0) {
    fail_errno(file, "cannot create a temporary file in " + folder.string(), errno);
  }
  UniqueFd fd(raw_fd);
  TempPath temp(temp_name);

  // mkostemp creates 0600, which would make reports unreadable to anyone else. The umask cannot be
  // read without briefly changing it (racy), so keep the replaced file's mode, else the usual 0644.
  mode_t mode = 0644;
  struct stat existing {};
  if (::stat(file.c_str(), &existing) == 0 && S_ISREG(existing.st_mode)) {
    mode = existing.st_mode & 07777;
  }
  if (::fchmod(fd.get(), mode) != 0) {
    fail_errno(file, "cannot set the mode of " + temp.path(), errno);
  }

  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail_errno(file, "cannot write", errno);
    }
    written += static_cast<std::size_t>(n);
  }
  // Without fsync a crash after the rename can leave the new name pointing at an empty file.
  if (::fsync(fd.get()) != 0) {
    fail_errno(file, "cannot flush", errno);
  }
  if (const int error = fd.close_checked(); error != 0) {
    fail_errno(file, "cannot close", error);
  }
  if (::rename(temp.path().c_str(), file.c_str()) != 0) {
    fail_errno(file, "cannot replace", errno);
  }
  temp.commit();
  sync_folder(folder);
}

void ensure_writable_folder(const fs::path& folder) {
  // Nothing is created here: a run that stops before it writes (no engine, Ctrl-C) leaves the
  // results folder as it was. The nearest part of the path that exists must be a folder that takes
  // a file; the rest is made when the run folder is written.
  fs::path existing = fs::absolute(folder);
  std::error_code ec;
  while (!fs::exists(existing, ec) && existing.has_relative_path()) {
    existing = existing.parent_path();
  }
  if (!fs::is_directory(existing, ec)) {
    throw Error("cannot create results folder " + folder.string() + ": " + existing.string() +
                " is not a folder");
  }
  // Permission bits alone do not say it (root ignores them, a read-only mount overrides them):
  // one temporary file does.
  std::string probe = (existing / ".tmp-writable-XXXXXX").string();
  const int raw_fd = ::mkostemp(probe.data(), O_CLOEXEC);
  if (raw_fd < 0) {
    throw Error("cannot create results folder " + folder.string() + ": cannot write in " +
                existing.string() + ": " + std::strerror(errno));
  }
  const UniqueFd fd(raw_fd);
  const TempPath remove(probe);
}

void replace_symlink_atomic(const fs::path& link, const fs::path& target) {
  const std::string name = file_name_of(link, "symlink");
  const fs::path folder = folder_of(link);
  // symlink() has no mkstemp: pick random names until one is free.
  std::random_device entropy;
  for (int attempt = 0;; ++attempt) {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%08x", entropy());
    const std::string temp_name = (folder / (".tmp-" + name + "-" + suffix)).string();
    if (::symlink(target.c_str(), temp_name.c_str()) != 0) {
      if (errno == EEXIST && attempt < 100) {
        continue;
      }
      fail_errno(link, "cannot create a temporary symlink in " + folder.string(), errno);
    }
    TempPath temp(temp_name);
    // rename() replaces an existing link (or file) in one step; it fails on a folder, which we
    // leave alone.
    if (::rename(temp.path().c_str(), link.c_str()) != 0) {
      fail_errno(link, "cannot point at " + target.string(), errno);
    }
    temp.commit();
    sync_folder(folder);
    return;
  }
}

}  // namespace imgbench
