// imgbench init: what it reads from a Dockerfile (EXPOSE, FROM), the file it writes (which the
// project's own parser must load), and when it refuses. Each case works in a fresh temp folder.
#include "init.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "error.hpp"
#include "temp_dir.hpp"
#include "variant.hpp"

namespace imgbench {
namespace {

namespace fs = std::filesystem;

using test::TempDir;

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(ScanDockerfile, ExposeOfTheFinalStageAndFromImagesThatAreNotStagesOrScratch) {
  const DockerfileFacts facts = scan_dockerfile(
      "# syntax=docker/dockerfile:1\n"
      "FROM --platform=$BUILDPLATFORM imgbench/debian:bookworm-slim AS build\n"
      "EXPOSE 9999\n"
      "RUN make \\\n"
      "# a comment inside a continuation\n"
      "    all\n"
      "from build as test\n"
      "FROM ${RUNTIME_IMAGE}\n"
      "FROM scratch\n"
      "COPY --from=build /app /app\n"
      "  expose 8000/tcp 8001\n"
      "EXPOSE 7000\n");
  ASSERT_TRUE(facts.port.has_value());
  EXPECT_EQ(*facts.port, 8000);
  EXPECT_EQ(facts.base_images, std::vector<std::string>{"imgbench/debian:bookworm-slim"});
  EXPECT_EQ(facts.unresolved, std::vector<std::string>{"${RUNTIME_IMAGE}"});
}

TEST(ScanDockerfile, NoExposeNoPortAndEachImageOnce) {
  const DockerfileFacts facts = scan_dockerfile(
      "FROM python:3.12-slim AS a\nFROM python:3.12-slim\nFROM redis:7\nEXPOSE $PORT\n");
  EXPECT_FALSE(facts.port.has_value());
  EXPECT_EQ(facts.base_images, (std::vector<std::string>{"python:3.12-slim", "redis:7"}));
}

TEST(ScanDockerfile, AnExposeInABuildStageIsNotTheImagesPort) {
  EXPECT_FALSE(scan_dockerfile("FROM a AS build\nEXPOSE 9000\nFROM scratch\n").port.has_value());
}

TEST(StarterVariantJson, DefaultsThePortTo8080AndListsTheBases) {
  DockerfileFacts facts;
  facts.base_images = {"imgbench/debian:bookworm-slim"};
  EXPECT_EQ(starter_variant_json("mine", facts, "../.."),
            "{\n"
            "  \"description\": \"mine: say here what this image is and how it differs\",\n"
            "  \"context\": \"../..\",\n"
            "  \"port\": 8080,\n"
            "  \"health_path\": \"/healthz\",\n"
            "  \"expect_status\": 200,\n"
            "  \"requires_images\": [\n"
            "    \"imgbench/debian:bookworm-slim\"\n"
            "  ],\n"
            "  \"requires_registry\": false,\n"
            "  \"tags\": []\n"
            "}\n");
  facts.base_images.push_back("python:3.12-slim");
  EXPECT_NE(starter_variant_json("mine", facts, ".").find("\"requires_registry\": true"),
            std::string::npos);
}

TEST(InitVariant, InARepositoryWritesContextOfTheRepositoryAndTheParserLoadsIt) {
  TempDir temp;
  const fs::path repo = temp.path();
  fs::create_directories(repo / "harness");
  const fs::path dir = repo / "variants" / "mine";
  write(dir / "Dockerfile", "FROM imgbench/debian:bookworm-slim\nEXPOSE 9000\nCMD [\"x\"]\n");

  const InitResult result = init_variant(dir, false);
  EXPECT_TRUE(result.in_repository);
  EXPECT_EQ(result.name, "mine");
  EXPECT_EQ(result.context, "../..");
  EXPECT_EQ(read(dir / "variant.json"), result.text);

  const Variant v = parse_variant(read(dir / "variant.json"), dir, repo);
  EXPECT_EQ(v.port, 9000);
  EXPECT_EQ(v.context, repo);
  EXPECT_EQ(v.requires_images, std::vector<std::string>{"imgbench/debian:bookworm-slim"});
  EXPECT_EQ(v.health_path, "/healthz");
  // discover_variants, as `imgbench list` and `run` use it, finds it too.
  ASSERT_EQ(discover_variants(repo / "variants", repo).size(), 1U);
}

TEST(InitVariant, OutsideARepositoryTheFolderIsItsOwnContext) {
  TempDir temp;
  const fs::path dir = temp.path() / "service";
  write(dir / "Dockerfile", "FROM scratch\nCOPY app /app\n");
  const InitResult result = init_variant(dir, false);
  EXPECT_FALSE(result.in_repository);
  EXPECT_EQ(result.context, ".");
  const Variant v = parse_variant(read(dir / "variant.json"), dir, dir);
  EXPECT_EQ(v.port, 8080);
  EXPECT_TRUE(v.requires_images.empty());
}

TEST(InitVariant, RefusesWithoutADockerfile) {
  TempDir temp;
  fs::create_directories(temp.path() / "empty");
  try {
    (void)init_variant(temp.path() / "empty", false);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), kExitUsage);
    EXPECT_NE(std::string(e.what()).find("no Dockerfile"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(temp.path() / "empty" / "variant.json"));
  EXPECT_THROW((void)init_variant(temp.path() / "absent", false), Error);
}

TEST(InitVariant, RefusesToOverwriteUnlessForced) {
  TempDir temp;
  const fs::path dir = temp.path() / "svc";
  write(dir / "Dockerfile", "FROM scratch\nEXPOSE 81\n");
  write(dir / "variant.json", "{\"description\": \"mine, by hand\"}\n");
  try {
    (void)init_variant(dir, false);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), kExitUsage);
    EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read(dir / "variant.json"), "{\"description\": \"mine, by hand\"}\n");
  (void)init_variant(dir, true);
  EXPECT_EQ(parse_variant(read(dir / "variant.json"), dir, dir).port, 81);
}

TEST(InitVariant, RefusesAFolderNameThatIsNotAVariantName) {
  TempDir temp;
  const fs::path dir = temp.path() / "My Service";
  write(dir / "Dockerfile", "FROM scratch\n");
  EXPECT_THROW((void)init_variant(dir, false), Error);
  EXPECT_FALSE(fs::exists(dir / "variant.json"));
}

}  // namespace
}  // namespace imgbench
