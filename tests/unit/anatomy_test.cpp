// Anatomy against `docker save` archives built here with libarchive's writer, in the classic and
// the OCI layout; every figure is checked against arithmetic written next to it.
#include "anatomy.hpp"

// zlib's next_in becomes `const Bytef*`.
#define ZLIB_CONST
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "error.hpp"

namespace imgbench {
namespace {

using Json = nlohmann::json;

enum class Filter { None, Gzip, Zstd };

// Builds a tar (optionally compressed) in memory, the way Go's archive/tar lays one out: pax
// headers only when needed, no padding after the end-of-archive marker.
class TarBuilder {
 public:
  explicit TarBuilder(Filter filter = Filter::None) : archive_(archive_write_new()) {
    archive_write_set_format_pax_restricted(archive_.get());
    if (filter == Filter::Gzip) {
      archive_write_add_filter_gzip(archive_.get());
    } else if (filter == Filter::Zstd) {
      archive_write_add_filter_zstd(archive_.get());
    }
    archive_write_set_bytes_in_last_block(archive_.get(), 1);
    if (archive_write_open(archive_.get(), &out_, nullptr, &TarBuilder::append, nullptr) !=
        ARCHIVE_OK) {
      throw std::runtime_error(archive_error_string(archive_.get()));
    }
  }

  TarBuilder& file(const std::string& path, const std::string& data) {
    return add(path, AE_IFREG, data, {}, {});
  }
  TarBuilder& file(const std::string& path, std::size_t size) {
    return file(path, std::string(size, 'x'));
  }
  TarBuilder& dir(const std::string& path) { return add(path, AE_IFDIR, {}, {}, {}); }
  TarBuilder& symlink(const std::string& path, const std::string& target) {
    return add(path, AE_IFLNK, {}, target, {});
  }
  TarBuilder& hardlink(const std::string& path, const std::string& target) {
    return add(path, AE_IFREG, {}, {}, target);
  }

  std::string finish() {
    if (archive_write_close(archive_.get()) != ARCHIVE_OK) {
      throw std::runtime_error(archive_error_string(archive_.get()));
    }
    return std::move(out_);
  }

 private:
  struct Free {
    void operator()(archive* a) const { archive_write_free(a); }
  };

  static la_ssize_t append(archive*, void* client, const void* buffer, std::size_t size) {
    static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), size);
    return static_cast<la_ssize_t>(size);
  }

  TarBuilder& add(const std::string& path, unsigned type, const std::string& data,
                  const std::string& symlink_target, const std::string& hardlink_target) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(),
                                                                        archive_entry_free);
    archive_entry_set_pathname(entry.get(), path.c_str());
    archive_entry_set_filetype(entry.get(), type);
    archive_entry_set_perm(entry.get(), type == AE_IFDIR ? 0755 : 0644);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(data.size()));
    if (!symlink_target.empty()) {
      archive_entry_set_symlink(entry.get(), symlink_target.c_str());
    }
    if (!hardlink_target.empty()) {
      archive_entry_set_hardlink(entry.get(), hardlink_target.c_str());
    }
    if (archive_write_header(archive_.get(), entry.get()) != ARCHIVE_OK) {
      throw std::runtime_error(archive_error_string(archive_.get()));
    }
    if (!data.empty() && archive_write_data(archive_.get(), data.data(), data.size()) !=
                             static_cast<la_ssize_t>(data.size())) {
      throw std::runtime_error(archive_error_string(archive_.get()));
    }
    return *this;
  }

  std::unique_ptr<archive, Free> archive_;
  std::string out_;
};

// What zlib's gzip wrapper at level 6 makes of `data`, computed independently of the module.
std::int64_t gzip6_size(const std::string& data) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<const Bytef*>(data.data());
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  const auto size = static_cast<std::int64_t>(stream.total_out);
  deflateEnd(&stream);
  return size;
}

struct Layer {
  std::string blob;  // as stored in the archive (maybe compressed)
  std::string tar;   // the uncompressed layer tar
  std::string diff_id;
};

enum class Layout { Classic, Oci, OciWithoutManifest };

struct Image {
  std::vector<Layer> layers;
  Json config;
  std::vector<std::string> repo_tags = {"imgbench/test:1"};
};

std::string hex(char c) { return std::string(64, c); }

// Lays an image out as `docker save` does: Docker 20.10's classic tree, or Docker 25's OCI one.
std::string save_archive(const Image& image, Layout layout, bool with_manifest = true) {
  TarBuilder out;
  Json manifest = Json::array({Json::object()});
  manifest[0]["RepoTags"] = image.repo_tags;
  manifest[0]["Layers"] = Json::array();
  const std::string config = image.config.dump();
  if (layout == Layout::Classic) {
    for (std::size_t i = 0; i < image.layers.size(); ++i) {
      const auto id = hex(static_cast<char>('1' + i));
      out.dir(id + "/").file(id + "/VERSION", "1.0").file(id + "/json", "{}");
      out.file(id + "/layer.tar", image.layers[i].blob);
      manifest[0]["Layers"].push_back(id + "/layer.tar");
    }
    out.file(hex('f') + ".json", config);
    manifest[0]["Config"] = hex('f') + ".json";
  } else {
    Json oci_manifest = {{"schemaVersion", 2},
                         {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                         {"config", {{"digest", "sha256:" + hex('f')}}},
                         {"layers", Json::array()}};
    out.dir("blobs/").dir("blobs/sha256/");
    for (std::size_t i = 0; i < image.layers.size(); ++i) {
      const auto digest = hex(static_cast<char>('a' + i));
      out.file("blobs/sha256/" + digest, image.layers[i].blob);
      manifest[0]["Layers"].push_back("blobs/sha256/" + digest);
      oci_manifest["layers"].push_back({{"digest", "sha256:" + digest}});
    }
    out.file("blobs/sha256/" + hex('f'), config);
    out.file("blobs/sha256/" + hex('e'), oci_manifest.dump());
    manifest[0]["Config"] = "blobs/sha256/" + hex('f');
    out.file(
        "index.json",
        Json{{"schemaVersion", 2}, {"manifests", {{{"digest", "sha256:" + hex('e')}}}}}.dump());
  }
  if (with_manifest && layout != Layout::OciWithoutManifest) {
    out.file("manifest.json", manifest.dump());
  }
  if (layout == Layout::Classic) {
    out.file("repositories", R"({"imgbench/test":{"1":"x"}})");
  } else {
    out.file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  }
  return out.finish();
}

Layer make_layer(TarBuilder& plain, TarBuilder& stored, std::size_t index) {
  Layer layer;
  layer.tar = plain.finish();
  layer.blob = stored.finish();
  layer.diff_id = "sha256:" + hex(static_cast<char>('a' + index));
  return layer;
}

// Owns a temporary file holding `bytes`, positioned at its start.
class TempFile {
 public:
  explicit TempFile(const std::string& bytes) : file_(std::tmpfile()) {
    if (file_ == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size() ||
        std::fflush(file_) != 0) {
      throw std::runtime_error("tmpfile");
    }
    std::rewind(file_);
  }
  ~TempFile() { std::fclose(file_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] int fd() const { return fileno(file_); }

 private:
  std::FILE* file_;
};

ImageAnatomy analyze(const std::string& bytes, const AnatomyOptions& options = {}) {
  TempFile file(bytes);
  return analyze_image_archive(file.fd(), options);
}

// The scenario of the whole suite: three layers, the base one plain, one gzip, one zstd.
//   layer 0 (plain): bin -> usr/bin (7-byte target), usr/bin/dash 100, usr/bin/sh -> dash (4),
//                    etc/config 50, etc/old 30, data/a 200, data/b 300, data/sub/c 400,
//                    opt/x 60, opt/y 70
//   layer 1 (gzip):  etc/config 80 (overwrites 50), etc/.wh.old, .wh.data (the whole directory),
//                    opt/.wh..wh..opq (hides x and y), opt/z 10, app/big 1000
//   layer 2 (zstd):  ./app/.wh.big, ./app/run 5   ("./" names, as some tools write them)
Image scenario() {
  Image image;
  {
    TarBuilder tar;
    tar.symlink("bin", "usr/bin").dir("usr/").dir("usr/bin/");
    tar.file("usr/bin/dash", 100).symlink("usr/bin/sh", "dash");
    tar.dir("etc/").file("etc/config", 50).file("etc/old", 30);
    tar.dir("data/").file("data/a", 200).file("data/b", 300);
    tar.dir("data/sub/").file("data/sub/c", 400);
    tar.dir("opt/").file("opt/x", 60).file("opt/y", 70);
    const auto bytes = tar.finish();
    image.layers.push_back(Layer{bytes, bytes, "sha256:" + hex('a')});
  }
  {
    TarBuilder plain;
    TarBuilder stored(Filter::Gzip);
    for (TarBuilder* tar : {&plain, &stored}) {
      tar->dir("etc/").file("etc/config", 80).file("etc/.wh.old", 0).file(".wh.data", 0);
      tar->dir("opt/").file("opt/.wh..wh..opq", 0).file("opt/z", 10);
      tar->dir("app/").file("app/big", 1000);
    }
    image.layers.push_back(make_layer(plain, stored, 1));
  }
  {
    TarBuilder plain;
    TarBuilder stored(Filter::Zstd);
    for (TarBuilder* tar : {&plain, &stored}) {
      tar->dir("./app/").file("./app/.wh.big", 0).file("./app/run", 5);
    }
    image.layers.push_back(make_layer(plain, stored, 2));
  }
  image.config = {
      {"architecture", "amd64"},
      {"config",
       {{"User", "1000:1000"},
        {"ExposedPorts", {{"9090/udp", Json::object()}, {"8080/tcp", Json::object()}}},
        {"Entrypoint", {"/app/run"}},
        {"Cmd", {"--port", "8080"}}}},
      {"history",
       {{{"created_by", "ADD rootfs.tar /"}},
        {{"created_by", "ENV A=1"}, {"empty_layer", true}},
        {{"created_by", "RUN step-one"}},
        {{"created_by", "EXPOSE 8080"}, {"empty_layer", true}},
        {{"created_by", "RUN step-two"}}}},
      {"rootfs",
       {{"type", "layers"},
        {"diff_ids",
         {image.layers[0].diff_id, image.layers[1].diff_id, image.layers[2].diff_id}}}}};
  return image;
}

class AnatomyLayouts : public ::testing::TestWithParam<Layout> {};

TEST_P(AnatomyLayouts, ScenarioFiguresMatchHandArithmetic) {
  const Image image = scenario();
  AnatomyOptions options;
  options.largest_files = 3;
  options.base_layers = {image.layers[0].diff_id};
  const auto a = analyze(save_archive(image, GetParam()), options);

  EXPECT_EQ(a.layout, GetParam() == Layout::Classic ? SaveLayout::Classic : SaveLayout::Oci);
  ASSERT_EQ(a.layers.size(), 3U);
  EXPECT_EQ(a.history_entries, 5U);

  const auto& l0 = a.layers[0];
  const auto& l1 = a.layers[1];
  const auto& l2 = a.layers[2];
  EXPECT_EQ(l0.created_by, "ADD rootfs.tar /");
  EXPECT_EQ(l1.created_by, "RUN step-one");  // "ENV A=1" is an empty_layer row
  EXPECT_EQ(l2.created_by, "RUN step-two");
  EXPECT_EQ(l1.diff_id, image.layers[1].diff_id);

  // Layer sizes as the engine counts: regular files + symlink target lengths.
  // l0: 100 + 50 + 30 + 200 + 300 + 400 + 60 + 70 = 1210 regular; "usr/bin" 7 + "dash" 4 = 11.
  EXPECT_EQ(l0.size_bytes, 1221);
  EXPECT_EQ(l1.size_bytes, 80 + 10 + 1000);  // whiteouts and markers add nothing
  EXPECT_EQ(l2.size_bytes, 5);
  EXPECT_EQ(a.total_layer_bytes, 1221 + 1090 + 5);  // 2316

  // Tar headers: bin, usr, usr/bin, dash, sh, etc, config, old, data, a, b, sub, c, opt, x, y.
  EXPECT_EQ(l0.entries, 16U);
  EXPECT_EQ(l1.entries, 9U);  // etc, config, .wh.old, .wh.data, opt, .wh..wh..opq, z, app, big
  EXPECT_EQ(l2.entries, 3U);

  // The uncompressed tar is what is measured and compressed, whatever the blob's compression.
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(a.layers[i].tar_bytes, static_cast<std::int64_t>(image.layers[i].tar.size())) << i;
    EXPECT_EQ(a.layers[i].compressed_bytes, gzip6_size(image.layers[i].tar)) << i;
  }
  EXPECT_EQ(a.compressed_bytes, gzip6_size(image.layers[0].tar) + gzip6_size(image.layers[1].tar) +
                                    gzip6_size(image.layers[2].tar));

  // Final filesystem: bin 7, usr/bin/dash 100, usr/bin/sh 4, etc/config 80, opt/z 10, app/run 5.
  EXPECT_EQ(a.final_bytes, 7 + 100 + 4 + 80 + 10 + 5);  // 206
  EXPECT_EQ(a.file_count, 6U);
  // Shadowed: 2316 − 206 = 2110 = l0's config 50 + old 30 + data 200+300+400 + opt 60+70 (1110)
  //                              + l1's big 1000.
  EXPECT_EQ(a.shadowed_bytes, 2110);
  EXPECT_EQ(l0.shadowed_bytes, 1110);
  EXPECT_EQ(l1.shadowed_bytes, 1000);
  EXPECT_EQ(l2.shadowed_bytes, 0);
  EXPECT_EQ(a.wasted_bytes, 2110);
  EXPECT_DOUBLE_EQ(a.efficiency, 206.0 / 2316.0);

  // Files: l0 adds its 10 non-directories (bin, dash, sh, config, old, a, b, c, x, y).
  EXPECT_EQ(l0.files_added, 10U);
  EXPECT_EQ(l0.files_modified, 0U);
  EXPECT_EQ(l0.files_removed, 0U);
  // l1 adds z and big, modifies config, removes old + a, b, c (directory) + x, y (opaque) = 6.
  EXPECT_EQ(l1.files_added, 2U);
  EXPECT_EQ(l1.files_modified, 1U);
  EXPECT_EQ(l1.files_removed, 6U);
  // l2 adds run, removes big.
  EXPECT_EQ(l2.files_added, 1U);
  EXPECT_EQ(l2.files_modified, 0U);
  EXPECT_EQ(l2.files_removed, 1U);

  // dive, leaf visits per path (header sizes, symlinks 0):
  //   bin 0 | usr/bin/dash 100 | usr/bin/sh 0 | etc/config 50, 80 | etc/old 30, 0 (whiteout of a
  //   file) | data/a 200 | data/b 300 | data/sub/c 400 | data 900 (whiteout of a directory: its
  //   subtree below) | opt/x 60 | opt/y 70 (dive ignores the opaque marker) | opt/z 10 |
  //   app/big 1000, 0 | app/run 5
  // Σ cumulative = 100 + 130 + 30 + 200 + 300 + 400 + 900 + 60 + 70 + 10 + 1000 + 5 = 3205
  // Σ minimum    = 100 +  50 +  0 + 200 + 300 + 400 + 900 + 60 + 70 + 10 +    0 + 5 = 2095
  // wasted = paths seen twice: etc/config 130 + etc/old 30 + app/big 1000 = 1160
  EXPECT_EQ(a.dive_wasted_bytes, 1160);
  EXPECT_DOUBLE_EQ(a.dive_efficiency, 2095.0 / 3205.0);
  // dive's user bytes: header sizes of layers 1.. = 1090 + 5 = 1095.
  ASSERT_TRUE(a.dive_user_wasted_fraction.has_value());
  EXPECT_DOUBLE_EQ(*a.dive_user_wasted_fraction, 1160.0 / 1095.0);

  // Base split at the given base image's diff ids.
  EXPECT_TRUE(l0.base);
  EXPECT_FALSE(l1.base);
  EXPECT_EQ(a.base_layer_count, 1U);
  EXPECT_EQ(a.base_bytes, 1221);
  EXPECT_EQ(a.own_bytes, 1095);

  ASSERT_EQ(a.largest_files.size(), 3U);
  EXPECT_EQ(a.largest_files[0].path, "/usr/bin/dash");
  EXPECT_EQ(a.largest_files[0].size_bytes, 100);
  EXPECT_EQ(a.largest_files[0].layer, 0U);
  EXPECT_EQ(a.largest_files[1].path, "/etc/config");
  EXPECT_EQ(a.largest_files[1].size_bytes, 80);
  EXPECT_EQ(a.largest_files[1].layer, 1U);
  EXPECT_EQ(a.largest_files[2].path, "/opt/z");

  // /bin/sh: bin -> usr/bin, then usr/bin/sh -> dash, a regular file.
  EXPECT_TRUE(a.has_shell);
  EXPECT_EQ(a.user, "1000:1000");
  EXPECT_FALSE(a.runs_as_root);
  EXPECT_EQ(a.exposed_ports, (std::vector<std::string>{"8080/tcp", "9090/udp"}));
  EXPECT_EQ(a.entrypoint, (std::vector<std::string>{"/app/run"}));
  EXPECT_EQ(a.cmd, (std::vector<std::string>{"--port", "8080"}));
  if (GetParam() != Layout::OciWithoutManifest) {
    EXPECT_EQ(a.repo_tags, (std::vector<std::string>{"imgbench/test:1"}));
  }
}

INSTANTIATE_TEST_SUITE_P(Anatomy, AnatomyLayouts,
                         ::testing::Values(Layout::Classic, Layout::Oci,
                                           Layout::OciWithoutManifest),
                         [](const auto& param_info) {
                           switch (param_info.param) {
                             case Layout::Classic:
                               return std::string("Classic");
                             case Layout::Oci:
                               return std::string("Oci");
                             default:
                               return std::string("OciIndexOnly");
                           }
                         });

Image one_layer_image(TarBuilder& tar, const Json& settings) {
  Image image;
  image.layers.push_back(Layer{tar.finish(), {}, "sha256:" + hex('a')});
  image.layers[0].tar = image.layers[0].blob;
  image.config = {{"config", settings},
                  {"history", {{{"created_by", "COPY x /"}}}},
                  {"rootfs", {{"diff_ids", {image.layers[0].diff_id}}}}};
  return image;
}

TEST(Anatomy, RootIsEmptyRootZeroOrUidZeroWithAnyGroup) {
  for (const auto* user : {"", "root", "0", "0:0", "root:staff", "0:1000"}) {
    TarBuilder tar;
    tar.file("x", 1);
    const auto a = analyze(save_archive(one_layer_image(tar, {{"User", user}}), Layout::Classic));
    EXPECT_TRUE(a.runs_as_root) << '"' << user << '"';
  }
  for (const auto* user : {"1000", "app", "nobody:nogroup", "1000:0"}) {
    TarBuilder tar;
    tar.file("x", 1);
    const auto a = analyze(save_archive(one_layer_image(tar, {{"User", user}}), Layout::Classic));
    EXPECT_FALSE(a.runs_as_root) << '"' << user << '"';
  }
}

TEST(Anatomy, NoConfigSettingsMeansRootNoPortsNoCommand) {
  TarBuilder tar;
  tar.file("x", 1);
  auto image = one_layer_image(tar, {});
  image.config.erase("config");
  const auto a = analyze(save_archive(image, Layout::Classic));
  EXPECT_TRUE(a.runs_as_root);
  EXPECT_TRUE(a.exposed_ports.empty());
  EXPECT_TRUE(a.cmd.empty());
  // One layer: dive's user bytes (layers above the first) are 0, so its fraction is absent.
  EXPECT_FALSE(a.dive_user_wasted_fraction.has_value());
}

TEST(Anatomy, ShellAbsentDanglingOrLoopingIsNoShell) {
  {
    TarBuilder tar;  // a static image: one binary, no /bin at all
    tar.file("server", 10);
    EXPECT_FALSE(analyze(save_archive(one_layer_image(tar, {}), Layout::Classic)).has_shell);
  }
  {
    TarBuilder tar;  // /bin/sh points at a file that is not there
    tar.dir("bin/").symlink("bin/sh", "/bin/busybox");
    EXPECT_FALSE(analyze(save_archive(one_layer_image(tar, {}), Layout::Classic)).has_shell);
  }
  {
    TarBuilder tar;  // a loop: bin/sh -> bin/a -> bin/sh
    tar.dir("bin/").symlink("bin/sh", "a").symlink("bin/a", "/bin/sh");
    EXPECT_FALSE(analyze(save_archive(one_layer_image(tar, {}), Layout::Classic)).has_shell);
  }
  {
    TarBuilder tar;  // busybox style: an absolute link to a hard link of the real binary
    tar.file("bin/busybox", 10).hardlink("bin/ash", "bin/busybox").symlink("bin/sh", "/bin/ash");
    EXPECT_TRUE(analyze(save_archive(one_layer_image(tar, {}), Layout::Classic)).has_shell);
  }
}

TEST(Anatomy, HardLinkAddsNoBytesAndLargestFilesSkipIt) {
  TarBuilder tar;
  tar.file("a", 10).hardlink("b", "a");  // one inode: the engine counts 10 bytes, not 20
  const auto a = analyze(save_archive(one_layer_image(tar, {}), Layout::Classic));
  EXPECT_EQ(a.total_layer_bytes, 10);
  EXPECT_EQ(a.final_bytes, 10);
  EXPECT_EQ(a.file_count, 2U);
  ASSERT_EQ(a.largest_files.size(), 1U);
  EXPECT_EQ(a.largest_files[0].path, "/a");
}

TEST(Anatomy, BaseSplitStopsAtTheFirstDifferentDiffId) {
  const Image image = scenario();
  const auto bytes = save_archive(image, Layout::Classic);
  AnatomyOptions options;
  options.base_layers = {image.layers[0].diff_id, "sha256:" + hex('9'), image.layers[2].diff_id};
  auto a = analyze(bytes, options);
  EXPECT_EQ(a.base_layer_count, 1U);  // layer 1 differs, so layer 2 is the image's own too
  EXPECT_FALSE(a.layers[2].base);
  options.base_layers = {"sha256:" + hex('9')};
  a = analyze(bytes, options);
  EXPECT_EQ(a.base_layer_count, 0U);
  EXPECT_EQ(a.base_bytes, 0);
  EXPECT_EQ(a.own_bytes, 2316);
  options.base_layers = {image.layers[0].diff_id, image.layers[1].diff_id, image.layers[2].diff_id};
  a = analyze(bytes, options);
  EXPECT_EQ(a.base_layer_count, 3U);
  EXPECT_EQ(a.own_bytes, 0);
}

TEST(Anatomy, RepeatedLayerSavedAsSymlinkIsAnalysedFromTheFirstCopy) {
  // Docker 20.10 writes a layer whose diff id it already wrote as `<id>/layer.tar ->
  // ../<first id>/layer.tar`.
  TarBuilder layer;
  layer.dir("app/").file("app/x", 40);
  const auto tar = layer.finish();
  TarBuilder out;
  out.dir(hex('1') + "/").file(hex('1') + "/layer.tar", tar);
  out.dir(hex('2') + "/").symlink(hex('2') + "/layer.tar", "../" + hex('1') + "/layer.tar");
  const Json config = {{"rootfs", {{"diff_ids", {"sha256:" + hex('a'), "sha256:" + hex('a')}}}}};
  out.file(hex('f') + ".json", config.dump());
  const Json manifest = {{{"Config", hex('f') + ".json"},
                          {"Layers", {hex('1') + "/layer.tar", hex('2') + "/layer.tar"}}}};
  out.file("manifest.json", manifest.dump());
  const auto a = analyze(out.finish());
  ASSERT_EQ(a.layers.size(), 2U);
  EXPECT_EQ(a.layers[1].size_bytes, 40);
  EXPECT_EQ(a.layers[1].files_modified, 1U);  // app/x again
  EXPECT_EQ(a.shadowed_bytes, 40);            // 80 written, 40 visible
}

TEST(Anatomy, EmptyLayerTarHasNoFilesButItsBytes) {
  TarBuilder tar;  // just the end-of-archive marker: 1024 zero bytes
  const auto a = analyze(save_archive(one_layer_image(tar, {}), Layout::Oci));
  ASSERT_EQ(a.layers.size(), 1U);
  EXPECT_EQ(a.layers[0].tar_bytes, 1024);
  EXPECT_EQ(a.layers[0].entries, 0U);
  EXPECT_EQ(a.total_layer_bytes, 0);
  EXPECT_DOUBLE_EQ(a.efficiency, 1.0);
  EXPECT_DOUBLE_EQ(a.dive_efficiency, 1.0);
}

TEST(Anatomy, ReadsFromAPipeAndDrainsItSoTheWriterFinishes) {
  std::signal(SIGPIPE, SIG_IGN);  // a broken pipe must show up as a short write, not kill us
  const auto bytes = save_archive(scenario(), Layout::Classic) + std::string(256 * 1024, '\0');
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::size_t written = 0;
  std::thread writer([&] {
    while (written < bytes.size()) {
      const auto got = ::write(fds[1], bytes.data() + written, bytes.size() - written);
      if (got <= 0) {
        break;
      }
      written += static_cast<std::size_t>(got);
    }
    ::close(fds[1]);
  });
  ImageAnatomy a;
  EXPECT_NO_THROW(a = analyze_image_archive(fds[0], {}));
  ::close(fds[0]);
  writer.join();
  EXPECT_EQ(written, bytes.size());
  EXPECT_EQ(a.total_layer_bytes, 2316);
}

std::string error_of(const std::string& bytes) {
  try {
    (void)analyze(bytes);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Anatomy, TruncatedInsideAGzipLayerNamesTheLayer) {
  const Image image = scenario();
  const auto bytes = save_archive(image, Layout::Classic);
  const auto at = bytes.find(image.layers[1].blob);
  ASSERT_NE(at, std::string::npos);
  const auto message = error_of(bytes.substr(0, at + image.layers[1].blob.size() / 2));
  EXPECT_NE(message.find(hex('2') + "/layer.tar"), std::string::npos) << message;
}

TEST(Anatomy, TruncatedInsideAPlainLayerNamesTheLayer) {
  const Image image = scenario();
  const auto bytes = save_archive(image, Layout::Oci);
  const auto at = bytes.find(image.layers[0].blob);
  ASSERT_NE(at, std::string::npos);
  const auto message = error_of(bytes.substr(0, at + image.layers[0].blob.size() / 2));
  EXPECT_NE(message.find("blobs/sha256/" + hex('a')), std::string::npos) << message;
}

TEST(Anatomy, TruncatedBetweenEntriesIsAnError) {
  const Image image = scenario();
  const auto bytes = save_archive(image, Layout::Classic);
  const auto at = bytes.find(image.layers[2].blob);  // cut just after layer 2's header
  ASSERT_NE(at, std::string::npos);
  const auto message = error_of(bytes.substr(0, at));
  EXPECT_NE(message.find(hex('3') + "/layer.tar"), std::string::npos) << message;
}

TEST(Anatomy, MissingManifestIsAnError) {
  const auto message = error_of(save_archive(scenario(), Layout::Classic, false));
  EXPECT_NE(message.find("no manifest.json"), std::string::npos) << message;
}

TEST(Anatomy, ConfigNamedByTheManifestMustBeThere) {
  TarBuilder out;
  out.file("manifest.json", R"([{"Config":"cfg.json","Layers":[]}])");
  const auto message = error_of(out.finish());
  EXPECT_NE(message.find("cfg.json"), std::string::npos) << message;
}

TEST(Anatomy, DiffIdCountMustMatchTheManifestLayers) {
  auto image = scenario();
  image.config["rootfs"]["diff_ids"].erase(2);
  const auto message = error_of(save_archive(image, Layout::Classic));
  EXPECT_NE(message.find("diff_ids has 2 entries"), std::string::npos) << message;
}

TEST(Anatomy, NotAnArchiveIsAnError) {
  const auto message = error_of(std::string(4096, 'z'));
  EXPECT_NE(message.find("docker save stream"), std::string::npos) << message;
}

}  // namespace
}  // namespace imgbench
