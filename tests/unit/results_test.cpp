// results: the JSON shape (exact text), strict reading with path-naming errors, atomic writes.
#include "results.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "error.hpp"
#include "temp_dir.hpp"

namespace imgbench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kFixtures = fs::path(IMGBENCH_FIXTURES) / "results";

using test::read_text;
using test::TempDir;

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
}

using test::entries;

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.starts_with(prefix);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The message of the Error that `f` throws, or a marker when it throws nothing.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no Error thrown>";
}

Results small_results() {
  Results r;
  r.run.id = "20261203T181500Z-3f9a";
  r.run.started_utc = "2026-12-03T18:15:00Z";
  r.run.git_revision = "0123abc";
  r.run.docker_server_version = "20.10.24";
  r.run.docker_client_version = "20.10.23";
  r.run.builder = "legacy";
  r.run.storage_driver = "overlay2";
  r.run.kernel = "6.1.0";
  r.run.cpus = 2;
  r.run.parameters = {.requests = 100,
                      .warmup = 10,
                      .repetitions = 3,
                      .via = "ip",
                      .placement = "cross",
                      .container_cpuset = "",
                      .harness_cpu = -1,
                      .stop_timeout_s = 10,
                      .connections = 16,
                      .duration_s = 5,
                      .rate_rps = 0};

  VariantResult ok;
  ok.name = "static";
  ok.description = "C++ on scratch";
  ok.tags = {"cpp"};
  ok.image = {.id = "sha256:5f0c",
              .tag = "imgbench/static:x",
              .layers = {{.digest = "sha256:aa",
                          .size_bytes = 2100000,
                          .created_by = "COPY a /",
                          .compressed_bytes = 1'000'000,
                          .shadowed_bytes = 0,
                          .base = false}}};
  ok.metrics = {{"size_bytes", 2100000.0}, {"latency_p50_us", 97.25}};
  ok.samples = {{"ready_ms", {12.0, 11.5}}};
  ok.budget.max_layers = 2;
  r.variants.push_back(ok);

  VariantResult skipped;
  skipped.name = "registry";
  skipped.status = VariantStatus::Skipped;
  skipped.reason = "no registry";
  r.variants.push_back(skipped);
  return r;
}

// A Results using every field, with values that stress the number and string handling.
Results full_results() {
  Results r = small_results();
  VariantResult failed;
  failed.name = "broken \"quoted\" | <b>";
  failed.description = "multi\nline";
  failed.tags = {"a", "b"};
  failed.status = VariantStatus::Failed;
  failed.reason = "docker build exited 1";
  failed.log_tail = "step 3/5\nerror: ünïcödé\n";
  failed.image.layers = {{.digest = "sha256:bb",
                          .size_bytes = 0,
                          .created_by = "",
                          .compressed_bytes = {},
                          .shadowed_bytes = {},
                          .base = {}},
                         {.digest = "sha256:cc",
                          .size_bytes = std::numeric_limits<std::int64_t>::max(),
                          .created_by = "RUN x",
                          .compressed_bytes = {},
                          .shadowed_bytes = {},
                          .base = {}}};
  failed.metrics = {{"build_cold_ms", 0.1},
                    {"negative", -3.0},
                    {"huge", 1e300},
                    {"tiny", 5e-324},
                    {"two_to_63", 9223372036854775808.0}};
  failed.samples = {{"latency_us", {1.0, 2.5, 1e-7}}, {"empty", {}}};
  failed.budget = {.max_size_bytes = 0,
                   .max_compressed_bytes = std::numeric_limits<std::int64_t>::max(),
                   .max_layers = 1,
                   .max_shadowed_bytes = 1'048'576,
                   .min_efficiency = 0.955,
                   .non_root = false};
  r.variants.push_back(failed);
  r.variants[0].image.facts =
      ImageFacts{.user = "65532:65532",
                 .exposed_ports = {"8080/tcp", "9090/udp"},
                 .entrypoint = {"/healthz", "--port=8080"},
                 .cmd = {},
                 .largest_files = {{.path = "/healthz", .size_bytes = 1'048'576, .layer = 0},
                                   {.path = "/etc/pässwd \"x\"", .size_bytes = 0, .layer = 0}}};
  return r;
}

TEST(Results, StatusNamesMatchTheSchema) {
  EXPECT_STREQ(to_string(VariantStatus::Ok), "ok");
  EXPECT_STREQ(to_string(VariantStatus::Skipped), "skipped");
  EXPECT_STREQ(to_string(VariantStatus::Failed), "failed");
}

TEST(Results, SmallResultsSerializeToExactJsonText) {
  // nlohmann::json keeps object keys sorted, so the text is deterministic.
  const std::string expected = R"({
  "run": {
    "builder": "legacy",
    "cpus": 2,
    "docker_client_version": "20.10.23",
    "docker_server_version": "20.10.24",
    "git_revision": "0123abc",
    "id": "20261203T181500Z-3f9a",
    "kernel": "6.1.0",
    "parameters": {
      "cold_requests": 500,
      "connections": 16,
      "container_cpuset": "",
      "duration_s": 5,
      "harness_cpu": -1,
      "placement": "cross",
      "rate_rps": 0,
      "repetitions": 3,
      "requests": 100,
      "stop_timeout_s": 10,
      "via": "ip",
      "warmup": 10
    },
    "started_utc": "2026-12-03T18:15:00Z",
    "storage_driver": "overlay2"
  },
  "schema_version": 1,
  "variants": [
    {
      "budget": {
        "max_layers": 2
      },
      "description": "C++ on scratch",
      "image": {
        "id": "sha256:5f0c",
        "layers": [
          {
            "base": false,
            "compressed_bytes": 1000000,
            "created_by": "COPY a /",
            "digest": "sha256:aa",
            "shadowed_bytes": 0,
            "size_bytes": 2100000
          }
        ],
        "tag": "imgbench/static:x"
      },
      "log_tail": "",
      "metrics": {
        "latency_p50_us": 97.25,
        "size_bytes": 2100000
      },
      "name": "static",
      "reason": null,
      "samples": {
        "ready_ms": [
          12,
          11.5
        ]
      },
      "status": "ok",
      "tags": [
        "cpp"
      ]
    },
    {
      "budget": {},
      "description": "",
      "image": {
        "id": "",
        "layers": [],
        "tag": ""
      },
      "log_tail": "",
      "metrics": {},
      "name": "registry",
      "reason": "no registry",
      "samples": {},
      "status": "skipped",
      "tags": []
    }
  ]
})";
  EXPECT_EQ(to_json(small_results()).dump(2), expected);
}

TEST(Results, RoundTripThroughJsonTextIsLossless) {
  const Results original = full_results();
  const std::string text = to_json(original).dump(2);
  const Results back = results_from_json(json::parse(text), "round-trip");
  EXPECT_EQ(back, original);
  // A second pass gives the same text: nothing drifts.
  EXPECT_EQ(to_json(back).dump(2), text);
}

TEST(Results, IntegralMetricsAreJsonIntegersOthersFloats) {
  EXPECT_EQ(number_to_json(55000000.0).dump(), "55000000");
  EXPECT_TRUE(number_to_json(55000000.0).is_number_integer());
  EXPECT_EQ(number_to_json(-3.0).dump(), "-3");
  EXPECT_EQ(number_to_json(-0.0).dump(), "0");
  EXPECT_EQ(number_to_json(0.1).dump(), "0.1");
  EXPECT_EQ(number_to_json(97.25).dump(), "97.25");
  // -2^63 fits int64; 2^63 does not and stays a float.
  EXPECT_EQ(number_to_json(-9223372036854775808.0).dump(), "-9223372036854775808");
  EXPECT_TRUE(number_to_json(9223372036854775808.0).is_number_float());
  EXPECT_TRUE(number_to_json(1e300).is_number_float());
}

TEST(Results, NonFiniteMetricIsRefusedWithItsPath) {
  Results r = small_results();
  r.variants[0].metrics["latency_p99_us"] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(error_of([&] { (void)to_json(r); }),
            "results: variants[0].metrics.latency_p99_us: nan cannot be written as JSON, "
            "expected a finite number");

  Results s = small_results();
  s.variants[0].samples["ready_ms"].push_back(std::numeric_limits<double>::infinity());
  EXPECT_EQ(error_of([&] { (void)to_json(s); }),
            "results: variants[0].samples.ready_ms[2]: inf cannot be written as JSON, "
            "expected a finite number");
  EXPECT_THROW((void)number_to_json(std::numeric_limits<double>::quiet_NaN()), Error);
}

TEST(Results, InvalidUtf8IsReplacedSoTheJsonCanBeWritten) {
  Results r = small_results();
  // A log tail cut in the middle of "é" (C3 A9), plus a stray continuation byte and an overlong.
  r.variants[0].log_tail = std::string("\xA9 caf\xC3", 6) + "\xC0\xAF ok \xC3\xA9";
  const std::string text = to_json(r).dump();  // would throw type_error 316 on invalid UTF-8
  const Results back = results_from_json(json::parse(text), "utf8");
  EXPECT_EQ(back.variants[0].log_tail,
            "\xEF\xBF\xBD caf\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD ok \xC3\xA9");
}

// ---- strict reading -----------------------------------------------------------------------

json small_json() { return to_json(small_results()); }

TEST(Results, WrongSchemaVersionIsRejected) {
  json j = small_json();
  j["schema_version"] = 2;
  EXPECT_EQ(error_of([&] { (void)results_from_json(j, "results.json"); }),
            "results.json: schema_version: expected 1, found 2");
  j["schema_version"] = "1";
  EXPECT_EQ(error_of([&] { (void)results_from_json(j, "results.json"); }),
            "results.json: schema_version: expected 1, found a string");
  j.erase("schema_version");
  EXPECT_EQ(error_of([&] { (void)results_from_json(j, "results.json"); }),
            "results.json: schema_version: expected 1, but the key is missing");
}

TEST(Results, SchemaVersionIsCheckedBeforeAnythingElse) {
  // A file from another schema should say so rather than trip over a renamed field.
  const json j = {{"schema_version", 2}, {"totally", "different"}};
  EXPECT_EQ(error_of([&] { (void)results_from_json(j, "new.json"); }),
            "new.json: schema_version: expected 1, found 2");
}

TEST(Results, TopLevelMustBeAnObject) {
  EXPECT_EQ(error_of([] { (void)results_from_json(json::array(), "results.json"); }),
            "results.json: expected an object, found an array");
}

TEST(Results, MistypedMetricNamesItsPath) {
  json j = small_json();
  j["variants"].push_back(j["variants"][0]);
  j["variants"][2]["metrics"]["size_bytes"] = "55 MB";
  EXPECT_EQ(error_of([&] { (void)results_from_json(j, "results.json"); }),
            "results.json: variants[2].metrics.size_bytes: expected a number, found a string");
}

TEST(Results, MissingFieldNamesItsPath) {
  json j = small_json();
  j["run"].erase("kernel");
  EXPECT_EQ(error_of([&] { (void)results_from_json(j, "results.json"); }),
            "results.json: run.kernel: expected a string, but the key is missing");
  json k = small_json();
  k["variants"][1].erase("image");
  EXPECT_EQ(error_of([&] { (void)results_from_json(k, "results.json"); }),
            "results.json: variants[1].image: expected an object, but the key is missing");
}

TEST(Results, EachMistypedFieldNamesItsPath) {
  struct Case {
    json::json_pointer pointer;
    json value;
    std::string message;
  };
  const std::vector<Case> cases = {
      {json::json_pointer("/run"), json::array(), "run: expected an object, found an array"},
      {json::json_pointer("/run/cpus"), 2.5, "run.cpus: expected an integer, found 2.5"},
      {json::json_pointer("/run/cpus"), 4294967296LL,
       "run.cpus: expected an integer that fits in int, found 4294967296"},
      {json::json_pointer("/run/parameters/via"), nullptr,
       "run.parameters.via: expected a string, found null"},
      {json::json_pointer("/run/parameters/requests"), true,
       "run.parameters.requests: expected an integer, found true"},
      {json::json_pointer("/variants"), json::object(),
       "variants: expected an array, found an object"},
      {json::json_pointer("/variants/1"), "registry",
       "variants[1]: expected an object, found a string"},
      {json::json_pointer("/variants/0/tags/0"), 7,
       "variants[0].tags[0]: expected a string, found 7"},
      {json::json_pointer("/variants/0/status"), "passed",
       "variants[0].status: expected \"ok\", \"skipped\" or \"failed\", found \"passed\""},
      {json::json_pointer("/variants/0/reason"), 0,
       "variants[0].reason: expected a string or null, found 0"},
      {json::json_pointer("/variants/0/image/layers/0/size_bytes"), 1.5,
       "variants[0].image.layers[0].size_bytes: expected an integer, found 1.5"},
      {json::json_pointer("/variants/0/image/layers/0/size_bytes"), 18446744073709551615ULL,
       "variants[0].image.layers[0].size_bytes: expected an integer that fits in 64 bits, "
       "found 18446744073709551615"},
      {json::json_pointer("/variants/0/metrics"), json::array(),
       "variants[0].metrics: expected an object, found an array"},
      {json::json_pointer("/variants/0/samples/ready_ms"), 3,
       "variants[0].samples.ready_ms: expected an array of numbers, found 3"},
      {json::json_pointer("/variants/0/samples/ready_ms/1"), "x",
       "variants[0].samples.ready_ms[1]: expected a number, found a string"},
      {json::json_pointer("/variants/0/budget"), 5,
       "variants[0].budget: expected an object, found 5"},
      {json::json_pointer("/variants/0/budget/max_layers"), 1.5,
       "variants[0].budget.max_layers: expected an integer, found 1.5"},
      {json::json_pointer("/variants/0/budget/non_root"), "yes",
       "variants[0].budget.non_root: expected true or false, found a string"},
      {json::json_pointer("/variants/0/budget/min_efficiency"), nullptr,
       "variants[0].budget.min_efficiency: expected a number, found null"},
      {json::json_pointer("/variants/0/image/layers/0/base"), 1,
       "variants[0].image.layers[0].base: expected true or false, found 1"},
  };
  for (const auto& c : cases) {
    json j = small_json();
    j[c.pointer] = c.value;
    EXPECT_EQ(error_of([&] { (void)results_from_json(j, "r.json"); }), "r.json: " + c.message)
        << c.pointer.to_string();
  }
}

TEST(Results, MistypedImageFactsNameTheirPath) {
  const json good = to_json(full_results());
  struct Case {
    json::json_pointer pointer;
    json value;
    std::string message;
  };
  const std::vector<Case> cases = {
      {json::json_pointer("/variants/0/image/facts"), json::array(),
       "variants[0].image.facts: expected an object, found an array"},
      {json::json_pointer("/variants/0/image/facts/user"), 0,
       "variants[0].image.facts.user: expected a string, found 0"},
      {json::json_pointer("/variants/0/image/facts/entrypoint/1"), false,
       "variants[0].image.facts.entrypoint[1]: expected a string, found false"},
      {json::json_pointer("/variants/0/image/facts/largest_files/1/size_bytes"), "0",
       "variants[0].image.facts.largest_files[1].size_bytes: expected an integer, found a "
       "string"},
      {json::json_pointer("/variants/0/image/facts/largest_files/0/layer"), -1.5,
       "variants[0].image.facts.largest_files[0].layer: expected an integer, found -1.5"},
  };
  for (const auto& c : cases) {
    json j = good;
    j[c.pointer] = c.value;
    EXPECT_EQ(error_of([&] { (void)results_from_json(j, "r.json"); }), "r.json: " + c.message)
        << c.pointer.to_string();
  }
  json missing = good;
  missing["/variants/0/image/facts"_json_pointer].erase("cmd");
  EXPECT_EQ(error_of([&] { (void)results_from_json(missing, "r.json"); }),
            "r.json: variants[0].image.facts.cmd: expected an array, but the key is missing");
}

TEST(Results, FilesWithoutBudgetOrFactsLoadAsNoBudgetAndNotAnalysed) {
  json j = to_json(full_results());
  for (auto& v : j["variants"]) {
    v.erase("budget");
    v["image"].erase("facts");
  }
  const Results back = results_from_json(j, "older.json");
  for (const auto& v : back.variants) {
    EXPECT_TRUE(v.budget.empty()) << v.name;
    EXPECT_FALSE(v.image.facts.has_value()) << v.name;
  }
}

TEST(Results, UnknownKeysAreIgnored) {
  json j = small_json();
  j["written_by"] = "imgbench 0.2";
  j["run"]["parameters"]["concurrency"] = 16;
  j["variants"][0]["anatomy"] = {{"efficiency", 0.97}};
  j["variants"][0]["image"]["layers"][0]["files"] = 12;
  EXPECT_EQ(results_from_json(j, "newer.json"), small_results());
}

// ---- load_results ----------------------------------------------------------------------------

TEST(Results, LoadsAFileWithExtraKeys) {
  const Results r = load_results(kFixtures / "valid.json");
  EXPECT_EQ(r.run.id, "20261203T181500Z-3f9a");
  EXPECT_EQ(r.run.parameters.repetitions, 5);
  ASSERT_EQ(r.variants.size(), 2U);
  EXPECT_EQ(r.variants[0].metrics.at("size_bytes"), 2100000.0);
  EXPECT_EQ(r.variants[0].metrics.at("latency_p50_us"), 97.25);
  EXPECT_EQ(r.variants[0].samples.at("ready_ms"), (std::vector<double>{12.0, 11.5, 13.0}));
  EXPECT_EQ(r.variants[1].status, VariantStatus::Skipped);
  EXPECT_EQ(r.variants[1].reason, "no registry reachable");
}

TEST(Results, LoadingAMissingFileNamesItAndTheErrno) {
  const fs::path file = kFixtures / "does-not-exist.json";
  EXPECT_EQ(error_of([&] { (void)load_results(file); }),
            file.string() + ": cannot open: " + std::strerror(ENOENT));
}

TEST(Results, LoadingAFolderNamesItAndTheErrno) {
  EXPECT_EQ(error_of([&] { (void)load_results(kFixtures); }),
            kFixtures.string() + ": cannot read: " + std::strerror(EISDIR));
}

TEST(Results, LoadingNonJsonNamesTheFileAndPosition) {
  const fs::path file = kFixtures / "not_json.txt";
  const std::string message = error_of([&] { (void)load_results(file); });
  EXPECT_PRED2(starts_with, message,
               file.string() + ": not valid JSON: parse error at line 1, column 1:");
  EXPECT_PRED2(contains, message, "invalid literal");
}

TEST(Results, LoadingATruncatedFileNamesTheFileAndPosition) {
  const fs::path file = kFixtures / "truncated.json";
  const std::string message = error_of([&] { (void)load_results(file); });
  EXPECT_PRED2(starts_with, message, file.string() + ": not valid JSON: parse error at line 24,");
  EXPECT_PRED2(contains, message, "unexpected end of input");
}

// nlohmann throws out_of_range, not parse_error, for a number no double holds: the hole that
// docker_fuzz and variant_fuzz found in their parsers was here too.
TEST(Results, LoadingANumberBeyondDoubleRangeNamesTheFile) {
  const TempDir dir;
  const fs::path file = dir.path() / "results.json";
  write_text(file, "{\"schema_version\": 1, \"run\": {\"cpus\": 1e400}}\n");
  EXPECT_EQ(error_of([&] { (void)load_results(file); }),
            file.string() + ": not valid JSON: number overflow parsing '1e400'");
}

TEST(Results, LoadingAnotherSchemaVersionNamesTheFile) {
  const fs::path file = kFixtures / "schema_version_2.json";
  EXPECT_EQ(error_of([&] { (void)load_results(file); }),
            file.string() + ": schema_version: expected 1, found 2");
}

// ---- write_file_atomic -----------------------------------------------------------------------

TEST(WriteFileAtomic, CreatesTheFileWithReadableModeAndNoLeftovers) {
  const TempDir dir;
  const fs::path file = dir.path() / "results.json";
  write_file_atomic(file, "{\"a\": 1}\n");
  EXPECT_EQ(read_text(file), "{\"a\": 1}\n");
  EXPECT_EQ(fs::status(file).permissions(), static_cast<fs::perms>(0644));
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"results.json"});
}

TEST(WriteFileAtomic, ReplacesContentAndKeepsTheOldMode) {
  const TempDir dir;
  const fs::path file = dir.path() / "report.md";
  write_text(file, "old content that is longer than the new one");
  fs::permissions(file, static_cast<fs::perms>(0640));
  write_file_atomic(file, "new");
  EXPECT_EQ(read_text(file), "new");
  EXPECT_EQ(fs::status(file).permissions(), static_cast<fs::perms>(0640));
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"report.md"});
}

TEST(WriteFileAtomic, WritesEmptyAndLargeContent) {
  const TempDir dir;
  write_file_atomic(dir.path() / "empty", "");
  EXPECT_EQ(read_text(dir.path() / "empty"), "");
  const std::string big(3'000'000, 'x');
  write_file_atomic(dir.path() / "big", big);
  EXPECT_EQ(read_text(dir.path() / "big"), big);
}

TEST(WriteFileAtomic, MissingFolderNamesTheFileAndErrno) {
  const TempDir dir;
  const fs::path file = dir.path() / "no-such-dir" / "results.json";
  EXPECT_EQ(error_of([&] { write_file_atomic(file, "x"); }),
            file.string() + ": cannot create a temporary file in " + file.parent_path().string() +
                ": " + std::strerror(ENOENT));
}

TEST(WriteFileAtomic, FileUsedAsFolderNamesTheFileAndErrno) {
  // Works even as root, which ignores permission bits.
  const TempDir dir;
  write_text(dir.path() / "plain", "i am a file");
  const fs::path file = dir.path() / "plain" / "results.json";
  const std::string message = error_of([&] { write_file_atomic(file, "x"); });
  EXPECT_PRED2(starts_with, message, file.string() + ": cannot create a temporary file in ");
  EXPECT_PRED2(contains, message, std::strerror(ENOTDIR));
  EXPECT_EQ(read_text(dir.path() / "plain"), "i am a file");
}

TEST(WriteFileAtomic, FailedRenameRemovesTheTemporaryFileAndLeavesTheTargetAlone) {
  // The temp file is created and written; only the final rename fails (a folder is in the way).
  const TempDir dir;
  const fs::path file = dir.path() / "results.json";
  fs::create_directory(file);
  write_text(file / "inside", "keep");
  EXPECT_EQ(error_of([&] { write_file_atomic(file, "new"); }),
            file.string() + ": cannot replace: " + std::strerror(EISDIR));
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"results.json"});
  EXPECT_EQ(read_text(file / "inside"), "keep");
}

TEST(WriteFileAtomic, FailedWriteRemovesTheTemporaryFileAndLeavesTheOriginalIntact) {
  // RLIMIT_FSIZE makes write() fail with EFBIG partway, like a full disk, and binds root too.
  const TempDir dir;
  const fs::path file = dir.path() / "results.json";
  write_text(file, "original");

  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto* const saved_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit limited = saved;
  limited.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  const std::string message = error_of([&] { write_file_atomic(file, std::string(100'000, 'y')); });
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, saved_handler);

  EXPECT_EQ(message, file.string() + ": cannot write: " + std::strerror(EFBIG));
  EXPECT_EQ(read_text(file), "original");
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"results.json"});
}

TEST(WriteFileAtomic, ReadOnlyFolderLeavesTheOriginalIntact) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "root ignores permission bits; the file-as-folder and rlimit tests cover this";
  }
  const TempDir dir;
  const fs::path file = dir.path() / "results.json";
  write_text(file, "original");
  fs::permissions(dir.path(), static_cast<fs::perms>(0555));
  const std::string message = error_of([&] { write_file_atomic(file, "new"); });
  fs::permissions(dir.path(), fs::perms::owner_all, fs::perm_options::add);
  EXPECT_EQ(message, file.string() + ": cannot create a temporary file in " + dir.path().string() +
                         ": " + std::strerror(EACCES));
  EXPECT_EQ(read_text(file), "original");
}

TEST(WriteFileAtomic, PathWithoutFileNameIsRejected) {
  const TempDir dir;
  EXPECT_THROW(write_file_atomic(dir.path() / "", "x"), Error);
}

// ---- replace_symlink_atomic ------------------------------------------------------------------

TEST(ReplaceSymlinkAtomic, CreatesThenRepointsTheLink) {
  const TempDir dir;
  fs::create_directories(dir.path() / "runs" / "a");
  fs::create_directories(dir.path() / "runs" / "b");
  const fs::path link = dir.path() / "latest";

  replace_symlink_atomic(link, "runs/a");
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(fs::read_symlink(link), "runs/a");  // stored as given, relative to the link's folder
  EXPECT_TRUE(fs::is_directory(link));

  replace_symlink_atomic(link, "runs/b");
  EXPECT_EQ(fs::read_symlink(link), "runs/b");
  EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"latest", "runs"}));
}

TEST(ReplaceSymlinkAtomic, DanglingTargetIsAllowed) {
  const TempDir dir;
  const fs::path link = dir.path() / "latest";
  replace_symlink_atomic(link, "runs/not-yet");
  EXPECT_EQ(fs::read_symlink(link), "runs/not-yet");
}

TEST(ReplaceSymlinkAtomic, ReplacesARegularFile) {
  const TempDir dir;
  const fs::path link = dir.path() / "latest";
  write_text(link, "stale");
  replace_symlink_atomic(link, "runs/a");
  EXPECT_TRUE(fs::is_symlink(link));
}

TEST(ReplaceSymlinkAtomic, FolderInTheWayIsAnErrorAndLeftAlone) {
  const TempDir dir;
  const fs::path link = dir.path() / "latest";
  fs::create_directory(link);
  write_text(link / "inside", "keep");
  EXPECT_EQ(error_of([&] { replace_symlink_atomic(link, "runs/a"); }),
            link.string() + ": cannot point at runs/a: " + std::strerror(EISDIR));
  EXPECT_EQ(read_text(link / "inside"), "keep");
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"latest"});
}

TEST(ReplaceSymlinkAtomic, MissingFolderNamesTheLinkAndErrno) {
  const TempDir dir;
  const fs::path link = dir.path() / "nope" / "latest";
  EXPECT_EQ(error_of([&] { replace_symlink_atomic(link, "runs/a"); }),
            link.string() + ": cannot create a temporary symlink in " +
                link.parent_path().string() + ": " + std::strerror(ENOENT));
}

// ---- ensure_writable_folder ------------------------------------------------------------------

TEST(EnsureWritableFolder, MissingFoldersUnderAWritableOneAreFineAndNotCreated) {
  const TempDir dir;
  ensure_writable_folder(dir.path() / "results" / "runs");
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{});  // nor is the probe file left
}

TEST(EnsureWritableFolder, AnExistingFolderIsFine) {
  const TempDir dir;
  ensure_writable_folder(dir.path());
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{});
}

TEST(EnsureWritableFolder, AFileInThePathNamesTheFolderAndTheFile) {
  // Works even as root, which ignores permission bits.
  const TempDir dir;
  write_text(dir.path() / "results", "i am a file");
  const fs::path folder = dir.path() / "results" / "runs";
  EXPECT_EQ(error_of([&] { ensure_writable_folder(folder); }),
            "cannot create results folder " + folder.string() + ": " +
                (dir.path() / "results").string() + " is not a folder");
  EXPECT_EQ(read_text(dir.path() / "results"), "i am a file");
}

}  // namespace
}  // namespace imgbench
