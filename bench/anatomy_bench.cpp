// Micro-benchmark of image anatomy: one pass over a large synthetic `docker save` stream (3 layers
// × 20 000 files), with and without the push-size estimate. Reports MB/s of layer tar and files/s.
#include <archive.h>
#include <archive_entry.h>
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

#include "anatomy.hpp"

namespace {

constexpr int kLayers = 3;
constexpr int kFilesPerLayer = 20'000;
constexpr int kFilesPerDir = 100;

class MemoryTar {
 public:
  MemoryTar() : archive_(archive_write_new()) {
    archive_write_set_format_pax_restricted(archive_.get());
    archive_write_set_bytes_in_last_block(archive_.get(), 1);
    archive_write_open(archive_.get(), &out_, nullptr, &MemoryTar::append, nullptr);
  }
  void add(const std::string& path, unsigned type, std::string_view data) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(),
                                                                        archive_entry_free);
    archive_entry_set_pathname(entry.get(), path.c_str());
    archive_entry_set_filetype(entry.get(), type);
    archive_entry_set_perm(entry.get(), 0644);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(data.size()));
    archive_write_header(archive_.get(), entry.get());
    if (!data.empty()) {
      archive_write_data(archive_.get(), data.data(), data.size());
    }
  }
  std::string finish() {
    archive_write_close(archive_.get());
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
  std::unique_ptr<archive, Free> archive_;
  std::string out_;
};

struct Stream {
  std::FILE* file = nullptr;  // the archive, in the page cache; rewound before each pass
  std::int64_t tar_bytes = 0;
  std::int64_t files = 0;
};

// Text-like content (a 64-letter alphabet, fixed seed) so deflate works as hard as on real files.
// Layer 1 rewrites every fourth file of layer 0 and deletes ten of its directories; layer 2 adds.
const Stream& synthetic_stream() {
  static const Stream stream = [] {
    std::mt19937_64 rng(7);
    std::string pool(1 << 20, ' ');
    for (auto& c : pool) {
      c = static_cast<char>('0' + static_cast<int>(rng() % 64));
    }
    Stream out;
    MemoryTar save;
    nlohmann::json layers = nlohmann::json::array();
    nlohmann::json diff_ids = nlohmann::json::array();
    for (int layer = 0; layer < kLayers; ++layer) {
      MemoryTar tar;
      const std::string root = layer == 2 ? "srv/" : "usr/";
      for (int i = 0; i < kFilesPerLayer; ++i) {
        const int file = layer == 1 ? i * 4 % kFilesPerLayer : i;
        const std::string dir = root + "d" + std::to_string(file / kFilesPerDir);
        if (file % kFilesPerDir == 0) {
          tar.add(dir + "/", AE_IFDIR, {});
        }
        const auto size = static_cast<std::size_t>((file * 37 + layer * 11) % 2048);
        const auto offset = static_cast<std::size_t>(file) * 53 % (pool.size() - 2048);
        tar.add(dir + "/f" + std::to_string(file), AE_IFREG,
                std::string_view(pool).substr(offset, size));
        ++out.files;
      }
      if (layer == 1) {
        for (int d = 0; d < 10; ++d) {
          tar.add("usr/.wh.d" + std::to_string(d * 7), AE_IFREG, {});
        }
      }
      const auto bytes = tar.finish();
      out.tar_bytes += static_cast<std::int64_t>(bytes.size());
      const auto name = std::to_string(layer) + std::string(63, 'a') + "/layer.tar";
      save.add(name, AE_IFREG, bytes);
      layers.push_back(name);
      diff_ids.push_back("sha256:" + std::string(64, static_cast<char>('a' + layer)));
    }
    const nlohmann::json config = {{"rootfs", {{"diff_ids", diff_ids}}}};
    save.add(std::string(64, 'f') + ".json", AE_IFREG, config.dump());
    const nlohmann::json manifest = {
        {{"Config", std::string(64, 'f') + ".json"}, {"Layers", layers}}};
    save.add("manifest.json", AE_IFREG, manifest.dump());
    const auto bytes = save.finish();
    out.file = std::tmpfile();
    if (out.file == nullptr ||
        std::fwrite(bytes.data(), 1, bytes.size(), out.file) != bytes.size() ||
        std::fflush(out.file) != 0) {
      throw std::runtime_error("anatomy bench: cannot write the synthetic archive");
    }
    return out;
  }();
  return stream;
}

void analyze_synthetic(benchmark::State& state, bool estimate_compressed) {
  const auto& stream = synthetic_stream();
  imgbench::AnatomyOptions options;
  options.estimate_compressed = estimate_compressed;
  for (auto _ : state) {
    ::lseek(fileno(stream.file), 0, SEEK_SET);
    auto anatomy = imgbench::analyze_image_archive(fileno(stream.file), options);
    benchmark::DoNotOptimize(anatomy);
  }
  state.SetBytesProcessed(state.iterations() * stream.tar_bytes);
  state.counters["files_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * stream.files), benchmark::Counter::kIsRate);
}

void BM_AnatomyStream(benchmark::State& state) { analyze_synthetic(state, true); }
BENCHMARK(BM_AnatomyStream)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_AnatomyStreamNoCompressedEstimate(benchmark::State& state) {
  analyze_synthetic(state, false);
}
BENCHMARK(BM_AnatomyStreamNoCompressedEstimate)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
