#include "anatomy.hpp"

// zlib's next_in becomes `const Bytef*`, so layer data is never cast to mutable.
#define ZLIB_CONST
#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "error.hpp"

namespace imgbench {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kWhiteoutMetaPrefix = ".wh..wh.";  // aufs bookkeeping, not a deletion
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr std::size_t kSniffBytes = 512;            // one tar header: enough to tell tar from JSON
constexpr std::int64_t kMaxJsonBytes = 64LL << 20;  // configs with long histories stay far below
constexpr std::size_t kReadBlockBytes = 128 * 1024;
constexpr int kGzipLevel = 6;             // gzip's and a registry client's default
constexpr int kGzipWindowBits = 15 + 16;  // +16: gzip header and trailer, as `gzip -6` writes
constexpr int kMaxLinkHops = 40;          // the kernel's limit (ELOOP)

[[noreturn]] void fail(const std::string& what) { throw Error("docker save stream: " + what); }

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

[[nodiscard]] ArchivePtr new_reader() {
  ArchivePtr reader(archive_read_new());
  if (!reader) {
    fail("archive_read_new: out of memory");
  }
  return reader;
}

[[nodiscard]] std::string error_of(archive* a) {
  const char* text = archive_error_string(a);
  return text != nullptr ? text : "unknown libarchive error";
}

// Gzip and zstd are what registries and `docker save` use; xz and bzip2 cost nothing more. Not
// filter_all: several of its filters fall back to spawning external programs.
void support_compressions(archive* a) {
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_zstd(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_bzip2(a);
}

// ---- paths ----------------------------------------------------------------------------------

// "/a/./b/../c/" → "a/c": tar names, symlink targets inside the archive, all without a leading /.
[[nodiscard]] std::string clean_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const auto part = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      if (!parts.empty()) {
        parts.pop_back();
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (const auto part : parts) {
    if (!out.empty()) {
      out += '/';
    }
    out += part;
  }
  return out;
}

[[nodiscard]] std::string_view parent_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash);
}

[[nodiscard]] std::string_view name_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

[[nodiscard]] std::string join_path(std::string_view parent, std::string_view name) {
  std::string out(parent);
  if (!out.empty()) {
    out += '/';
  }
  out += name;
  return out;
}

// Every key below `dir` in a map ordered by path: "dir/" ≤ key < "dir0" ('0' follows '/').
template <typename Map>
[[nodiscard]] auto subtree_of(Map& map, const std::string& dir) {
  if (dir.empty()) {
    return std::pair{map.begin(), map.end()};
  }
  return std::pair{map.lower_bound(dir + '/'), map.lower_bound(dir + '0')};
}

// ---- one layer, streamed into a compact summary --------------------------------------------

enum class EntryKind : std::uint8_t {
  Regular,
  Directory,
  Symlink,
  HardLink,
  Other,
  Whiteout,
  Opaque
};

struct LayerEntry {
  std::string path;  // Whiteout: the path it deletes; Opaque: the directory it empties
  EntryKind kind = EntryKind::Regular;
  std::int64_t size_bytes = 0;  // the engine's measure; see LayerAnatomy::size_bytes
  std::string link;             // symlink target
  [[nodiscard]] bool is_directory() const { return kind == EntryKind::Directory; }
  [[nodiscard]] std::int64_t header_bytes() const {  // what dive counts
    return kind == EntryKind::Regular ? size_bytes : 0;
  }
};

struct LayerSummary {
  std::vector<LayerEntry> entries;
  std::size_t tar_entries = 0;
  std::int64_t tar_bytes = 0;
  std::int64_t compressed_bytes = 0;
};

// Counts what zlib would write for `gzip -6` of the bytes it is fed; keeps none of them.
class GzipSizer {
 public:
  GzipSizer() {
    if (deflateInit2(&stream_, kGzipLevel, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
      fail("zlib deflateInit2 failed");
    }
  }
  ~GzipSizer() { deflateEnd(&stream_); }
  GzipSizer(const GzipSizer&) = delete;
  GzipSizer& operator=(const GzipSizer&) = delete;

  void add(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const Bytef*>(data);
    while (size > 0) {
      const auto chunk = std::min<std::size_t>(size, 1U << 30);  // avail_in is 32 bits
      run(bytes, chunk, Z_NO_FLUSH);
      bytes += chunk;
      size -= chunk;
    }
  }
  [[nodiscard]] std::int64_t finish() {
    run(nullptr, 0, Z_FINISH);
    return produced_;
  }

 private:
  void run(const Bytef* data, std::size_t size, int flush) {
    stream_.next_in = data;
    stream_.avail_in = static_cast<uInt>(size);
    for (;;) {
      stream_.next_out = out_.data();
      stream_.avail_out = static_cast<uInt>(out_.size());
      const int rc = deflate(&stream_, flush);
      if (rc == Z_STREAM_ERROR) {
        fail("zlib deflate failed");
      }
      produced_ += static_cast<std::int64_t>(out_.size() - stream_.avail_out);
      if (flush == Z_FINISH ? rc == Z_STREAM_END : stream_.avail_out != 0) {
        return;
      }
    }
  }

  z_stream stream_{};
  std::array<Bytef, 64 * 1024> out_{};
  std::int64_t produced_ = 0;
};

// Stage 1 reads the outer entry's bytes (after a prefix already taken to sniff the blob's kind).
struct OuterFeed {
  archive* outer = nullptr;
  std::string prefix;
  std::size_t prefix_served = 0;
  bool ended = false;
};

// Fills `feed.prefix` with at least kSniffBytes of the current entry (fewer when it is shorter).
void sniff(OuterFeed& feed, const std::string& name) {
  while (!feed.ended && feed.prefix.size() < kSniffBytes) {
    const void* block = nullptr;
    std::size_t size = 0;
    la_int64_t offset = 0;
    const int rc = archive_read_data_block(feed.outer, &block, &size, &offset);
    if (rc == ARCHIVE_EOF) {
      feed.ended = true;
    } else if (rc < ARCHIVE_WARN) {
      fail("reading " + name + ": " + error_of(feed.outer));
    } else {
      feed.prefix.append(static_cast<const char*>(block), size);
    }
  }
}

la_ssize_t read_outer_entry(archive* self, void* client, const void** buffer) {
  auto& feed = *static_cast<OuterFeed*>(client);
  if (feed.prefix_served < feed.prefix.size()) {
    *buffer = feed.prefix.data() + feed.prefix_served;
    const auto size = feed.prefix.size() - feed.prefix_served;
    feed.prefix_served = feed.prefix.size();
    return static_cast<la_ssize_t>(size);
  }
  while (!feed.ended) {
    std::size_t size = 0;
    la_int64_t offset = 0;
    const int rc = archive_read_data_block(feed.outer, buffer, &size, &offset);
    if (rc == ARCHIVE_EOF) {
      feed.ended = true;
    } else if (rc < ARCHIVE_WARN) {
      archive_set_error(self, EIO, "%s", error_of(feed.outer).c_str());
      return -1;
    } else if (size > 0) {
      return static_cast<la_ssize_t>(size);
    }
  }
  return 0;
}

// Stage 2 hands stage 1's decompressed bytes (the layer tar itself) to the tar parser, and sizes
// them on the way: the tar stream is what diff ids and pushes are made of.
struct TarFeed {
  archive* raw = nullptr;
  GzipSizer* gzip = nullptr;  // null when not estimating
  std::int64_t bytes = 0;
  bool ended = false;
};

la_ssize_t read_layer_tar(archive* self, void* client, const void** buffer) {
  auto& feed = *static_cast<TarFeed*>(client);
  while (!feed.ended) {
    std::size_t size = 0;
    la_int64_t offset = 0;
    const int rc = archive_read_data_block(feed.raw, buffer, &size, &offset);
    if (rc == ARCHIVE_EOF) {
      feed.ended = true;
    } else if (rc < ARCHIVE_WARN) {
      if (self != nullptr) {
        archive_set_error(self, EIO, "%s", error_of(feed.raw).c_str());
      }
      return -1;
    } else if (size > 0) {
      if (feed.gzip != nullptr) {
        feed.gzip->add(*buffer, size);
      }
      feed.bytes += static_cast<la_int64_t>(size);
      return static_cast<la_ssize_t>(size);
    }
  }
  return 0;
}

// One tar header → what the replay needs; std::nullopt for entries that change nothing.
[[nodiscard]] std::optional<LayerEntry> to_layer_entry(archive_entry* entry,
                                                       const std::string& layer) {
  const char* raw_path = archive_entry_pathname(entry);
  if (raw_path == nullptr) {
    raw_path = archive_entry_pathname_utf8(entry);
  }
  if (raw_path == nullptr) {
    fail("layer " + layer + ": a tar entry without a readable path name");
  }
  LayerEntry out;
  out.path = clean_path(raw_path);
  if (out.path.empty()) {
    return std::nullopt;  // the root directory itself
  }
  const auto name = name_of(out.path);
  if (name.starts_with(kWhiteoutPrefix)) {
    if (name == kOpaqueMarker) {
      out.path = std::string(parent_of(out.path));
      out.kind = EntryKind::Opaque;
      return out;
    }
    if (name.starts_with(kWhiteoutMetaPrefix)) {
      return std::nullopt;
    }
    out.path = join_path(parent_of(out.path), name.substr(kWhiteoutPrefix.size()));
    out.kind = EntryKind::Whiteout;
    return out;
  }
  // A hard link's data belongs to its first name: the engine counts one inode once.
  if (archive_entry_hardlink(entry) != nullptr) {
    out.kind = EntryKind::HardLink;
    return out;
  }
  switch (archive_entry_filetype(entry)) {
    case AE_IFREG:
      out.kind = EntryKind::Regular;
      out.size_bytes = archive_entry_size(entry);
      break;
    case AE_IFDIR:
      out.kind = EntryKind::Directory;
      break;
    case AE_IFLNK: {
      const char* target = archive_entry_symlink(entry);
      out.kind = EntryKind::Symlink;
      out.link = target != nullptr ? target : "";
      // The engine walks the unpacked layer with lstat: a symlink's size is its target's length.
      out.size_bytes = static_cast<std::int64_t>(out.link.size());
      break;
    }
    default:
      out.kind = EntryKind::Other;
      break;
  }
  return out;
}

// Streams one layer blob from the outer archive's current entry: decompress (stage 1), parse the
// tar (stage 2), keep one LayerEntry a path. Neither the blob nor the tar is ever held whole.
[[nodiscard]] LayerSummary summarize_layer(OuterFeed feed, const std::string& name,
                                           bool estimate_compressed) {
  auto raw = new_reader();
  support_compressions(raw.get());
  archive_read_support_format_raw(raw.get());
  if (archive_read_open(raw.get(), &feed, nullptr, read_outer_entry, nullptr) != ARCHIVE_OK) {
    fail("layer " + name + ": " + error_of(raw.get()));
  }
  archive_entry* entry = nullptr;
  int rc = archive_read_next_header(raw.get(), &entry);
  LayerSummary summary;
  if (rc == ARCHIVE_EOF) {
    return summary;  // an empty blob: no files
  }
  if (rc < ARCHIVE_WARN) {
    fail("layer " + name + ": " + error_of(raw.get()));
  }

  std::optional<GzipSizer> gzip;
  if (estimate_compressed) {
    gzip.emplace();
  }
  TarFeed tar_feed{raw.get(), gzip ? &*gzip : nullptr, 0, false};
  auto tar = new_reader();
  archive_read_support_format_tar(tar.get());
  archive_read_support_format_empty(tar.get());
  if (archive_read_open(tar.get(), &tar_feed, nullptr, read_layer_tar, nullptr) != ARCHIVE_OK) {
    fail("layer " + name + ": not a tar archive: " + error_of(tar.get()));
  }
  std::string last = "its first entry";
  for (;;) {
    rc = archive_read_next_header(tar.get(), &entry);
    if (rc == ARCHIVE_EOF) {
      break;
    }
    if (rc < ARCHIVE_WARN) {
      fail("layer " + name + ", after " + last + ": " + error_of(tar.get()));
    }
    ++summary.tar_entries;
    if (auto layer_entry = to_layer_entry(entry, name)) {
      last = layer_entry->path;
      summary.entries.push_back(std::move(*layer_entry));
    }
  }
  // Blocks after the end-of-archive marker still belong to the layer tar (its diff id covers
  // them, a push sends them): size and compress them too.
  const void* ignored = nullptr;
  for (;;) {
    const auto got = read_layer_tar(nullptr, &tar_feed, &ignored);
    if (got == 0) {
      break;
    }
    if (got < 0) {
      fail("layer " + name + ", after its end-of-archive marker: " + error_of(raw.get()));
    }
  }
  summary.tar_bytes = tar_feed.bytes;
  summary.compressed_bytes = gzip ? gzip->finish() : 0;
  return summary;
}

// ---- the outer archive ----------------------------------------------------------------------

struct SavedArchive {
  std::map<std::string, LayerSummary, std::less<>> layers;  // by archive path
  std::map<std::string, std::string, std::less<>> texts;    // small JSON files by archive path
  std::map<std::string, std::string, std::less<>> aliases;  // symlinks and hard links
  bool oci = false;
  std::size_t entries = 0;
};

[[nodiscard]] std::string read_text(OuterFeed feed, archive_entry* entry, const std::string& name) {
  if (archive_entry_size_is_set(entry) != 0 && archive_entry_size(entry) > kMaxJsonBytes) {
    fail(name + ": " + std::to_string(archive_entry_size(entry)) + " bytes, more than a JSON " +
         "document of `docker save` ever needs");
  }
  std::string text = std::move(feed.prefix);
  std::array<char, 16 * 1024> block{};
  for (;;) {
    if (feed.ended) {
      break;
    }
    const auto got = archive_read_data(feed.outer, block.data(), block.size());
    if (got == 0) {
      break;
    }
    if (got < 0) {
      fail("reading " + name + ": " + error_of(feed.outer));
    }
    text.append(block.data(), static_cast<std::size_t>(got));
    if (static_cast<std::int64_t>(text.size()) > kMaxJsonBytes) {
      fail(name + ": larger than " + std::to_string(kMaxJsonBytes) + " bytes");
    }
  }
  return text;
}

[[nodiscard]] bool looks_like_json(std::string_view prefix) {
  const auto first = prefix.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && (prefix[first] == '{' || prefix[first] == '[');
}

void read_saved_entry(archive* outer, archive_entry* entry, SavedArchive& saved,
                      const AnatomyOptions& options) {
  const char* raw_name = archive_entry_pathname(entry);
  const std::string name = clean_path(raw_name != nullptr ? raw_name : "");
  if (name == "oci-layout" || name == "index.json" || name.starts_with("blobs/")) {
    saved.oci = true;
  }
  // `docker save` writes a layer that repeats an earlier one as a link to the first copy.
  if (const char* target = archive_entry_hardlink(entry); target != nullptr) {
    saved.aliases[name] = clean_path(target);
    return;
  }
  if (archive_entry_filetype(entry) == AE_IFLNK) {
    const char* target = archive_entry_symlink(entry);
    const std::string_view link = target != nullptr ? target : "";
    saved.aliases[name] =
        link.starts_with('/') ? clean_path(link) : clean_path(join_path(parent_of(name), link));
    return;
  }
  if (archive_entry_filetype(entry) != AE_IFREG) {
    return;
  }
  OuterFeed feed{outer, {}, 0, false};
  if (name_of(name) == "layer.tar") {
    saved.layers.insert_or_assign(
        name, summarize_layer(std::move(feed), name, options.estimate_compressed));
    return;
  }
  const bool top_level = name.find('/') == std::string::npos;
  if (name.starts_with("blobs/")) {
    // OCI blobs are named by digest only: a tar (maybe compressed) is a layer, JSON is a
    // manifest, an index or a config.
    sniff(feed, name);
    if (looks_like_json(feed.prefix)) {
      saved.texts.insert_or_assign(name, read_text(std::move(feed), entry, name));
    } else {
      saved.layers.insert_or_assign(
          name, summarize_layer(std::move(feed), name, options.estimate_compressed));
    }
    return;
  }
  if (top_level && (name.ends_with(".json") || name == "repositories")) {
    saved.texts.insert_or_assign(name, read_text(std::move(feed), entry, name));
  }
  // Anything else (`<id>/json`, `<id>/VERSION`, `oci-layout`) is skipped unread.
}

void drain(int fd) {
  std::array<char, 64 * 1024> sink{};
  for (;;) {
    const auto got = ::read(fd, sink.data(), sink.size());
    if (got > 0 || (got < 0 && errno == EINTR)) {
      continue;
    }
    return;
  }
}

// ---- manifest and config --------------------------------------------------------------------

struct ImageRef {
  std::string config;
  std::vector<std::string> layers;
  std::vector<std::string> repo_tags;
  std::string source;  // which file named them, for error messages
};

[[nodiscard]] std::string resolve_alias(const SavedArchive& saved, std::string path) {
  for (int hop = 0; hop < kMaxLinkHops; ++hop) {
    const auto it = saved.aliases.find(path);
    if (it == saved.aliases.end()) {
      break;
    }
    path = it->second;
  }
  return path;
}

[[nodiscard]] Json parse_json(const std::string& text, const std::string& name) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    fail(name + ": not valid JSON: " + e.what());
  }
}

[[nodiscard]] const std::string& text_of(const SavedArchive& saved, const std::string& path,
                                         const std::string& named_by) {
  const auto it = saved.texts.find(resolve_alias(saved, path));
  if (it == saved.texts.end()) {
    fail(path + ", named by " + named_by + ", is not in the archive");
  }
  return it->second;
}

[[nodiscard]] std::string string_field(const Json& object, const char* key,
                                       const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) {
    fail(where + ": field \"" + key + "\" is missing or not a string");
  }
  return it->get<std::string>();
}

// null, absent or an array of strings (`Cmd`, `Entrypoint`, `RepoTags`).
[[nodiscard]] std::vector<std::string> strings_field(const Json& object, const char* key,
                                                     const std::string& where) {
  std::vector<std::string> out;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return out;
  }
  if (!it->is_array()) {
    fail(where + ": field \"" + key + "\" is not an array");
  }
  for (const auto& item : *it) {
    if (!item.is_string()) {
      fail(where + ": field \"" + key + "\" holds a value that is not a string");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

[[nodiscard]] std::string blob_path(const std::string& digest) {
  const auto colon = digest.find(':');
  if (colon == std::string::npos) {
    fail("digest \"" + digest + "\" has no algorithm prefix");
  }
  return "blobs/" + digest.substr(0, colon) + "/" + digest.substr(colon + 1);
}

[[nodiscard]] ImageRef image_ref_from_manifest(const SavedArchive& saved) {
  const auto& text = saved.texts.find("manifest.json")->second;
  const Json manifest = parse_json(text, "manifest.json");
  if (!manifest.is_array() || manifest.size() != 1) {
    fail("manifest.json: expected an array with exactly one image");
  }
  const auto& image = manifest[0];
  ImageRef ref;
  ref.source = "manifest.json";
  ref.config = clean_path(string_field(image, "Config", "manifest.json"));
  for (auto& layer : strings_field(image, "Layers", "manifest.json")) {
    ref.layers.push_back(clean_path(layer));
  }
  ref.repo_tags = strings_field(image, "RepoTags", "manifest.json");
  return ref;
}

// A pure OCI archive (no manifest.json): index.json → (nested indexes) → image manifest.
[[nodiscard]] ImageRef image_ref_from_index(const SavedArchive& saved) {
  Json document = parse_json(saved.texts.find("index.json")->second, "index.json");
  std::string where = "index.json";
  for (int depth = 0; depth < kMaxLinkHops && document.contains("manifests"); ++depth) {
    const auto& manifests = document["manifests"];
    if (!manifests.is_array() || manifests.size() != 1) {
      fail(where + ": expected exactly one manifest");
    }
    const auto path = blob_path(string_field(manifests[0], "digest", where));
    document = parse_json(text_of(saved, path, where), path);
    where = path;
  }
  ImageRef ref;
  ref.source = where;
  if (!document.contains("config") || !document["config"].is_object()) {
    fail(where + ": no \"config\" descriptor");
  }
  ref.config = blob_path(string_field(document["config"], "digest", where));
  if (!document.contains("layers") || !document["layers"].is_array()) {
    fail(where + ": no \"layers\" array");
  }
  for (const auto& layer : document["layers"]) {
    ref.layers.push_back(blob_path(string_field(layer, "digest", where)));
  }
  return ref;
}

[[nodiscard]] bool is_root_user(std::string_view user) {
  const auto name = user.substr(0, user.find(':'));
  return name.empty() || name == "root" || name == "0";
}

void read_config(const Json& config, const std::string& where, ImageAnatomy& out,
                 std::vector<std::string>& diff_ids) {
  if (!config.is_object()) {
    fail(where + ": not a JSON object");
  }
  if (!config.contains("rootfs") || !config["rootfs"].is_object()) {
    fail(where + ": no \"rootfs\" object");
  }
  diff_ids = strings_field(config["rootfs"], "diff_ids", where + " rootfs");
  std::vector<std::string> created_by;
  if (const auto it = config.find("history"); it != config.end() && it->is_array()) {
    out.history_entries = it->size();
    for (const auto& row : *it) {
      if (row.value("empty_layer", false)) {
        continue;
      }
      created_by.push_back(row.value("created_by", std::string{}));
    }
  }
  for (std::size_t i = 0; i < out.layers.size() && i < created_by.size(); ++i) {
    out.layers[i].created_by = created_by[i];
  }
  const auto settings = config.find("config");
  if (settings == config.end() || !settings->is_object()) {
    return;  // no runtime settings: root, no ports, no command
  }
  if (const auto user = settings->find("User"); user != settings->end() && user->is_string()) {
    out.user = user->get<std::string>();
  }
  if (const auto ports = settings->find("ExposedPorts");
      ports != settings->end() && ports->is_object()) {
    for (const auto& item : ports->items()) {
      out.exposed_ports.push_back(item.key());
    }
  }
  out.entrypoint = strings_field(*settings, "Entrypoint", where + " config");
  out.cmd = strings_field(*settings, "Cmd", where + " config");
}

// ---- replay: the exact merged filesystem ----------------------------------------------------

struct FsNode {
  EntryKind kind = EntryKind::Regular;
  std::int64_t size_bytes = 0;
  std::size_t layer = 0;
  std::string link;
};
using Filesystem = std::map<std::string, FsNode, std::less<>>;

// Stacks layers as overlayfs does and books every byte that stops being visible on the layer
// that wrote it: total = final + shadowed holds by construction.
class Replay {
 public:
  explicit Replay(std::vector<LayerAnatomy>& layers) : layers_(layers) {}

  void apply(std::size_t index, const LayerSummary& summary) {
    // Whiteouts and opaque markers hide what the layers below hold, never this layer's own files,
    // so they all apply before the layer's additions, wherever they sit in the tar.
    for (const auto& entry : summary.entries) {
      if (entry.kind == EntryKind::Whiteout) {
        if (const auto it = fs_.find(entry.path); it != fs_.end()) {
          hide(it, index);
        }
        hide_below(entry.path, index);
      } else if (entry.kind == EntryKind::Opaque) {
        hide_below(entry.path, index);
      }
    }
    for (const auto& entry : summary.entries) {
      if (entry.kind != EntryKind::Whiteout && entry.kind != EntryKind::Opaque) {
        add(entry, index);
      }
    }
  }

  [[nodiscard]] const Filesystem& filesystem() const { return fs_; }

 private:
  void add(const LayerEntry& entry, std::size_t index) {
    auto& layer = layers_[index];
    bool counted = false;
    if (const auto it = fs_.find(entry.path); it != fs_.end()) {
      const bool was_directory = it->second.kind == EntryKind::Directory;
      if (was_directory && entry.is_directory()) {
        return;  // a directory listed again: its metadata changed, not its contents
      }
      if (was_directory) {
        hide_below(entry.path, index);  // a file replaces a whole directory
        fs_.erase(it);
      } else {
        layers_[it->second.layer].shadowed_bytes += it->second.size_bytes;
        if (it->second.layer == index) {
          counted = true;  // the same path twice in one tar: the later entry wins
        } else if (entry.is_directory()) {
          ++layer.files_removed;
          counted = true;
        } else {
          ++layer.files_modified;
          counted = true;
        }
        fs_.erase(it);
      }
    }
    if (!entry.is_directory() && !counted) {
      ++layer.files_added;
    }
    fs_.emplace(entry.path, FsNode{entry.kind, entry.size_bytes, index, entry.link});
  }

  void hide(Filesystem::iterator it, std::size_t by) {
    if (it->second.kind != EntryKind::Directory) {
      ++layers_[by].files_removed;
    }
    layers_[it->second.layer].shadowed_bytes += it->second.size_bytes;
    fs_.erase(it);
  }

  void hide_below(const std::string& dir, std::size_t by) {
    auto [first, last] = subtree_of(fs_, dir);
    while (first != last) {
      hide(first++, by);
    }
  }

  std::vector<LayerAnatomy>& layers_;
  Filesystem fs_;
};

// ---- dive's model, reproduced (see ImageAnatomy) --------------------------------------------

class DiveModel {
 public:
  void apply(const LayerSummary& summary) {
    // The layer's own tree, as dive builds it: whiteouts keep their ".wh." name, parents that the
    // tar does not list exist as empty directories, `.wh..wh.*` markers are dropped.
    std::map<std::string, Node, std::less<>> tree;
    std::int64_t layer_bytes = 0;
    for (const auto& entry : summary.entries) {
      layer_bytes += entry.header_bytes();
      std::string raw = entry.path;
      if (entry.kind == EntryKind::Whiteout) {
        raw = join_path(parent_of(entry.path),
                        std::string(kWhiteoutPrefix) + std::string(name_of(entry.path)));
      }
      for (auto parent = parent_of(raw); !parent.empty(); parent = parent_of(parent)) {
        tree.emplace(std::string(parent), Node{true, 0});
      }
      if (entry.kind == EntryKind::Opaque) {
        if (!raw.empty()) {
          tree.emplace(raw, Node{true, 0});
        }
        continue;
      }
      tree.insert_or_assign(raw, Node{entry.is_directory(), entry.header_bytes()});
    }
    layer_bytes_.push_back(layer_bytes);

    for (const auto& [key, node] : tree) {
      const auto child = tree.lower_bound(key + '/');
      if (child != tree.end() && child->first.starts_with(key + '/')) {
        continue;  // not a leaf
      }
      const auto name = name_of(key);
      if (!name.starts_with(kWhiteoutPrefix)) {
        visit(key, node.size_bytes);
        continue;
      }
      const auto path = join_path(parent_of(key), name.substr(kWhiteoutPrefix.size()));
      std::int64_t size = 0;
      if (const auto below = stacked_.find(path); below != stacked_.end() && below->second.dir) {
        auto [first, last] = subtree_of(stacked_, path);
        for (; first != last; ++first) {
          size += first->second.size_bytes;
        }
      }
      visit(path, size);
    }

    for (const auto& [key, node] : tree) {
      const auto name = name_of(key);
      if (name.starts_with(kWhiteoutPrefix)) {
        const auto path = join_path(parent_of(key), name.substr(kWhiteoutPrefix.size()));
        auto [first, last] = subtree_of(stacked_, path);
        stacked_.erase(first, last);
        stacked_.erase(path);
      } else {
        stacked_.insert_or_assign(key, node);
      }
    }
  }

  void finish(ImageAnatomy& out) const {
    std::int64_t minimum = 0;
    std::int64_t cumulative = 0;
    std::int64_t wasted = 0;
    for (const auto& [path, data] : paths_) {
      minimum += data.minimum;
      cumulative += data.cumulative;
      if (data.visits > 1) {
        wasted += data.cumulative;
      }
    }
    out.dive_efficiency =
        cumulative == 0 ? 1.0 : static_cast<double>(minimum) / static_cast<double>(cumulative);
    out.dive_wasted_bytes = wasted;
    std::int64_t user_bytes = 0;
    for (std::size_t i = 1; i < layer_bytes_.size(); ++i) {
      user_bytes += layer_bytes_[i];
    }
    if (user_bytes > 0) {
      out.dive_user_wasted_fraction = static_cast<double>(wasted) / static_cast<double>(user_bytes);
    }
  }

 private:
  struct Node {
    bool dir = false;
    std::int64_t size_bytes = 0;
  };
  struct PathData {
    std::int64_t cumulative = 0;
    std::int64_t minimum = 0;
    std::size_t visits = 0;
  };

  void visit(const std::string& path, std::int64_t size) {
    auto& data = paths_[path];
    data.cumulative += size;
    data.minimum = data.visits == 0 ? size : std::min(data.minimum, size);
    ++data.visits;
  }

  std::map<std::string, Node, std::less<>> stacked_;
  std::unordered_map<std::string, PathData> paths_;
  std::vector<std::int64_t> layer_bytes_;
};

// ---- facts of the final filesystem ----------------------------------------------------------

// Resolves `path` as the kernel would inside the container (symlinks in any component, relative
// to their directory; parents a tar did not list count as directories).
[[nodiscard]] bool resolves_to_file(const Filesystem& fs, std::string_view path) {
  std::vector<std::string> pending;  // components still to walk, next one last
  const auto push_components = [&pending](std::string_view text) {
    std::vector<std::string> parts;
    while (!text.empty()) {
      const auto slash = text.find('/');
      parts.emplace_back(text.substr(0, slash));
      text = slash == std::string_view::npos ? std::string_view{} : text.substr(slash + 1);
    }
    pending.insert(pending.end(), parts.rbegin(), parts.rend());
  };
  push_components(path);
  std::string at;  // resolved directory so far, "" = root
  int hops = 0;
  while (!pending.empty()) {
    const std::string part = std::move(pending.back());
    pending.pop_back();
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      at = std::string(parent_of(at));
      continue;
    }
    const auto candidate = join_path(at, part);
    const auto it = fs.find(candidate);
    if (it == fs.end()) {
      const auto child = fs.lower_bound(candidate + '/');
      if (child == fs.end() || !child->first.starts_with(candidate + '/')) {
        return false;
      }
      at = candidate;
      continue;
    }
    switch (it->second.kind) {
      case EntryKind::Symlink:
        if (++hops > kMaxLinkHops) {
          return false;
        }
        if (it->second.link.starts_with('/')) {
          at.clear();
        }
        push_components(it->second.link);
        break;
      case EntryKind::Directory:
        at = candidate;
        break;
      case EntryKind::Regular:
      case EntryKind::HardLink:
        return std::all_of(pending.begin(), pending.end(),
                           [](const std::string& rest) { return rest.empty() || rest == "."; });
      default:
        return false;
    }
  }
  return false;  // ended on a directory
}

void describe_final(const Filesystem& fs, std::size_t largest, ImageAnatomy& out) {
  std::vector<LargeFile> files;
  for (const auto& [path, node] : fs) {
    out.final_bytes += node.size_bytes;
    if (node.kind != EntryKind::Directory) {
      ++out.file_count;
    }
    if (node.kind == EntryKind::Regular) {
      files.push_back(LargeFile{"/" + path, node.size_bytes, node.layer});
    }
  }
  const auto by_size = [](const LargeFile& a, const LargeFile& b) {
    return a.size_bytes != b.size_bytes ? a.size_bytes > b.size_bytes : a.path < b.path;
  };
  const auto keep = std::min(largest, files.size());
  std::partial_sort(files.begin(), files.begin() + static_cast<std::ptrdiff_t>(keep), files.end(),
                    by_size);
  files.resize(keep);
  out.largest_files = std::move(files);
  out.has_shell = resolves_to_file(fs, "/bin/sh");
}

[[nodiscard]] ImageAnatomy resolve(const SavedArchive& saved, const AnatomyOptions& options) {
  ImageRef ref;
  if (saved.texts.contains("manifest.json")) {
    ref = image_ref_from_manifest(saved);
  } else if (saved.texts.contains("index.json")) {
    ref = image_ref_from_index(saved);
  } else {
    fail("no manifest.json in the archive (" + std::to_string(saved.entries) +
         " entries read): not the output of `docker save`, or cut short");
  }

  ImageAnatomy out;
  out.layout = saved.oci ? SaveLayout::Oci : SaveLayout::Classic;
  out.repo_tags = ref.repo_tags;
  std::vector<const LayerSummary*> summaries;
  for (std::size_t i = 0; i < ref.layers.size(); ++i) {
    const auto it = saved.layers.find(resolve_alias(saved, ref.layers[i]));
    if (it == saved.layers.end()) {
      fail("layer " + ref.layers[i] + ", named by " + ref.source +
           ", is not a layer tar in the archive");
    }
    summaries.push_back(&it->second);
    LayerAnatomy layer;
    layer.index = i;
    layer.blob = ref.layers[i];
    layer.tar_bytes = it->second.tar_bytes;
    layer.compressed_bytes = it->second.compressed_bytes;
    layer.entries = it->second.tar_entries;
    for (const auto& entry : it->second.entries) {
      if (entry.kind == EntryKind::Regular || entry.kind == EntryKind::Symlink) {
        layer.size_bytes += entry.size_bytes;
      }
    }
    out.layers.push_back(std::move(layer));
  }

  std::vector<std::string> diff_ids;
  read_config(parse_json(text_of(saved, ref.config, ref.source), ref.config), ref.config, out,
              diff_ids);
  if (diff_ids.size() != out.layers.size()) {
    fail(ref.config + ": rootfs.diff_ids has " + std::to_string(diff_ids.size()) + " entries but " +
         ref.source + " lists " + std::to_string(out.layers.size()) + " layers");
  }
  bool base = true;
  for (std::size_t i = 0; i < out.layers.size(); ++i) {
    auto& layer = out.layers[i];
    layer.diff_id = diff_ids[i];
    base = base && i < options.base_layers.size() && options.base_layers[i] == layer.diff_id;
    layer.base = base;
    out.compressed_bytes += layer.compressed_bytes;
    out.total_layer_bytes += layer.size_bytes;
    if (base) {
      ++out.base_layer_count;
      out.base_bytes += layer.size_bytes;
    } else {
      out.own_bytes += layer.size_bytes;
    }
  }
  out.runs_as_root = is_root_user(out.user);

  Replay replay(out.layers);
  DiveModel dive;
  for (std::size_t i = 0; i < summaries.size(); ++i) {
    replay.apply(i, *summaries[i]);
    dive.apply(*summaries[i]);
  }
  describe_final(replay.filesystem(), options.largest_files, out);
  dive.finish(out);
  out.shadowed_bytes = out.total_layer_bytes - out.final_bytes;
  out.wasted_bytes = out.shadowed_bytes;
  out.efficiency = out.total_layer_bytes == 0 ? 1.0
                                              : static_cast<double>(out.final_bytes) /
                                                    static_cast<double>(out.total_layer_bytes);
  return out;
}

}  // namespace

ImageAnatomy analyze_image_archive(int fd, const AnatomyOptions& options) {
  SavedArchive saved;
  {
    auto outer = new_reader();
    archive_read_support_format_tar(outer.get());
    support_compressions(outer.get());  // `docker save | gzip` reads as well
    if (archive_read_open_fd(outer.get(), fd, kReadBlockBytes) != ARCHIVE_OK) {
      fail("opening the archive: " + error_of(outer.get()));
    }
    std::string previous = "the start of the archive";
    for (;;) {
      archive_entry* entry = nullptr;
      const int rc = archive_read_next_header(outer.get(), &entry);
      if (rc == ARCHIVE_EOF) {
        break;
      }
      if (rc < ARCHIVE_WARN) {
        fail("reading the entry after " + previous + ": " + error_of(outer.get()));
      }
      ++saved.entries;
      const char* name = archive_entry_pathname(entry);
      previous = name != nullptr ? name : "an entry without a name";
      read_saved_entry(outer.get(), entry, saved, options);
    }
  }
  drain(fd);
  return resolve(saved, options);
}

}  // namespace imgbench
