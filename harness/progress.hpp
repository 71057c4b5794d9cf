// progress: the runner's events as stderr text — today's timestamped lines, or on a terminal one
// live line a variant (stage, time, a bar during the latency loop) redrawn in place. The clock
// value and the stream come in from the caller, so every byte it writes can be tested without a
// terminal.
#pragma once

#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "runner.hpp"

namespace imgbench {

enum class ColorMode { Auto, Always, Never };

// "auto", "always", "never"; Error (exit 2) for anything else.
[[nodiscard]] ColorMode parse_color_mode(std::string_view text);

// always: colour; never: none; auto: only on a terminal and when NO_COLOR is unset or empty
// (https://no-color.org: any non-empty value disables). `no_color` is getenv("NO_COLOR").
[[nodiscard]] bool use_color(ColorMode mode, bool stderr_is_tty, const char* no_color);

// The live block needs a terminal that moves its cursor: stderr a TTY, not --quiet, TERM not
// "dumb".
[[nodiscard]] bool use_live_display(bool stderr_is_tty, bool quiet, const char* term);

struct DisplayOptions {
  bool live = false;   // the redrawn block; else plain lines
  bool color = false;  // failed red, skipped yellow, done green; nothing else
  bool quiet = false;  // plain lines of failures and skips only
  int width = 80;      // terminal columns: a live row is cut to width - 1 so it never wraps
  // Terminal lines, 0 when unknown. A block taller than height - 1 could not be redrawn in place
  // (the cursor cannot move above the screen), so it then shows height - 2 rows and one line
  // counting the rest.
  int height = 0;
};

// Today's line: "[  31.6s] static: built — 1060904 bytes, 1 layers" (no newline). With `color`
// the stage word alone is coloured, when it is failed, skipped or done.
[[nodiscard]] std::string plain_line(const ProgressEvent& event,
                                     std::chrono::milliseconds since_start, bool color);

// "4000/10000" -> {4000, 10000}; {0, 0} for anything else.
struct Fraction {
  long long done = 0;
  long long total = 0;
};
[[nodiscard]] Fraction parse_fraction(std::string_view text);

// Not thread-safe: the caller serialises on_event, tick and finish. `now` is the time since the
// run began, from the caller's steady clock.
class ProgressDisplay {
 public:
  ProgressDisplay(std::ostream& out, DisplayOptions options);

  // A row "waiting" for a variant before its first event (live mode), so the block shows the whole
  // run from the start and in the run's order. Variants first seen in on_event are appended.
  void add_variant(const std::string& name);
  // Plain: one line (none for "progress", none but failed/skipped when quiet). Live: the row's
  // stage, detail and bar change; warnings, failures and skips are also written once in full above
  // the block, as plain lines, since a row is cut to the terminal's width.
  void on_event(const ProgressEvent& event, std::chrono::milliseconds now);
  // Live: redraws when the text shown changed (the clocks moved); plain: nothing.
  void tick(std::chrono::milliseconds now);
  // Live: the last redraw; the cursor is left on the line below the block.
  void finish(std::chrono::milliseconds now);

  // One live row without colour or width cut, for tests and messages:
  // "  static   measuring   12s  [########------------] 4000/10000".
  [[nodiscard]] std::vector<std::string> rows(std::chrono::milliseconds now) const;

 private:
  struct Row {
    std::string name;
    std::string stage = "waiting";
    std::string detail;
    std::chrono::milliseconds stage_since{0};
    std::chrono::milliseconds first_seen{-1};  // -1: no event yet
    std::chrono::milliseconds ended{-1};       // -1: not done, failed or skipped
    Fraction progress;
    std::string progress_note;  // what a "progress" event says after its fraction (running p50)
  };
  Row& row_for(const std::string& name);
  [[nodiscard]] std::string render_row(const Row& row, std::size_t name_width,
                                       std::chrono::milliseconds now) const;
  [[nodiscard]] std::size_t name_width() const;
  void redraw(std::chrono::milliseconds now, const std::string& log_line, bool force);
  // Which rows the block shows: all of them, or when they do not fit, the ones running first, then
  // the waiting ones, then the finished ones, up to what fits (kept in the run's order).
  [[nodiscard]] std::vector<bool> visible_rows() const;

  std::ostream& out_;
  DisplayOptions options_;
  std::vector<Row> rows_;
  std::size_t drawn_ = 0;   // lines on screen below which the cursor sits
  std::string last_shown_;  // the rows as last drawn, to skip redraws that change nothing
};

}  // namespace imgbench
