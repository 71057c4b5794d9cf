// Image anatomy: streams `docker save` output through libarchive and says what each layer holds,
// what the final filesystem keeps, what is wasted, and the security facts of the image config.
// Reads the stream once, front to back; memory grows with the number of files, not their bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace imgbench {

struct AnatomyOptions {
  // The base image's RootFS.Layers (diff ids "sha256:…", bottom first); may be empty. The leading
  // layers of the analysed image whose diff ids equal this list's, position by position, are
  // the "base" ones.
  std::vector<std::string> base_layers;
  std::size_t largest_files = 10;  // how many of the final filesystem's largest files to list
  // Deflate every layer tar to estimate the push size (most of the analysis's CPU time).
  bool estimate_compressed = true;
};

// How `docker save` laid the archive out: Classic (`<id>/layer.tar`, `<config>.json`), or Oci
// (`blobs/sha256/<hex>`, `index.json`, `oci-layout`; Docker 25 and later). Docker writes
// manifest.json in both.
enum class SaveLayout { Classic, Oci };

struct LayerAnatomy {
  std::size_t index = 0;   // 0 = bottom layer
  std::string diff_id;     // config rootfs.diff_ids[index], not recomputed (the engine checked it)
  std::string blob;        // where the layer sat in the archive (`<id>/layer.tar`, `blobs/…`)
  std::string created_by;  // the config history row that made it (empty_layer rows skipped)
  bool base = false;       // one of the leading layers that match AnatomyOptions::base_layers
  // How the engine counts `.Size` (verified equal to `docker image inspect .Size`): regular file
  // sizes plus symlink target lengths (a symlink's lstat size); hard links and directories add 0.
  std::int64_t size_bytes = 0;
  std::int64_t tar_bytes = 0;  // length of the uncompressed layer tar stream
  // Estimate of what a push sends: the layer tar compressed by zlib, gzip wrapper, level 6,
  // computed locally (a registry client's gzip may differ by a few percent). 0 when not estimated.
  std::int64_t compressed_bytes = 0;
  std::int64_t shadowed_bytes = 0;  // bytes this layer adds that the final filesystem lacks
  std::size_t entries = 0;          // tar entries, directories and whiteouts included
  // Non-directory paths (files, symlinks, hard links, devices) compared with the layers below:
  std::size_t files_added = 0;     // a path that held no non-directory below
  std::size_t files_modified = 0;  // replaces a non-directory below
  std::size_t files_removed = 0;   // non-directories below that a whiteout, an opaque directory,
                                   // or a replacement of a directory or file by this layer hides
};

struct LargeFile {
  std::string path;  // absolute, e.g. "/usr/lib/x86_64-linux-gnu/libLLVM.so.14"
  std::int64_t size_bytes = 0;
  std::size_t layer = 0;  // index of the layer that wrote the surviving copy
};

struct ImageAnatomy {
  SaveLayout layout = SaveLayout::Classic;
  std::vector<std::string> repo_tags;  // manifest.json RepoTags
  std::vector<LayerAnatomy> layers;    // bottom first, one a RootFS layer
  std::size_t history_entries = 0;     // config history rows, empty_layer rows included

  std::int64_t total_layer_bytes = 0;  // Σ layers[].size_bytes == `docker image inspect .Size`
  std::int64_t final_bytes = 0;        // the same measure over the final (merged) filesystem
  // total − final, exact: every byte a later layer overwrote or deleted (a file, or a whole
  // directory with `rm -rf`, or one hidden by an opaque directory). Σ layers[].shadowed_bytes.
  std::int64_t shadowed_bytes = 0;
  std::int64_t compressed_bytes = 0;  // Σ layers[].compressed_bytes (an estimate, see there)

  // Corrected figures: wasted = shadowed_bytes; efficiency = final / total (1 when total is 0).
  std::int64_t wasted_bytes = 0;
  double efficiency = 1.0;

  // dive's figures (wagoodman/dive: filetree.Efficiency and the image analysis), reproduced.
  // Sizes are tar header sizes (symlinks 0). In each layer's own tree every leaf (a node without
  // children in that layer: file, symlink, empty directory, or whiteout `.wh.x` taken as path x)
  // is visited once. A plain leaf counts its size; a whiteout counts, when x was a directory in
  // the layers below (stacked with whiteouts but without opaque markers, which dive drops), the
  // sizes of x's whole subtree there, else 0. Per path: cumulative = Σ counted sizes, minimum =
  // the smallest. dive_efficiency = Σ minimum / Σ cumulative over all paths (1 when Σ cumulative
  // is 0). dive_wasted_bytes = Σ cumulative over paths visited more than once: every copy, the
  // kept one included; a file deleted by a whiteout counts its size (+0 for the whiteout); a
  // directory deleted by a whiteout usually counts nothing (its path was no leaf below).
  // dive_user_wasted_fraction = dive_wasted_bytes / (Σ layer header sizes − the bottom layer's),
  // the input of dive's `highestUserWastedPercent` rule; absent when that denominator is 0.
  // Deviations, both on tars Docker never writes: a whiteout of a path absent below counts 0 (dive
  // stops visiting that layer); a parent the tar does not list is a directory (dive: an empty
  // file).
  std::int64_t dive_wasted_bytes = 0;
  double dive_efficiency = 1.0;
  std::optional<double> dive_user_wasted_fraction;

  // Split at the real base image: `base` layers (see AnatomyOptions::base_layers) and the rest.
  std::size_t base_layer_count = 0;
  std::int64_t base_bytes = 0;
  std::int64_t own_bytes = 0;

  std::size_t file_count = 0;            // non-directory paths in the final filesystem
  std::vector<LargeFile> largest_files;  // final filesystem's regular files, largest first

  bool has_shell = false;  // /bin/sh resolves (symlinks followed) to a file in the final filesystem
  std::string user;        // config User
  bool runs_as_root = true;                // User empty, "root", "0", or "root:…" / "0:…"
  std::vector<std::string> exposed_ports;  // config ExposedPorts keys, e.g. "8080/tcp", sorted
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
};

// Reads a `docker save` stream (one image) from `fd` until the archive ends, then reads `fd` to
// end of file so that a writer on a pipe is not killed by SIGPIPE. The caller owns `fd` and closes
// it. Layer blobs may be plain tar, gzip or zstd. manifest.json names the image (an OCI archive
// without one is read through index.json). Throws Error naming the archive entry being read when
// the stream is truncated or malformed, or when the manifest or the config is missing or
// inconsistent.
[[nodiscard]] ImageAnatomy analyze_image_archive(int fd, const AnatomyOptions& options);

}  // namespace imgbench
