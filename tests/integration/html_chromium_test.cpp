// report.html in a real browser: headless Chromium loads the page rendered from a fixture run, runs
// its script and paints it. Skipped when no chromium is on PATH (scripts/bootstrap installs it).
#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "html.hpp"
#include "process.hpp"
#include "results.hpp"

namespace imgbench {
namespace {

namespace fs = std::filesystem;

std::string find_chromium() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    for (const char* name : {"chromium", "chromium-browser"}) {
      std::error_code ec;
      if (!dir.empty() && fs::is_regular_file(fs::path(dir) / name, ec)) {
        return (fs::path(dir) / name).string();
      }
    }
  }
  return {};
}

class ChromiumTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = find_chromium();
    if (chromium_.empty()) {
      GTEST_SKIP() << "no chromium on PATH (apt-get install chromium, or scripts/bootstrap)";
    }
    std::string pattern = (fs::temp_directory_path() / "imgbench-html-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    const Results results =
        load_results(fs::path(IMGBENCH_FIXTURES) / "results" / "report_sample.json");
    std::ostringstream page;
    write_html(page, results);
    write_file_atomic(dir_ / "report.html", page.str());
  }
  void TearDown() override {
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  ProcessResult chromium(std::vector<std::string> args) const {
    ProcessOptions options;
    options.argv = {chromium_, "--headless", "--no-sandbox", "--disable-gpu",
                    "--user-data-dir=" + (dir_ / "profile").string()};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.argv.push_back("file://" + (dir_ / "report.html").string());
    options.timeout = std::chrono::seconds(90);
    return run_process(options);
  }

  std::string chromium_;
  fs::path dir_;
};

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

std::uint32_t be32(const std::string& s, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 24 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

// The distinct colours of an 8-bit RGB or RGBA PNG (what Chromium writes), or -1 when the file is
// not one: enough to tell a painted page from a blank one.
long distinct_colours(const std::string& png) {
  if (png.size() < 33 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) {
    return -1;
  }
  const std::size_t width = be32(png, 16);
  const std::size_t height = be32(png, 20);
  const int depth = png[24];
  const int type = png[25];
  if (depth != 8 || (type != 2 && type != 6) || png[28] != 0) {
    return -1;  // not 8-bit truecolour, or interlaced
  }
  const std::size_t bpp = type == 6 ? 4 : 3;
  std::string idat;
  for (std::size_t at = 8; at + 12 <= png.size();) {
    const std::size_t length = be32(png, at);
    const std::string chunk = png.substr(at + 4, 4);
    if (chunk == "IDAT") {
      idat += png.substr(at + 8, length);
    }
    at += 12 + length;
  }
  const std::size_t stride = width * bpp;
  std::vector<unsigned char> raw(height * (stride + 1));
  uLongf size = static_cast<uLongf>(raw.size());
  if (uncompress(raw.data(), &size, reinterpret_cast<const Bytef*>(idat.data()),
                 static_cast<uLong>(idat.size())) != Z_OK ||
      size != raw.size()) {
    return -1;
  }
  // Undo the per-row filters (PNG spec, section 9) into `pixels`, then count.
  std::vector<unsigned char> pixels(height * stride);
  for (std::size_t y = 0; y < height; ++y) {
    const int filter = raw[y * (stride + 1)];
    const unsigned char* in = &raw[y * (stride + 1) + 1];
    unsigned char* row = &pixels[y * stride];
    const unsigned char* up = y > 0 ? &pixels[(y - 1) * stride] : nullptr;
    for (std::size_t x = 0; x < stride; ++x) {
      const int a = x >= bpp ? row[x - bpp] : 0;
      const int b = up != nullptr ? up[x] : 0;
      const int c = up != nullptr && x >= bpp ? up[x - bpp] : 0;
      int predictor = 0;
      switch (filter) {
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) / 2;
          break;
        case 4: {
          const int p = a + b - c;
          const int pa = std::abs(p - a);
          const int pb = std::abs(p - b);
          const int pc = std::abs(p - c);
          predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          break;
      }
      row[x] = static_cast<unsigned char>((in[x] + predictor) & 0xff);
    }
  }
  std::set<std::uint32_t> colours;
  for (std::size_t i = 0; i + 2 < pixels.size(); i += bpp) {
    colours.insert(static_cast<std::uint32_t>(pixels[i]) << 16 |
                   static_cast<std::uint32_t>(pixels[i + 1]) << 8 | pixels[i + 2]);
  }
  return static_cast<long>(colours.size());
}

TEST_F(ChromiumTest, PageLoadsRunsItsScriptAndKeepsHostileNamesAsText) {
  const ProcessResult dom = chromium({"--dump-dom"});
  ASSERT_TRUE(dom.ok()) << dom.describe() << "\n" << dom.err;
  EXPECT_EQ(count(dom.out, "<svg"), 4U);
  EXPECT_EQ(count(dom.out, "<details"), 5U);  // one per measured variant's layers
  EXPECT_NE(dom.out.find("data-sortable=\"ready\""), std::string::npos) << "the script did not run";
  EXPECT_EQ(count(dom.out, "<script"), 1U);
  EXPECT_NE(dom.out.find("&lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; 'q'"), std::string::npos);
}

TEST_F(ChromiumTest, ScreenshotIsPaintedNotBlank) {
  const fs::path png = dir_ / "report.png";
  const ProcessResult shot =
      chromium({"--hide-scrollbars", "--window-size=1100,1600", "--screenshot=" + png.string()});
  ASSERT_TRUE(shot.ok()) << shot.describe() << "\n" << shot.err;
  ASSERT_TRUE(fs::exists(png));
  std::ifstream in(png, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_GT(bytes.size(), 20'000U);
  // Text, axes, four chart fills and their anti-aliased edges: far more than a blank page's one.
  EXPECT_GT(distinct_colours(bytes), 50);
}

}  // namespace
}  // namespace imgbench
