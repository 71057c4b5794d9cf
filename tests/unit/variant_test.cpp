// variant.json parsing and validation, variant discovery and selection, and the host facts
// (run id, UTC time, git revision read from .git files, repository root). Every case builds its own
// folders in a fresh temporary directory, removed when the case ends.
#include "variant.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "error.hpp"
#include "host.hpp"

namespace imgbench {
namespace {

namespace fs = std::filesystem;

const std::string kFullJson = R"({
  "description": "Debian with the full build toolchain",
  "context": "../..",
  "port": 9000,
  "health_path": "/status?full=1",
  "expect_status": 204,
  "build_args": {"PYTHON_VERSION": "3.7", "EMPTY": ""},
  "requires_images": ["imgbench/debian:bookworm-slim", "imgbench/python:3.7"],
  "requires_registry": true,
  "tags": ["write-up", "big"],
  "budget": {"max_size_bytes": 1000000000, "max_compressed_bytes": 400000000, "max_layers": 6,
             "max_shadowed_bytes": 1048576, "min_efficiency": 0.95, "non_root": true},
  "ready_timeout_ms": 45000
})";

// A unique folder under the system temp dir shaped like a repository (variants/ and harness/),
// removed with everything in it when the guard goes out of scope.
class TempRepo {
 public:
  TempRepo() {
    static std::atomic<int> counter{0};
    std::random_device device;
    root_ =
        fs::temp_directory_path() / ("imgbench-variant-test-" + std::to_string(getpid()) + "-" +
                                     std::to_string(counter++) + "-" + std::to_string(device()));
    fs::create_directories(root_ / "variants");
    fs::create_directories(root_ / "harness");
    root_ = fs::canonical(root_);
  }
  ~TempRepo() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  TempRepo(const TempRepo&) = delete;
  TempRepo& operator=(const TempRepo&) = delete;

  [[nodiscard]] const fs::path& root() const { return root_; }
  [[nodiscard]] fs::path variants() const { return root_ / "variants"; }

  // variants/<name>/ with variant.json holding `json` and, unless told otherwise, a Dockerfile.
  fs::path add_variant(const std::string& name, const std::string& json, bool dockerfile = true) {
    const fs::path dir = variants() / name;
    fs::create_directories(dir);
    write(dir / "variant.json", json);
    if (dockerfile) {
      write(dir / "Dockerfile", "FROM scratch\n");
    }
    return dir;
  }

  static void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    ASSERT_TRUE(out.good()) << file;
  }

 private:
  fs::path root_;
};

// Parses `json` as variants/<name>/variant.json of a fresh repository; returns the error message
// ("" when it parsed).
std::string parse_error(const std::string& json, const std::string& name = "x",
                        bool dockerfile = true) {
  TempRepo repo;
  const fs::path dir = repo.add_variant(name, json, dockerfile);
  try {
    (void)parse_variant(json, dir, repo.root());
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), kExitUsage);
    return e.what();
  }
  return {};
}

std::string with_description(const std::string& more_fields) {
  return R"({"description": "d", )" + more_fields + "}";
}

// --- parse_variant: valid files ---------------------------------------------------------------

TEST(ParseVariant, FullFileParsesToExpectedValues) {
  TempRepo repo;
  const fs::path dir = repo.add_variant("debian-full", kFullJson);
  const Variant v = parse_variant(kFullJson, dir, repo.root());
  EXPECT_EQ(v.name, "debian-full");
  EXPECT_EQ(v.dir, repo.variants() / "debian-full");
  EXPECT_EQ(v.dockerfile, repo.variants() / "debian-full" / "Dockerfile");
  EXPECT_EQ(v.context, repo.root());  // "../.." from variants/debian-full
  EXPECT_EQ(v.description, "Debian with the full build toolchain");
  EXPECT_EQ(v.port, 9000);
  EXPECT_EQ(v.health_path, "/status?full=1");
  EXPECT_EQ(v.expect_status, 204);
  const std::map<std::string, std::string> args{{"PYTHON_VERSION", "3.7"}, {"EMPTY", ""}};
  EXPECT_EQ(v.build_args, args);
  const std::vector<std::string> images{"imgbench/debian:bookworm-slim", "imgbench/python:3.7"};
  EXPECT_EQ(v.requires_images, images);
  EXPECT_TRUE(v.requires_registry);
  const std::vector<std::string> tags{"write-up", "big"};
  EXPECT_EQ(v.tags, tags);
  EXPECT_EQ(v.budget.max_size_bytes, 1000000000);
  EXPECT_EQ(v.budget.max_compressed_bytes, 400000000);
  EXPECT_EQ(v.budget.max_layers, 6);
  EXPECT_EQ(v.budget.max_shadowed_bytes, 1048576);
  EXPECT_EQ(v.budget.min_efficiency, 0.95);
  EXPECT_EQ(v.budget.non_root, true);
  EXPECT_EQ(v.ready_timeout, std::chrono::milliseconds(45000));
}

TEST(ParseVariant, OmittedFieldsTakeTheirDefaults) {
  TempRepo repo;
  const std::string json = R"({"description": "minimal"})";
  const fs::path dir = repo.add_variant("minimal", json);
  const Variant v = parse_variant(json, dir, repo.root());
  EXPECT_EQ(v.context, repo.variants() / "minimal");  // "." is the variant folder
  EXPECT_EQ(v.port, 8080);
  EXPECT_EQ(v.health_path, "/healthz");
  EXPECT_EQ(v.expect_status, 200);
  EXPECT_TRUE(v.build_args.empty());
  EXPECT_TRUE(v.requires_images.empty());
  EXPECT_FALSE(v.requires_registry);
  EXPECT_TRUE(v.tags.empty());
  EXPECT_TRUE(v.budget.empty());
  EXPECT_EQ(v.ready_timeout, std::chrono::milliseconds(30000));
}

TEST(ParseVariant, RangeLimitsThemselvesAreAccepted) {
  TempRepo repo;
  const std::string json = with_description(
      R"("port": 65535, "expect_status": 599, "ready_timeout_ms": 100,
         "budget": {"max_size_bytes": 0, "max_layers": 1, "min_efficiency": 1,
                    "max_shadowed_bytes": 0, "non_root": false})");
  const fs::path dir = repo.add_variant("edges", json);
  const Variant v = parse_variant(json, dir, repo.root());
  EXPECT_EQ(v.port, 65535);
  EXPECT_EQ(v.expect_status, 599);
  EXPECT_EQ(v.ready_timeout, std::chrono::milliseconds(100));
  EXPECT_EQ(v.budget.max_size_bytes, 0);
  EXPECT_EQ(v.budget.max_layers, 1);
  EXPECT_EQ(v.budget.min_efficiency, 1.0);
  EXPECT_EQ(v.budget.max_shadowed_bytes, 0);
  EXPECT_EQ(v.budget.non_root, false);
}

TEST(ParseVariant, VariantFolderSpelledWithTrailingSlashKeepsItsName) {
  TempRepo repo;
  const std::string json = R"({"description": "d"})";
  const fs::path dir = repo.add_variant("slim", json);
  EXPECT_EQ(parse_variant(json, dir / "", repo.root()).name, "slim");
}

TEST(ParseVariant, ContextAtTheRepositoryRootOrBelowIsAccepted) {
  TempRepo repo;
  fs::create_directories(repo.root() / "service" / "python");
  const std::string json = with_description(R"("context": "../../service/python")");
  const fs::path dir = repo.add_variant("py", json);
  EXPECT_EQ(parse_variant(json, dir, repo.root()).context, repo.root() / "service" / "python");
}

// --- parse_variant: every message names the file and the field ---------------------------------

TEST(ParseVariant, UnknownFieldIsAnErrorThatSuggestsTheClosestName) {
  const std::string message = parse_error(with_description(R"("prot": 8080)"), "x");
  EXPECT_NE(message.find("variants/x/variant.json"), std::string::npos) << message;
  EXPECT_NE(message.find("field 'prot' is not known"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'port'?"), std::string::npos) << message;
  EXPECT_NE(message.find("known fields: description, context, port"), std::string::npos) << message;
}

TEST(ParseVariant, UnknownFieldFarFromEveryNameGetsNoSuggestion) {
  const std::string message = parse_error(with_description(R"("colour": "blue")"));
  EXPECT_NE(message.find("field 'colour' is not known"), std::string::npos) << message;
  EXPECT_EQ(message.find("did you mean"), std::string::npos) << message;
}

TEST(ParseVariant, WrongTypeForEveryFieldNamesFileAndField) {
  struct Case {
    std::string field;  // as the message must name it
    std::string json;
  };
  const std::vector<Case> cases = {
      {"description", R"({"description": 5})"},
      {"description", R"({"description": ["a"]})"},
      {"context", with_description(R"("context": 1)")},
      {"port", with_description(R"("port": "8080")")},
      {"port", with_description(R"("port": 8080.5)")},
      {"port", with_description(R"("port": null)")},
      {"health_path", with_description(R"("health_path": 1)")},
      {"expect_status", with_description(R"("expect_status": "200")")},
      {"expect_status", with_description(R"("expect_status": true)")},
      {"build_args", with_description(R"("build_args": ["A=1"])")},
      {"build_args.A", with_description(R"("build_args": {"A": 1})")},
      {"requires_images", with_description(R"("requires_images": "imgbench/debian")")},
      {"requires_images[1]", with_description(R"("requires_images": ["a", 2])")},
      {"requires_registry", with_description(R"("requires_registry": "false")")},
      {"requires_registry", with_description(R"("requires_registry": 0)")},
      {"tags", with_description(R"("tags": "write-up")")},
      {"tags[0]", with_description(R"("tags": [true])")},
      {"budget", with_description(R"("budget": 5)")},
      {"budget.max_size_bytes", with_description(R"("budget": {"max_size_bytes": "1GB"})")},
      {"budget.max_layers", with_description(R"("budget": {"max_layers": 1.5})")},
      {"budget.max_compressed_bytes",
       with_description(R"("budget": {"max_compressed_bytes": 1e6})")},
      {"budget.max_shadowed_bytes", with_description(R"("budget": {"max_shadowed_bytes": "0"})")},
      {"budget.min_efficiency", with_description(R"("budget": {"min_efficiency": "95%"})")},
      {"budget.non_root", with_description(R"("budget": {"non_root": "yes"})")},
      {"budget.non_root", with_description(R"("budget": {"non_root": 1})")},
      {"ready_timeout_ms", with_description(R"("ready_timeout_ms": "30s")")},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.json);
    const std::string message = parse_error(c.json, "x");
    EXPECT_NE(message.find("variants/x/variant.json: " + c.field + ": expected "),
              std::string::npos)
        << message;
    EXPECT_NE(message.find(", found "), std::string::npos) << message;
  }
}

TEST(ParseVariant, ValuesOutOfRangeNameTheFieldAndTheValue) {
  struct Case {
    std::string field;
    std::string json;
    std::string found;
  };
  const std::vector<Case> cases = {
      {"port", with_description(R"("port": 0)"), "found 0"},
      {"port", with_description(R"("port": 70000)"), "found 70000"},
      {"port", with_description(R"("port": -1)"), "found -1"},
      {"expect_status", with_description(R"("expect_status": 99)"), "found 99"},
      {"expect_status", with_description(R"("expect_status": 600)"), "found 600"},
      {"ready_timeout_ms", with_description(R"("ready_timeout_ms": 99)"), "found 99"},
      {"ready_timeout_ms", with_description(R"("ready_timeout_ms": 600001)"), "found 600001"},
      {"health_path", with_description(R"("health_path": "healthz")"), R"("healthz")"},
      {"health_path", with_description(R"("health_path": "/a b")"), R"("/a b")"},
      {"health_path", with_description(R"("health_path": "/a\tb")"), R"("/a\tb")"},
      {"health_path", with_description(R"("health_path": "")"), R"("")"},
      {"description", R"({"description": "  "})", R"("  ")"},
      {"requires_images[0]", with_description(R"("requires_images": ["--privileged"])"),
       "--privileged"},
      {"build_args.A=B", with_description(R"("build_args": {"A=B": "c"})"), "'A=B'"},
      {"budget.min_efficiency", with_description(R"("budget": {"min_efficiency": 1.5})"),
       "found the number 1.5"},
      {"budget.min_efficiency", with_description(R"("budget": {"min_efficiency": -0.1})"),
       "found the number -0.1"},
      {"budget.max_compressed_bytes", with_description(R"("budget": {"max_compressed_bytes": -5})"),
       "found -5"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.json);
    const std::string message = parse_error(c.json, "x");
    EXPECT_NE(message.find("variants/x/variant.json: " + c.field + ": expected "),
              std::string::npos)
        << message;
    EXPECT_NE(message.find(c.found), std::string::npos) << message;
  }
}

TEST(ParseVariant, HugeUnsignedNumberIsRejectedNotWrapped) {
  const std::string message =
      parse_error(with_description(R"("budget": {"max_size_bytes": 18446744073709551615})"));
  EXPECT_NE(message.find("budget.max_size_bytes: expected an integer >= 0"), std::string::npos)
      << message;
}

TEST(ParseVariant, MissingDescriptionIsAnError) {
  const std::string message = parse_error(R"({"port": 8080})", "x");
  EXPECT_NE(message.find("variants/x/variant.json: description: expected a non-empty string"),
            std::string::npos)
      << message;
}

TEST(ParseVariant, BudgetUnknownKeyIsAnErrorWithSuggestion) {
  const std::string message = parse_error(with_description(R"("budget": {"max_layer": 3})"), "x");
  EXPECT_NE(message.find("variants/x/variant.json: field 'budget.max_layer' is not known"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("did you mean 'max_layers'?"), std::string::npos) << message;
  EXPECT_NE(message.find("known fields: max_size_bytes, max_compressed_bytes, max_layers, "
                         "max_shadowed_bytes, min_efficiency, non_root"),
            std::string::npos)
      << message;
}

TEST(ParseVariant, NegativeOrZeroBudgetIsAnError) {
  std::string message = parse_error(with_description(R"("budget": {"max_size_bytes": -1})"));
  EXPECT_NE(message.find("variants/x/variant.json: budget.max_size_bytes: expected an integer "
                         ">= 0, found -1"),
            std::string::npos)
      << message;
  message = parse_error(with_description(R"("budget": {"max_layers": 0})"));
  EXPECT_NE(message.find("budget.max_layers: expected an integer >= 1, found 0"), std::string::npos)
      << message;
}

TEST(ParseVariant, ContextEscapingTheRepositoryIsAnError) {
  const std::string message = parse_error(with_description(R"("context": "../../..")"), "x");
  EXPECT_NE(message.find("variants/x/variant.json: context: expected a folder inside the "
                         "repository"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("'../../..'"), std::string::npos) << message;
}

TEST(ParseVariant, ContextThroughASymlinkOutOfTheRepositoryIsAnError) {
  TempRepo repo;
  TempRepo elsewhere;
  const std::string json = with_description(R"("context": "outside")");
  const fs::path dir = repo.add_variant("x", json);
  fs::create_directory_symlink(elsewhere.root(), dir / "outside");
  try {
    (void)parse_variant(json, dir, repo.root());
    FAIL() << "a context resolving outside the repository was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("context: expected a folder inside the repository"),
              std::string::npos)
        << e.what();
  }
}

TEST(ParseVariant, AbsoluteOrMissingContextIsAnError) {
  std::string message = parse_error(with_description(R"("context": "/")"));
  EXPECT_NE(message.find("context: expected a path relative to the variant folder"),
            std::string::npos)
      << message;
  message = parse_error(with_description(R"("context": "no-such-folder")"));
  EXPECT_NE(message.find("context: expected an existing folder"), std::string::npos) << message;
}

TEST(ParseVariant, MissingDockerfileIsAnErrorNamingIt) {
  const std::string message = parse_error(R"({"description": "d"})", "x", false);
  EXPECT_NE(message.find("variants/x/variant.json: Dockerfile: expected the file "),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("variants/x/Dockerfile, found nothing"), std::string::npos) << message;
}

TEST(ParseVariant, BadJsonNamesTheFileAndThePosition) {
  const std::string message = parse_error("{\n  \"description\": \"d\",\n  \"port\": }\n", "x");
  EXPECT_NE(message.find("variants/x/variant.json: invalid JSON at line 3, column"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("[json.exception"), std::string::npos) << message;
}

// Found by variant_fuzz (tests/fixtures/fuzz/variant_fuzz/): nlohmann throws out_of_range, not
// parse_error, for a number no double holds, and it escaped without the file's name.
TEST(ParseVariant, NumberBeyondDoubleRangeNamesTheFile) {
  const std::string message = parse_error(with_description(R"("port": 9e999)"), "x");
  EXPECT_NE(message.find("variants/x/variant.json: invalid JSON: number overflow parsing '9e999'"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("[json.exception"), std::string::npos) << message;
}

TEST(ParseVariant, TopLevelMustBeAnObject) {
  const std::string message = parse_error(R"(["description"])", "x");
  EXPECT_NE(message.find("variants/x/variant.json: expected a JSON object at the top level, "
                         "found array"),
            std::string::npos)
      << message;
}

TEST(ParseVariant, RepeatedFieldIsAnErrorInsteadOfLastOneWins) {
  std::string message = parse_error(R"({"description": "d", "port": 1, "port": 2})", "x");
  EXPECT_NE(message.find("variants/x/variant.json: port: expected the field once"),
            std::string::npos)
      << message;
  message = parse_error(with_description(R"("budget": {"max_layers": 1, "max_layers": 2})"));
  EXPECT_NE(message.find("budget.max_layers: expected the field once"), std::string::npos)
      << message;
}

TEST(ParseVariant, EveryProblemInAFileIsReportedAtOnce) {
  const std::string message =
      parse_error(with_description(R"("port": 0, "expect_status": 99, "prot": 1)"), "x", false);
  EXPECT_NE(message.find(": port: "), std::string::npos) << message;
  EXPECT_NE(message.find(": expect_status: "), std::string::npos) << message;
  EXPECT_NE(message.find("'prot'"), std::string::npos) << message;
  EXPECT_NE(message.find(": Dockerfile: "), std::string::npos) << message;
}

// --- variant names -----------------------------------------------------------------------------

TEST(VariantName, AcceptsLowercaseNamesDockerCanTag) {
  for (const char* name :
       {"a", "static", "debian-full", "python3.7-alpine", "multi_stage", "a__b", "a--b", "0"}) {
    EXPECT_TRUE(is_valid_variant_name(name)) << name;
  }
  EXPECT_TRUE(is_valid_variant_name(std::string(64, 'a')));
}

TEST(VariantName, RejectsNamesThatAreUnsafeOrUntaggable) {
  for (const char* name : {"", "Bad", "x;y", ".hidden", "-x", "_x", "x-", "x.", "a..b", "a._b",
                           "a___b", "x y", "x/y", "x;rm -rf", "é"}) {
    EXPECT_FALSE(is_valid_variant_name(name)) << name;
  }
  EXPECT_FALSE(is_valid_variant_name(std::string(65, 'a')));
}

TEST(ParseVariant, BadFolderNameIsAnErrorNamingTheFolder) {
  for (const char* name : {"Bad", "x;y", ".hidden", "-x", "x;rm -rf"}) {
    SCOPED_TRACE(name);
    const std::string message = parse_error(R"({"description": "d"})", name);
    EXPECT_NE(message.find(std::string("variants/") + name + ": variant folder name '" + name +
                           "' is not usable"),
              std::string::npos)
        << message;
  }
}

// --- discover_variants and select_variants ----------------------------------------------------

TEST(DiscoverVariants, SortsByNameAndSkipsFoldersWithoutVariantJson) {
  TempRepo repo;
  const std::string json = R"({"description": "d"})";
  repo.add_variant("zeta", json);
  repo.add_variant("alpha", json);
  repo.add_variant("mid-1", json);
  fs::create_directories(repo.variants() / "Not A Variant");  // no variant.json: ignored
  TempRepo::write(repo.variants() / "notes" / "README.md", "scratch space\n");
  TempRepo::write(repo.variants() / "README.md", "a file, not a folder\n");
  const auto variants = discover_variants(repo.variants(), repo.root());
  ASSERT_EQ(variants.size(), 3U);
  EXPECT_EQ(variants[0].name, "alpha");
  EXPECT_EQ(variants[1].name, "mid-1");
  EXPECT_EQ(variants[2].name, "zeta");
}

TEST(DiscoverVariants, FolderWithVariantJsonAndBadNameIsAnError) {
  TempRepo repo;
  repo.add_variant("good", R"({"description": "d"})");
  repo.add_variant("x;rm -rf", R"({"description": "d"})");
  try {
    (void)discover_variants(repo.variants(), repo.root());
    FAIL() << "a variant folder with an unusable name was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("variant folder name 'x;rm -rf'"), std::string::npos)
        << e.what();
  }
}

TEST(DiscoverVariants, ReportsTheProblemsOfEveryVariant) {
  TempRepo repo;
  repo.add_variant("one", with_description(R"("port": 0)"));
  repo.add_variant("two", with_description(R"("prot": 1)"));
  try {
    (void)discover_variants(repo.variants(), repo.root());
    FAIL() << "invalid variants were accepted";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("one/variant.json: port:"), std::string::npos) << message;
    EXPECT_NE(message.find("two/variant.json: field 'prot'"), std::string::npos) << message;
  }
}

TEST(DiscoverVariants, MissingVariantsFolderIsAnErrorNamingIt) {
  TempRepo repo;
  const fs::path missing = repo.root() / "no-variants-here";
  try {
    (void)discover_variants(missing, repo.root());
    FAIL() << "a missing variants folder was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
    EXPECT_EQ(e.exit_code(), kExitUsage);
  }
}

TEST(DiscoverVariants, ReadsTheCommittedFixtureRepository) {
  const fs::path repo = fs::path(IMGBENCH_FIXTURES) / "variants" / "repo";
  const auto variants = discover_variants(repo / "variants", repo);
  ASSERT_EQ(variants.size(), 2U);  // variants/notes has no variant.json
  EXPECT_EQ(variants[0].name, "debian-full");
  EXPECT_EQ(variants[0].context, fs::canonical(repo));
  EXPECT_EQ(variants[0].budget.max_layers, 6);
  EXPECT_EQ(variants[1].name, "static");
  EXPECT_EQ(variants[1].context, fs::canonical(repo / "variants" / "static"));
}

std::vector<Variant> named(const std::vector<std::string>& names) {
  std::vector<Variant> out;
  for (const auto& name : names) {
    Variant v;
    v.name = name;
    out.push_back(v);
  }
  return out;
}

TEST(SelectVariants, KeepsTheNamedOnesInDiscoveryOrder) {
  const auto selected = select_variants(named({"a", "b", "c"}), {"c", "a"});
  ASSERT_EQ(selected.size(), 2U);
  EXPECT_EQ(selected[0].name, "a");
  EXPECT_EQ(selected[1].name, "c");
}

TEST(SelectVariants, UnknownNameIsAnErrorListingTheKnownOnes) {
  try {
    (void)select_variants(named({"alpine", "static"}), {"static", "alpin"});
    FAIL() << "an unknown variant name was accepted";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("variant 'alpin' is not known; did you mean 'alpine'? known variants: "
                           "alpine, static"),
              std::string::npos)
        << message;
  }
}

// --- host --------------------------------------------------------------------------------------

TEST(Host, RunIdIsCompactUtcTimeAndFourHexDigits) {
  const std::regex pattern(R"(^\d{8}T\d{6}Z-[0-9a-f]{4}$)");
  const std::string id = make_run_id();
  EXPECT_TRUE(std::regex_match(id, pattern)) << id;
}

TEST(Host, RunIdsDiffer) {
  // Two ids in the same second collide with probability 1/65536; four all equal, 1/2^48.
  std::set<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    ids.insert(make_run_id());
  }
  EXPECT_GT(ids.size(), 1U);
}

TEST(Host, UtcTimeIsRfc3339WithZ) {
  const std::string now = utc_now_rfc3339();
  EXPECT_TRUE(std::regex_match(now, std::regex(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$)")))
      << now;
}

TEST(Host, KernelAndCpusAreKnown) {
  EXPECT_FALSE(kernel_release().empty());
  EXPECT_NE(kernel_release(), "unknown");
  EXPECT_GE(online_cpus(), 1);
}

const std::string kSha1 = "3f9a0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b";
const std::string kSha2 = "0123456789abcdef0123456789abcdef01234567";

TEST(GitRevision, FollowsHeadToALooseRef) {
  TempRepo repo;
  TempRepo::write(repo.root() / ".git" / "HEAD", "ref: refs/heads/main\n");
  TempRepo::write(repo.root() / ".git" / "refs" / "heads" / "main", kSha1 + "\n");
  EXPECT_EQ(git_revision(repo.root()), kSha1);
}

TEST(GitRevision, FindsARefInPackedRefs) {
  TempRepo repo;
  TempRepo::write(repo.root() / ".git" / "HEAD", "ref: refs/heads/main\n");
  TempRepo::write(repo.root() / ".git" / "packed-refs",
                  "# pack-refs with: peeled fully-peeled sorted\n" + kSha2 +
                      " refs/heads/feature\n" + kSha1 + " refs/heads/main\n" + kSha2 +
                      " refs/tags/v1\n^" + kSha1 + "\n");
  EXPECT_EQ(git_revision(repo.root()), kSha1);
}

TEST(GitRevision, LooseRefWinsOverPackedRefs) {
  TempRepo repo;
  TempRepo::write(repo.root() / ".git" / "HEAD", "ref: refs/heads/main\n");
  TempRepo::write(repo.root() / ".git" / "refs" / "heads" / "main", kSha1 + "\n");
  TempRepo::write(repo.root() / ".git" / "packed-refs", kSha2 + " refs/heads/main\n");
  EXPECT_EQ(git_revision(repo.root()), kSha1);
}

TEST(GitRevision, DetachedHeadIsTheIdItself) {
  TempRepo repo;
  TempRepo::write(repo.root() / ".git" / "HEAD", "3F9A0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B\n");
  EXPECT_EQ(git_revision(repo.root()), kSha1);
}

TEST(GitRevision, WorktreeGitFileIsFollowedToTheCommonRefs) {
  TempRepo main_repo;
  TempRepo worktree;
  const fs::path git_dir = main_repo.root() / ".git" / "worktrees" / "wt";
  TempRepo::write(worktree.root() / ".git", "gitdir: " + git_dir.string() + "\n");
  TempRepo::write(git_dir / "HEAD", "ref: refs/heads/topic\n");
  TempRepo::write(git_dir / "commondir", "../..\n");
  TempRepo::write(main_repo.root() / ".git" / "refs" / "heads" / "topic", kSha2 + "\n");
  EXPECT_EQ(git_revision(worktree.root()), kSha2);
}

TEST(GitRevision, NotARepositoryIsUnknown) {
  TempRepo repo;
  EXPECT_EQ(git_revision(repo.root()), "unknown");
}

TEST(GitRevision, BranchWithoutCommitsIsUnknown) {
  TempRepo repo;
  TempRepo::write(repo.root() / ".git" / "HEAD", "ref: refs/heads/main\n");
  fs::create_directories(repo.root() / ".git" / "refs" / "heads");
  EXPECT_EQ(git_revision(repo.root()), "unknown");
}

TEST(GitRevision, RefClimbingOutOfGitDirIsNotFollowed) {
  TempRepo repo;
  TempRepo::write(repo.root() / ".git" / "HEAD", "ref: refs/../../secret\n");
  fs::create_directories(repo.root() / ".git" / "refs");  // so the kernel could resolve the ".."
  TempRepo::write(repo.root() / "secret", kSha1 + "\n");
  EXPECT_EQ(git_revision(repo.root()), "unknown");
}

TEST(FindRepoRoot, WalksUpFromANestedFolder) {
  TempRepo repo;
  const fs::path nested = repo.root() / "variants" / "a" / "b";
  fs::create_directories(nested);
  EXPECT_EQ(find_repo_root(nested), repo.root());
  EXPECT_EQ(find_repo_root(repo.root()), repo.root());
}

TEST(FindRepoRoot, FolderWithOnlyVariantsIsNotTheRoot) {
  TempRepo repo;
  const fs::path inner = repo.root() / "sub";
  fs::create_directories(inner / "variants");  // no harness/ beside it
  EXPECT_EQ(find_repo_root(inner), repo.root());
}

TEST(FindRepoRoot, NoRepositoryAboveIsAnErrorNamingTheStart) {
  for (fs::path p = fs::canonical(fs::temp_directory_path());; p = p.parent_path()) {
    if (fs::is_directory(p / "variants") && fs::is_directory(p / "harness")) {
      GTEST_SKIP() << p << " looks like a repository, so nothing under it can be outside one";
    }
    if (p == p.parent_path()) {
      break;
    }
  }
  const fs::path start =
      fs::temp_directory_path() / ("imgbench-no-repo-" + std::to_string(getpid()));
  fs::create_directories(start);
  std::string message;
  try {
    (void)find_repo_root(start);
  } catch (const Error& e) {
    message = e.what();
  }
  std::error_code ec;
  fs::remove_all(start, ec);
  EXPECT_NE(message.find("cannot find the imgbench repository"), std::string::npos) << message;
  EXPECT_NE(message.find(start.string()), std::string::npos) << message;
}

}  // namespace
}  // namespace imgbench
