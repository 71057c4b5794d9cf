// Pure parsers of the Docker CLI's `--format '{{json .}}'` output. Every error names the command
// whose output was parsed and the field path, so a changed engine shows up as one readable line.
#include "docker.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <system_error>
#include <utility>

#include "error.hpp"
#include "text.hpp"

namespace imgbench {
namespace {

using json = nlohmann::json;
using Path = std::vector<std::string_view>;

// ".State.Status", or `.NetworkSettings.Ports["8080/tcp"]` for keys that are not identifiers.
std::string path_text(const Path& path) {
  std::string text;
  for (const std::string_view key : path) {
    const bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
    });
    if (plain) {
      text += '.';
      text += key;
    } else if (!key.empty() && key.front() == '[') {
      text += key;  // an array index, already bracketed
    } else {
      text += "[\"";
      text += key;
      text += "\"]";
    }
  }
  return text;
}

std::string describe_value(const json* value) {
  if (value == nullptr) {
    return "but the field is missing";
  }
  std::string dump = value->dump();
  constexpr std::size_t kMaxDump = 60;
  if (dump.size() > kMaxDump) {
    dump = dump.substr(0, kMaxDump) + "…";
  }
  return std::string("got ") + value->type_name() + " " + dump;
}

// Typed access to one parsed document. Absent and null are the same to the engine (it omits empty
// fields in some versions and writes null in others), so optional getters accept both; a value of
// the wrong type is always an error, because it means we are reading something we do not
// understand.
class Fields {
 public:
  // `prefix` is the path of `root` inside a larger document ("" for the whole output).
  Fields(std::string what, const json& root, std::string prefix = {})
      : what_(std::move(what)), root_(root), prefix_(std::move(prefix)) {}

  [[noreturn]] void fail(const Path& path, std::string_view expected, const json* got) const {
    std::string where = prefix_ + path_text(path);
    if (where.empty()) {
      where = ".";
    }
    throw Error(what_ + ": " + where + ": expected " + std::string(expected) + ", " +
                describe_value(got));
  }

  // nullptr when the field or one of its parents is absent or null.
  [[nodiscard]] const json* find(const Path& path) const {
    const json* node = &root_;
    std::size_t depth = 0;
    for (const std::string_view key : path) {
      if (node->is_null()) {
        return nullptr;
      }
      if (!node->is_object()) {
        fail(Path(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(depth)), "an object",
             node);
      }
      const auto it = node->find(key);
      if (it == node->end()) {
        return nullptr;
      }
      node = &*it;
      ++depth;
    }
    return node->is_null() ? nullptr : node;
  }

  [[nodiscard]] const json& required(const Path& path, std::string_view expected) const {
    const json* node = find(path);
    if (node == nullptr) {
      fail(path, expected, at_exact(path));
    }
    return *node;
  }

  [[nodiscard]] std::string required_string(const Path& path) const {
    const json& node = required(path, "a string");
    if (!node.is_string()) {
      fail(path, "a string", &node);
    }
    return node.get<std::string>();
  }

  [[nodiscard]] std::string optional_string(const Path& path) const {
    const json* node = find(path);
    if (node == nullptr) {
      return {};
    }
    if (!node->is_string()) {
      fail(path, "a string", node);
    }
    return node->get<std::string>();
  }

  [[nodiscard]] bool required_bool(const Path& path) const {
    const json& node = required(path, "a boolean");
    if (!node.is_boolean()) {
      fail(path, "a boolean", &node);
    }
    return node.get<bool>();
  }

  [[nodiscard]] std::int64_t required_int64(const Path& path, std::int64_t min,
                                            std::int64_t max) const {
    const json& node = required(path, "an integer");
    if (node.is_number_unsigned()) {
      const auto value = node.get<std::uint64_t>();
      if (value <= static_cast<std::uint64_t>(max) && static_cast<std::int64_t>(value) >= min) {
        return static_cast<std::int64_t>(value);
      }
    } else if (node.is_number_integer()) {
      const auto value = node.get<std::int64_t>();
      if (value >= min && value <= max) {
        return value;
      }
    }
    fail(path, "an integer in range", &node);
  }

  [[nodiscard]] std::vector<std::string> optional_string_array(const Path& path) const {
    std::vector<std::string> values;
    const json* node = find(path);
    if (node == nullptr) {
      return values;
    }
    if (!node->is_array()) {
      fail(path, "an array of strings", node);
    }
    for (const json& item : *node) {
      if (!item.is_string()) {
        fail(path, "an array of strings", node);
      }
      values.push_back(item.get<std::string>());
    }
    return values;
  }

  [[nodiscard]] std::vector<std::string> required_string_array(const Path& path) const {
    const json& node = required(path, "an array");
    if (!node.is_array()) {
      fail(path, "an array", &node);
    }
    return optional_string_array(path);
  }

  [[nodiscard]] std::map<std::string, std::string> optional_string_map(const Path& path) const {
    std::map<std::string, std::string> values;
    const json* node = find(path);
    if (node == nullptr) {
      return values;
    }
    if (!node->is_object()) {
      fail(path, "an object of strings", node);
    }
    for (const auto& [key, value] : node->items()) {
      if (!value.is_string()) {
        fail(path, "an object of strings", node);
      }
      values.emplace(key, value.get<std::string>());
    }
    return values;
  }

  [[nodiscard]] std::vector<std::string> optional_keys(const Path& path) const {
    std::vector<std::string> keys;
    const json* node = find(path);
    if (node == nullptr) {
      return keys;
    }
    if (!node->is_object()) {
      fail(path, "an object", node);
    }
    for (const auto& item : node->items()) {
      keys.push_back(item.key());
    }
    return keys;
  }

 private:
  // The node at exactly `path` when it exists (null included), for "got null" in messages.
  [[nodiscard]] const json* at_exact(const Path& path) const {
    const json* node = &root_;
    for (const std::string_view key : path) {
      if (!node->is_object()) {
        return nullptr;
      }
      const auto it = node->find(key);
      if (it == node->end()) {
        return nullptr;
      }
      node = &*it;
    }
    return node;
  }

  std::string what_;
  const json& root_;
  std::string prefix_;
};

json parse_object(std::string_view text, const std::string& what) {
  const std::string_view body = trim(text);
  if (body.empty()) {
    throw Error(what + ": empty output, expected a JSON object");
  }
  json root;
  try {
    root = json::parse(body);
  } catch (const json::parse_error& e) {
    throw Error(what + ": not JSON: " + e.what());
  } catch (const json::out_of_range& e) {
    // Valid JSON that a double cannot hold ("Size": 1e400): the parser throws out_of_range 406,
    // not parse_error, and it must not escape as a foreign exception without the command's name.
    throw Error(what + ": a number out of range: " + e.what());
  }
  if (!root.is_object()) {
    throw Error(what + ": expected a JSON object, got " + root.type_name());
  }
  return root;
}

std::optional<std::int64_t> parse_decimal_int64(std::string_view text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < 0) {
    return std::nullopt;
  }
  return value;
}

// The host port bound on 127.0.0.1 in a `NetworkSettings.Ports["<port>/tcp"]` list, if any.
std::optional<int> loopback_host_port(const Fields& fields, const Path& bindings_path) {
  const json* bindings = fields.find(bindings_path);
  if (bindings == nullptr) {
    return std::nullopt;
  }
  if (!bindings->is_array()) {
    fields.fail(bindings_path, "an array of port bindings", bindings);
  }
  for (std::size_t i = 0; i < bindings->size(); ++i) {
    const json& binding = (*bindings)[i];
    const Fields one("docker container inspect", binding,
                     path_text(bindings_path) + "[" + std::to_string(i) + "]");
    if (!binding.is_object()) {
      one.fail({}, "an object", &binding);
    }
    if (one.optional_string({"HostIp"}) != "127.0.0.1") {
      continue;  // imgbench publishes on loopback only; any other binding is not ours to use
    }
    const std::string host_port = one.required_string({"HostPort"});
    const std::optional<std::int64_t> port = parse_decimal_int64(host_port);
    if (!port || *port < 1 || *port > 65535) {
      const json got(host_port);
      one.fail({"HostPort"}, "a port number", &got);
    }
    return static_cast<int>(*port);
  }
  return std::nullopt;
}

}  // namespace

ImageInfo parse_image_inspect(std::string_view json_text) {
  const json root = parse_object(json_text, "docker image inspect");
  const Fields fields("docker image inspect", root);
  ImageInfo info;
  info.id = fields.required_string({"Id"});
  info.size_bytes = fields.required_int64({"Size"}, 0, std::numeric_limits<std::int64_t>::max());
  info.layers = fields.required_string_array({"RootFS", "Layers"});
  // Imported images have `"Config":{}` and scratch images no Entrypoint/Cmd/Labels: all optional.
  info.user = fields.optional_string({"Config", "User"});
  info.exposed_ports = fields.optional_keys({"Config", "ExposedPorts"});
  info.entrypoint = fields.optional_string_array({"Config", "Entrypoint"});
  info.cmd = fields.optional_string_array({"Config", "Cmd"});
  info.labels = fields.optional_string_map({"Config", "Labels"});
  info.created = fields.required_string({"Created"});
  return info;
}

std::vector<HistoryRow> parse_history(std::string_view json_lines) {
  std::vector<HistoryRow> rows;
  std::size_t line_number = 0;
  while (!json_lines.empty()) {
    const std::size_t newline = json_lines.find('\n');
    const std::string_view line = json_lines.substr(0, newline);
    json_lines.remove_prefix(newline == std::string_view::npos ? json_lines.size() : newline + 1);
    ++line_number;
    if (trim(line).empty()) {
      continue;
    }
    const std::string what = "docker history: line " + std::to_string(line_number);
    const json root = parse_object(line, what);
    const Fields fields(what, root);
    HistoryRow row;
    row.id = fields.required_string({"ID"});
    row.created_by = fields.required_string({"CreatedBy"});
    row.comment = fields.optional_string({"Comment"});
    // With --human=false the CLI prints the byte count as a string ("74502032"); accept a plain
    // number too in case a later CLI stops quoting it.
    const json& size = fields.required({"Size"}, "a byte count");
    std::optional<std::int64_t> bytes;
    if (size.is_string()) {
      bytes = parse_decimal_int64(size.get<std::string>());
    } else if (size.is_number_integer()) {
      bytes = fields.required_int64({"Size"}, 0, std::numeric_limits<std::int64_t>::max());
    }
    if (!bytes) {
      fields.fail({"Size"}, "a byte count (run docker history with --human=false)", &size);
    }
    row.size_bytes = *bytes;
    rows.push_back(std::move(row));
  }
  return rows;
}

ContainerInfo parse_container_inspect(std::string_view json_text, int container_port) {
  const json root = parse_object(json_text, "docker container inspect");
  const Fields fields("docker container inspect", root);
  ContainerInfo info;
  info.id = fields.required_string({"Id"});
  info.status = fields.required_string({"State", "Status"});
  info.running = fields.required_bool({"State", "Running"});
  info.exit_code = static_cast<int>(fields.required_int64(
      {"State", "ExitCode"}, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
  info.oom_killed = fields.required_bool({"State", "OOMKilled"});
  info.started_at = fields.required_string({"State", "StartedAt"});
  info.finished_at = fields.required_string({"State", "FinishedAt"});

  // The top-level address is the default bridge's; on a user-defined network only the per-network
  // entry has one.
  info.ip_address = fields.optional_string({"NetworkSettings", "IPAddress"});
  if (info.ip_address.empty()) {
    for (const std::string& network : fields.optional_keys({"NetworkSettings", "Networks"})) {
      info.ip_address =
          fields.optional_string({"NetworkSettings", "Networks", network, "IPAddress"});
      if (!info.ip_address.empty()) {
        break;
      }
    }
  }

  // container_port <= 0: the caller does not know the port, so take the first tcp port (in key
  // order) that has a loopback binding.
  std::vector<std::string> port_keys;
  if (container_port > 0) {
    port_keys.push_back(std::to_string(container_port) + "/tcp");
  } else {
    for (const std::string& key : fields.optional_keys({"NetworkSettings", "Ports"})) {
      if (key.size() > 4 && key.compare(key.size() - 4, 4, "/tcp") == 0) {
        port_keys.push_back(key);
      }
    }
  }
  for (const std::string& port_key : port_keys) {
    info.host_port = loopback_host_port(fields, {"NetworkSettings", "Ports", port_key});
    if (info.host_port) {
      break;
    }
  }
  return info;
}

ContainerStats parse_stats(std::string_view json_line) {
  const json root = parse_object(json_line, "docker stats");
  const Fields fields("docker stats", root);
  ContainerStats stats;

  const std::string mem = fields.required_string({"MemUsage"});
  const std::size_t slash = mem.find(" / ");
  if (slash == std::string::npos) {
    const json got(mem);
    fields.fail({"MemUsage"}, "\"<usage> / <limit>\"", &got);
  }
  try {
    stats.mem_usage_bytes = parse_size_text(std::string_view(mem).substr(0, slash));
    stats.mem_limit_bytes = parse_size_text(std::string_view(mem).substr(slash + 3));
  } catch (const Error& e) {
    throw Error("docker stats: .MemUsage: " + std::string(e.what()));
  }

  const std::string cpu = fields.required_string({"CPUPerc"});
  std::string_view number = trim(cpu);
  if (!number.empty() && number.back() == '%') {
    number.remove_suffix(1);
  }
  double percent = 0.0;
  const char* end = number.data() + number.size();
  const auto [ptr, ec] = std::from_chars(number.data(), end, percent);
  if (number.empty() || ec != std::errc() || ptr != end || !std::isfinite(percent) ||
      percent < 0.0) {
    const json got(cpu);
    fields.fail({"CPUPerc"}, "a percentage like \"0.05%\"", &got);
  }
  stats.cpu_percent = percent;
  return stats;
}

EngineInfo parse_version(std::string_view json_text) {
  const json root = parse_object(json_text, "docker version");
  const Fields fields("docker version", root);
  EngineInfo info;
  // The CLI prints its own half even when no engine answered; then "Server" is null.
  const json* server = fields.find({"Server"});
  if (server == nullptr || !server->is_object()) {
    fields.fail({"Server"}, "an object (no engine answered)", server);
  }
  info.server_version = fields.required_string({"Server", "Version"});
  info.client_version = fields.required_string({"Client", "Version"});
  return info;
}

DaemonInfo parse_info(std::string_view json_text) {
  const json root = parse_object(json_text, "docker info");
  const Fields fields("docker info", root);
  DaemonInfo info;
  info.storage_driver = fields.required_string({"Driver"});
  info.cgroup_version = fields.optional_string({"CgroupVersion"});  // older engines lack it
  return info;
}

std::int64_t parse_size_text(std::string_view text) {
  struct Unit {
    std::string_view name;
    double bytes;
  };
  // go-units' HumanSize (decimal) and BytesSize (binary); "KB" appears in some older output.
  static constexpr std::array<Unit, 12> kUnits{{{"B", 1.0},
                                                {"kB", 1e3},
                                                {"KB", 1e3},
                                                {"MB", 1e6},
                                                {"GB", 1e9},
                                                {"TB", 1e12},
                                                {"PB", 1e15},
                                                {"KiB", 1024.0},
                                                {"MiB", 1048576.0},
                                                {"GiB", 1073741824.0},
                                                {"TiB", 1099511627776.0},
                                                {"PiB", 1125899906842624.0}}};
  const auto bad = [&](std::string_view why) -> Error {
    return Error("size \"" + std::string(text) + "\": " + std::string(why));
  };

  const std::string_view body = trim(text);
  std::size_t digits = 0;
  while (digits < body.size() &&
         (std::isdigit(static_cast<unsigned char>(body[digits])) != 0 || body[digits] == '.')) {
    ++digits;
  }
  const std::string_view number = body.substr(0, digits);
  const std::string_view unit = trim(body.substr(digits));
  if (number.empty()) {
    throw bad("expected a number followed by a unit (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)");
  }
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || ptr != number.data() + number.size()) {
    throw bad("\"" + std::string(number) + "\" is not a number");
  }
  const auto* match =
      std::find_if(kUnits.begin(), kUnits.end(), [&](const Unit& u) { return u.name == unit; });
  if (match == kUnits.end()) {
    throw bad("unknown unit \"" + std::string(unit) +
              "\" (expected B, kB, MB, GB, TB, KiB, MiB, GiB or TiB)");
  }
  const double bytes = std::round(value * match->bytes);
  // 2^63 is exactly representable; anything at or above it does not fit.
  if (!(bytes < 9223372036854775808.0)) {
    throw bad("does not fit in 64 bits");
  }
  return static_cast<std::int64_t>(bytes);
}

bool is_not_found_message(std::string_view stderr_text) {
  std::string lower(stderr_text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  // Only the daemon's object lookups: "No such file or directory" (a missing Dockerfile, a missing
  // socket) must stay an error.
  for (const std::string_view needle : {"no such image", "no such container", "no such object"}) {
    if (lower.find(needle) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string merge_timestamped_logs(std::string_view out, std::string_view err) {
  struct Entry {
    std::string_view timestamp;
    std::string_view text;
  };
  const auto split = [](std::string_view stream) {
    std::vector<Entry> entries;
    while (!stream.empty()) {
      const std::size_t newline = stream.find('\n');
      std::string_view line = stream.substr(0, newline);
      stream.remove_prefix(newline == std::string_view::npos ? stream.size() : newline + 1);
      Entry entry{{}, line};
      // "2026-12-03T18:28:44.452765767Z text": the CLI pads nanoseconds to a fixed width, so the
      // timestamps compare correctly as strings.
      const std::size_t space = line.find(' ');
      if (space != std::string_view::npos && space > 0 &&
          std::isdigit(static_cast<unsigned char>(line.front())) != 0 &&
          line.substr(0, space).find('T') != std::string_view::npos) {
        entry.timestamp = line.substr(0, space);
        entry.text = line.substr(space + 1);
      }
      entries.push_back(entry);
    }
    return entries;
  };
  const std::vector<Entry> a = split(out);
  const std::vector<Entry> b = split(err);
  std::string merged;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() || j < b.size()) {
    const bool take_a = j == b.size() || (i < a.size() && a[i].timestamp <= b[j].timestamp);
    const Entry& entry = take_a ? a[i++] : b[j++];
    merged += entry.text;
    merged += '\n';
  }
  return merged;
}

std::vector<std::string> parse_build_step_images(std::string_view build_stdout) {
  std::vector<std::string> ids;
  bool after_from = false;
  std::size_t start = 0;
  while (start < build_stdout.size()) {
    auto end = build_stdout.find('\n', start);
    if (end == std::string_view::npos) {
      end = build_stdout.size();
    }
    std::string_view line = build_stdout.substr(start, end - start);
    start = end + 1;
    if (line.rfind("Step ", 0) == 0) {
      const auto colon = line.find(" : ");
      after_from = colon != std::string_view::npos && line.substr(colon + 3).rfind("FROM ", 0) == 0;
      continue;
    }
    constexpr std::string_view kArrow = " ---> ";
    if (line.rfind(kArrow, 0) != 0) {
      continue;
    }
    const std::string_view id = line.substr(kArrow.size());
    const bool is_id = id.size() >= 12 && std::all_of(id.begin(), id.end(), [](char c) {
                         return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                       });
    // The image a FROM step names belongs to someone else (or to an earlier stage, already listed).
    if (is_id && !after_from) {
      ids.emplace_back(id);
    }
  }
  return ids;
}

}  // namespace imgbench
