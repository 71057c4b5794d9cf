// The progress display against exact expected bytes: today's plain lines (no escape byte in them),
// the live block with its cursor movement and colours, and the NO_COLOR/--color choice.
#include "progress.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "error.hpp"

namespace imgbench {
namespace {

using std::chrono::milliseconds;

ProgressEvent event(std::string variant, std::string stage, std::string detail = {}) {
  return ProgressEvent{std::move(variant), std::move(stage), std::move(detail)};
}

// A whole run's events in the order the runner sends them, including the live-only "progress".
void feed_a_run(ProgressDisplay& display) {
  display.on_event(event("fat", "skipped", "base image x is missing"), milliseconds(100));
  display.on_event(event("static", "building", "imgbench/static:r1"), milliseconds(1000));
  display.on_event(event("", "warning", "could not pin the harness to CPU 1"), milliseconds(2000));
  display.on_event(event("static", "measuring", "100 requests"), milliseconds(3000));
  display.on_event(event("static", "progress", "40/100"), milliseconds(3100));
  display.on_event(event("static", "stopping"), milliseconds(4000));
  display.on_event(event("slim", "failed", "docker build failed: exit 1"), milliseconds(4500));
  display.on_event(event("static", "done"), milliseconds(5000));
}

TEST(PlainLine, KeepsTodaysTimestampedFormat) {
  EXPECT_EQ(
      plain_line(event("static", "built", "1060904 bytes, 1 layers"), milliseconds(31600), false),
      "[  31.6s] static: built — 1060904 bytes, 1 layers");
  EXPECT_EQ(plain_line(event("static", "stopping"), milliseconds(0), false),
            "[   0.0s] static: stopping");
  EXPECT_EQ(plain_line(event("static", "done"), milliseconds(183500), true),
            "[ 183.5s] static: \x1b[32mdone\x1b[0m");
  EXPECT_EQ(plain_line(event("static", "ready", "217 ms"), milliseconds(1000), true),
            "[   1.0s] static: ready — 217 ms");
}

TEST(ProgressDisplay, PlainModeWritesOneLineAStageWithoutProgressOrEscapes) {
  std::ostringstream out;
  ProgressDisplay display(out, DisplayOptions{});
  display.add_variant("fat");
  feed_a_run(display);
  display.tick(milliseconds(9000));
  display.finish(milliseconds(9000));
  EXPECT_EQ(out.str(),
            "[   0.1s] fat: skipped — base image x is missing\n"
            "[   1.0s] static: building — imgbench/static:r1\n"
            "[   2.0s] : warning — could not pin the harness to CPU 1\n"
            "[   3.0s] static: measuring — 100 requests\n"
            "[   4.0s] static: stopping\n"
            "[   4.5s] slim: failed — docker build failed: exit 1\n"
            "[   5.0s] static: done\n");
  EXPECT_EQ(out.str().find('\x1b'), std::string::npos);
}

TEST(ProgressDisplay, QuietKeepsOnlyFailuresAndSkips) {
  std::ostringstream out;
  DisplayOptions options;
  options.quiet = true;
  ProgressDisplay display(out, options);
  feed_a_run(display);
  EXPECT_EQ(out.str(),
            "[   0.1s] fat: skipped — base image x is missing\n"
            "[   4.5s] slim: failed — docker build failed: exit 1\n");
}

TEST(ProgressDisplay, LiveModeRedrawsTheBlockInPlaceWithColouredOutcomes) {
  std::ostringstream out;
  DisplayOptions options;
  options.live = true;
  options.color = true;
  ProgressDisplay display(out, options);
  display.add_variant("fat");
  display.add_variant("static");

  display.on_event(event("fat", "skipped", "base image x is missing"), milliseconds(100));
  EXPECT_EQ(out.str(),
            "\x1b[2K[   0.1s] fat: \x1b[33mskipped\x1b[0m — base image x is missing\n"
            "\x1b[2K  fat     \x1b[33mskipped\x1b[0m           base image x is missing\n"
            "\x1b[2K  static  waiting\n");
  out.str("");

  display.on_event(event("static", "measuring", "100 requests"), milliseconds(3000));
  EXPECT_EQ(out.str(),
            "\x1b[2A"
            "\x1b[2K  fat     \x1b[33mskipped\x1b[0m           base image x is missing\n"
            "\x1b[2K  static  measuring     0s  100 requests\n");
  out.str("");

  display.on_event(event("static", "progress", "40/100"), milliseconds(4200));
  EXPECT_EQ(out.str(),
            "\x1b[2A"
            "\x1b[2K  fat     \x1b[33mskipped\x1b[0m           base image x is missing\n"
            "\x1b[2K  static  measuring     1s  [########------------] 40/100  100 requests\n");
  out.str("");

  display.on_event(event("slim", "failed", "exit 1"), milliseconds(5000));
  EXPECT_EQ(out.str(),
            "\x1b[2A"
            "\x1b[2K[   5.0s] slim: \x1b[31mfailed\x1b[0m — exit 1\n"
            "\x1b[2K  fat     \x1b[33mskipped\x1b[0m           base image x is missing\n"
            "\x1b[2K  static  measuring     2s  [########------------] 40/100  100 requests\n"
            "\x1b[2K  slim    \x1b[31mfailed\x1b[0m        0s  exit 1\n");
  out.str("");

  display.on_event(event("static", "done"), milliseconds(65000));
  EXPECT_EQ(out.str(),
            "\x1b[3A"
            "\x1b[2K  fat     \x1b[33mskipped\x1b[0m           base image x is missing\n"
            "\x1b[2K  static  \x1b[32mdone\x1b[0m       1m02s\n"
            "\x1b[2K  slim    \x1b[31mfailed\x1b[0m        0s  exit 1\n");
}

TEST(ProgressDisplay, TickRedrawsOnlyWhenAShownClockMoved) {
  std::ostringstream out;
  DisplayOptions options;
  options.live = true;
  ProgressDisplay display(out, options);
  display.on_event(event("static", "building"), milliseconds(1000));
  out.str("");
  display.tick(milliseconds(1900));
  EXPECT_EQ(out.str(), "");
  display.tick(milliseconds(2000));
  EXPECT_EQ(out.str(), "\x1b[1A\x1b[2K  static  building      1s\n");
}

TEST(ProgressDisplay, LiveWarningsGoAboveTheBlockInFull) {
  std::ostringstream out;
  DisplayOptions options;
  options.live = true;
  ProgressDisplay display(out, options);
  display.on_event(event("static", "building"), milliseconds(0));
  out.str("");
  display.on_event(event("static", "warning", "no anatomy: docker save failed"),
                   milliseconds(1500));
  EXPECT_EQ(out.str(),
            "\x1b[1A"
            "\x1b[2K[   1.5s] static: warning — no anatomy: docker save failed\n"
            "\x1b[2K  static  building      1s\n");
}

TEST(ProgressDisplay, LiveRowsAreCutToTheTerminalWidthInCharactersNotBytes) {
  std::ostringstream out;
  DisplayOptions options;
  options.live = true;
  options.width = 30;
  ProgressDisplay display(out, options);
  display.on_event(event("s", "ready", "µµµµµµµµµµµµµµµµµµµµ"), milliseconds(0));
  // 29 columns: "  s  ready" (10), 9 spaces, "0s", 2 spaces, then 6 of the 20 'µ' (2 bytes each).
  EXPECT_EQ(out.str(), "\x1b[2K  s  ready         0s  µµµµµµ\n");
}

// A terminal of 5 lines holds 3 rows, the count of the rest and the cursor: the running row is
// shown first, then the waiting ones in order, and the next redraw moves up exactly the 4 lines
// drawn. (Taller than the screen, the block could not be redrawn in place.)
TEST(ProgressDisplay, LiveBlockTallerThanTheTerminalShowsWhatFitsAndCountsTheRest) {
  std::ostringstream out;
  DisplayOptions options;
  options.live = true;
  options.height = 5;
  ProgressDisplay display(out, options);
  for (const char* name : {"a", "b", "c", "d", "e", "f"}) {
    display.add_variant(name);
  }
  display.on_event(event("a", "skipped", "no base"), milliseconds(0));
  out.str("");
  display.on_event(event("e", "building"), milliseconds(1000));
  EXPECT_EQ(out.str(),
            "\x1b[4A"
            "\x1b[2K  b  waiting\n"
            "\x1b[2K  c  waiting\n"
            "\x1b[2K  e  building      0s\n"
            "\x1b[2K  … 3 more: 2 waiting, 1 finished\n");
  out.str("");
  display.tick(milliseconds(2000));
  EXPECT_EQ(out.str(),
            "\x1b[4A"
            "\x1b[2K  b  waiting\n"
            "\x1b[2K  c  waiting\n"
            "\x1b[2K  e  building      1s\n"
            "\x1b[2K  … 3 more: 2 waiting, 1 finished\n");
}

// Unknown height (0) or one the block fits in: every row, no count line.
TEST(ProgressDisplay, LiveBlockThatFitsShowsEveryRow) {
  for (const int height : {0, 4}) {
    std::ostringstream out;
    DisplayOptions options;
    options.live = true;
    options.height = height;
    ProgressDisplay display(out, options);
    for (const char* name : {"a", "b", "c"}) {
      display.add_variant(name);
    }
    display.on_event(event("b", "building"), milliseconds(0));
    EXPECT_EQ(out.str(),
              "\x1b[2K  a  waiting\n"
              "\x1b[2K  b  building      0s\n"
              "\x1b[2K  c  waiting\n")
        << "height " << height;
  }
}

TEST(ProgressDisplay, LiveWithoutColourHasOnlyCursorAndClearCodes) {
  std::ostringstream out;
  DisplayOptions options;
  options.live = true;
  ProgressDisplay display(out, options);
  feed_a_run(display);
  EXPECT_NE(out.str().find("\x1b[2K"), std::string::npos);
  for (const char* code : {"\x1b[31m", "\x1b[32m", "\x1b[33m"}) {
    EXPECT_EQ(out.str().find(code), std::string::npos) << code;
  }
  EXPECT_EQ(out.str().find("\x1b[0m"), std::string::npos);
}

TEST(ProgressDisplay, RowsShowStageTimeWhileRunningAndTotalTimeWhenDone) {
  std::ostringstream out;
  DisplayOptions options;
  options.live = true;
  ProgressDisplay display(out, options);
  display.add_variant("a");
  display.on_event(event("b", "building"), milliseconds(1000));
  display.on_event(event("b", "starting"), milliseconds(8000));
  EXPECT_EQ(display.rows(milliseconds(10500)),
            (std::vector<std::string>{"  a  waiting", "  b  starting      2s"}));
  display.on_event(event("b", "done"), milliseconds(12000));
  EXPECT_EQ(display.rows(milliseconds(99000)).back(), "  b  done         11s");
}

TEST(Color, NoColorAndTheFlagDecide) {
  EXPECT_TRUE(use_color(ColorMode::Auto, true, nullptr));
  EXPECT_TRUE(use_color(ColorMode::Auto, true, ""));  // empty NO_COLOR does not disable
  EXPECT_FALSE(use_color(ColorMode::Auto, true, "1"));
  EXPECT_FALSE(use_color(ColorMode::Auto, false, nullptr));
  EXPECT_TRUE(use_color(ColorMode::Always, false, "1"));  // the flag is the user's last word
  EXPECT_FALSE(use_color(ColorMode::Never, true, nullptr));
}

TEST(Color, ParsesTheThreeModesAndRefusesOthers) {
  EXPECT_EQ(parse_color_mode("auto"), ColorMode::Auto);
  EXPECT_EQ(parse_color_mode("always"), ColorMode::Always);
  EXPECT_EQ(parse_color_mode("never"), ColorMode::Never);
  EXPECT_THROW((void)parse_color_mode("yes"), Error);
}

TEST(LiveDisplay, NeedsATerminalThatIsNotDumbAndNoQuiet) {
  EXPECT_TRUE(use_live_display(true, false, "xterm-256color"));
  EXPECT_TRUE(use_live_display(true, false, nullptr));
  EXPECT_FALSE(use_live_display(false, false, "xterm"));
  EXPECT_FALSE(use_live_display(true, true, "xterm"));
  EXPECT_FALSE(use_live_display(true, false, "dumb"));
}

TEST(Fraction, ParsesDoneOverTotalAndNothingElse) {
  const Fraction f = parse_fraction("4000/10000");
  EXPECT_EQ(f.done, 4000);
  EXPECT_EQ(f.total, 10000);
  for (const char* bad : {"", "4000", "1/0", "1/2x", "/5", "a/5", "-1/5"}) {
    EXPECT_EQ(parse_fraction(bad).total, 0) << bad;
  }
}

TEST(ProgressDisplay, ARunningP50AfterTheFractionIsShownBesideTheBar) {
  std::ostringstream out;
  DisplayOptions options;
  options.live = true;
  options.width = 120;
  ProgressDisplay display(out, options);
  display.add_variant("static");
  display.on_event(event("static", "measuring", "100 requests"), milliseconds(1000));
  out.str("");
  display.on_event(event("static", "progress", "40/100 p50 97 µs"), milliseconds(1500));
  EXPECT_EQ(out.str(),
            "\x1b[1A"
            "\x1b[2K  static  measuring     0s  [########------------] 40/100  p50 97 µs  100 "
            "requests\n");
  out.str("");
  // A new stage drops the bar and its note.
  display.on_event(event("static", "stopping"), milliseconds(2000));
  EXPECT_EQ(out.str().find("p50"), std::string::npos) << out.str();
}

}  // namespace
}  // namespace imgbench
