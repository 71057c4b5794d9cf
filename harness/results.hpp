// The data model of a run, its JSON form (schema_version 1, see DESIGN.md) and atomic file writes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "budget.hpp"

namespace imgbench {

inline constexpr int kSchemaVersion = 1;

struct RunParameters {
  int requests = 10000;
  int warmup = 1000;
  int repetitions = 5;
  std::string via = "ip";  // "ip" (container address on the bridge) or "port" (published 127.0.0.1)
  // CPU placement while measuring: "cross" (container and harness on different CPUs), "same" (one
  // CPU for both) or "none" (left to the scheduler), and the CPUs that it chose.
  std::string placement = "cross";
  std::string container_cpuset;  // as given to `docker run --cpuset-cpus`; empty when not pinned
  int harness_cpu = -1;          // the CPU the measuring thread was pinned to; -1 when not pinned
  int stop_timeout_s = 10;       // `docker stop -t`
  // Load phase after the sequential loop: closed loop with `connections` for `duration_s` seconds
  // (0 skips it), then, when `rate_rps` > 0, open loop at that rate for the same time.
  int connections = 16;
  double duration_s = 5;
  double rate_rps = 0;
  // Cold requests after the keep-alive loop, each on a new connection that the harness closes
  // (cold_latency_*); 0 skips them. Bounded, because every one leaves a socket in TIME_WAIT.
  int cold_requests = 500;
  bool operator==(const RunParameters&) const = default;
};

struct RunInfo {
  std::string id;           // e.g. 20261203T181500Z-3f9a
  std::string started_utc;  // RFC 3339
  std::string git_revision;
  std::string docker_server_version;
  std::string docker_client_version;
  std::string builder;  // legacy | buildkit
  std::string storage_driver;
  std::string kernel;
  int cpus = 0;
  RunParameters parameters;
  bool operator==(const RunInfo&) const = default;
};

struct LayerRow {
  std::string digest;  // RootFS diff id
  std::int64_t size_bytes = 0;
  std::string created_by;
  // From the image's anatomy (`docker save`), absent when it was not analysed.
  std::optional<std::int64_t> compressed_bytes;  // gzip -6 estimate of what a push sends
  std::optional<std::int64_t> shadowed_bytes;    // bytes of this layer the final filesystem lacks
  std::optional<bool> base;                      // one of the base image's layers
  bool operator==(const LayerRow&) const = default;
};

struct LargeFileRow {
  std::string path;  // absolute in the image, e.g. "/usr/lib/x86_64-linux-gnu/libLLVM-14.so.1"
  std::int64_t size_bytes = 0;
  int layer = 0;  // index into ImageRecord::layers of the layer that wrote the surviving copy
  bool operator==(const LargeFileRow&) const = default;
};

// What the image's config and final filesystem say about it (from its anatomy).
struct ImageFacts {
  std::string user;                        // config User, "" when unset (root)
  std::vector<std::string> exposed_ports;  // e.g. "8080/tcp"
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<LargeFileRow> largest_files;  // largest first
  bool operator==(const ImageFacts&) const = default;
};

struct ImageRecord {
  std::string id;
  std::string tag;
  std::vector<LayerRow> layers;
  std::optional<ImageFacts> facts{};  // absent when the image was not analysed
  bool operator==(const ImageRecord&) const = default;
};

enum class VariantStatus { Ok, Skipped, Failed };
[[nodiscard]] const char* to_string(VariantStatus status);

struct VariantResult {
  std::string name;
  std::string description;
  std::vector<std::string> tags;
  VariantStatus status = VariantStatus::Ok;
  std::optional<std::string> reason;  // why skipped or failed; null when ok
  std::string log_tail;               // build or container log tail when failed
  ImageRecord image;
  // Metric name (DESIGN.md, unit in the name) → value. A metric not measured is absent.
  std::map<std::string, double> metrics;
  // What the statistics came from, e.g. "ready_ms": one value per repetition.
  std::map<std::string, std::vector<double>> samples;
  Budget budget;  // the variant.json budget the run was made under (empty: none)
  bool operator==(const VariantResult&) const = default;
};

struct Results {
  int schema_version = kSchemaVersion;
  RunInfo run;
  std::vector<VariantResult> variants;
  bool operator==(const Results&) const = default;
};

// Every key of the DESIGN.md shape is written (reason as null when absent); objects come out with
// their keys sorted (nlohmann::json), so the text is deterministic. Throws Error naming the JSON
// path for a NaN or infinite metric or sample, which JSON cannot represent. Bytes that are not
// valid UTF-8 (a log tail cut mid-character) are written as U+FFFD: JSON text must be UTF-8.
[[nodiscard]] nlohmann::json to_json(const Results& results);
// Throws Error("<source>: <field>: expected …") for a wrong schema_version, a missing or mistyped
// field, e.g. "results.json: variants[2].metrics.size_bytes: expected a number, found a string".
// Every key to_json writes is required, except the later additions `image.facts`, the layer rows'
// anatomy fields and `budget`, whose absence reads as "not analysed" / "no budget" so that older
// files still load; keys it does not know are ignored, so a file written by a newer harness (same
// schema_version, extra fields) still loads.
[[nodiscard]] Results results_from_json(const nlohmann::json& json, std::string_view source);
// Reads and parses a results file; throws Error naming the file when unreadable (with strerror) or
// not JSON (with the parser's line and column).
[[nodiscard]] Results load_results(const std::filesystem::path& file);

// Writes `content` to a temporary file in the same folder, flushes it and renames it over `file`,
// so readers see the old or the new content, never a part. Throws Error naming the file.
// The temporary file is ".tmp-<name>-XXXXXX" (mkostemp, O_CLOEXEC); on any failure it is removed
// and `file` is left untouched. The new file keeps the mode of the file it replaces, else 0644.
void write_file_atomic(const std::filesystem::path& file, std::string_view content);
// Checks, creating nothing, that `folder` can be made and written: its nearest existing ancestor
// is a folder that takes a file. A run calls it before it measures for minutes what it could not
// write. Throws Error naming the folder and the part in the way.
void ensure_writable_folder(const std::filesystem::path& folder);
// Points symlink `link` at `target` atomically (temporary link + rename). `target` is stored as
// given (relative targets resolve from the link's folder). Throws Error naming the link.
void replace_symlink_atomic(const std::filesystem::path& link, const std::filesystem::path& target);

// A metric or sample value as JSON: an integer when it is integral and fits int64 (bytes, counts),
// else a float (shortest text that reads back to the same double). `value` must be finite; a
// non-finite value throws Error. The CSV report prints numbers through this too.
[[nodiscard]] nlohmann::json number_to_json(double value);

}  // namespace imgbench
