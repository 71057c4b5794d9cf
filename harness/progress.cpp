#include "progress.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "error.hpp"

namespace imgbench {

namespace {

using std::chrono::milliseconds;

constexpr std::size_t kStageWidth = 9;  // "analysing", "measuring"
constexpr std::size_t kTimeWidth = 5;   // "1m05s"
constexpr long long kBarWidth = 20;
constexpr const char* kReset = "\x1b[0m";
constexpr const char* kClearLine = "\x1b[2K";

// Only the three outcomes are coloured; the rest of the line stays in the terminal's own colour.
const char* stage_color(std::string_view stage) {
  if (stage == "failed") {
    return "\x1b[31m";
  }
  if (stage == "skipped") {
    return "\x1b[33m";
  }
  if (stage == "done") {
    return "\x1b[32m";
  }
  return nullptr;
}

bool is_terminal_stage(std::string_view stage) {
  return stage == "done" || stage == "failed" || stage == "skipped";
}

std::string colored(const std::string& stage, bool color) {
  const char* code = color ? stage_color(stage) : nullptr;
  return code == nullptr ? stage : code + stage + kReset;
}

std::string pad_right(std::string text, std::size_t width) {
  if (text.size() < width) {
    text.append(width - text.size(), ' ');
  }
  return text;
}

std::string pad_left(const std::string& text, std::size_t width) {
  return text.size() < width ? std::string(width - text.size(), ' ') + text : text;
}

// Whole seconds, as the display is redrawn about once a second: "7s", "59s", "1m05s".
std::string format_elapsed(milliseconds elapsed) {
  const long long seconds = std::max<long long>(0, elapsed.count() / 1000);
  if (seconds < 60) {
    return std::to_string(seconds) + "s";
  }
  const long long rest = seconds % 60;
  return std::to_string(seconds / 60) + "m" + (rest < 10 ? "0" : "") + std::to_string(rest) + "s";
}

std::string bar(const Fraction& progress) {
  const long long done = std::clamp(progress.done, 0LL, progress.total);
  const long long filled = done * kBarWidth / progress.total;
  return "[" + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(kBarWidth - filled), '-') + "] " +
         std::to_string(progress.done) + "/" + std::to_string(progress.total);
}

// The first `columns` code points of UTF-8 `text` (details carry "—" and "µ"; one column each).
std::string cut_to_columns(const std::string& text, std::size_t columns) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if ((byte & 0xC0U) != 0x80U) {
      if (seen == columns) {
        return text.substr(0, i);
      }
      ++seen;
    }
  }
  return text;
}

}  // namespace

ColorMode parse_color_mode(std::string_view text) {
  if (text == "auto") {
    return ColorMode::Auto;
  }
  if (text == "always") {
    return ColorMode::Always;
  }
  if (text == "never") {
    return ColorMode::Never;
  }
  throw Error("--color: expected auto, always or never, found '" + std::string(text) + "'");
}

bool use_color(ColorMode mode, bool stderr_is_tty, const char* no_color) {
  switch (mode) {
    case ColorMode::Always:
      return true;
    case ColorMode::Never:
      return false;
    case ColorMode::Auto:
      break;
  }
  return stderr_is_tty && (no_color == nullptr || *no_color == '\0');
}

bool use_live_display(bool stderr_is_tty, bool quiet, const char* term) {
  return stderr_is_tty && !quiet && !(term != nullptr && std::string_view(term) == "dumb");
}

std::string plain_line(const ProgressEvent& event, milliseconds since_start, bool color) {
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "[%6.1fs] ",
                static_cast<double>(since_start.count()) / 1000.0);
  std::string line = stamp + event.variant + ": " + colored(event.stage, color);
  if (!event.detail.empty()) {
    line += " — " + event.detail;
  }
  return line;
}

Fraction parse_fraction(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return {};
  }
  Fraction out;
  const auto* first = text.data();
  const auto* middle = text.data() + slash;
  const auto* last = text.data() + text.size();
  const auto a = std::from_chars(first, middle, out.done);
  const auto b = std::from_chars(middle + 1, last, out.total);
  if (a.ec != std::errc() || a.ptr != middle || b.ec != std::errc() || b.ptr != last ||
      out.total <= 0 || out.done < 0) {
    return {};
  }
  return out;
}

ProgressDisplay::ProgressDisplay(std::ostream& out, DisplayOptions options)
    : out_(out), options_(options) {}

void ProgressDisplay::add_variant(const std::string& name) { (void)row_for(name); }

ProgressDisplay::Row& ProgressDisplay::row_for(const std::string& name) {
  auto it = std::find_if(rows_.begin(), rows_.end(), [&](const Row& r) { return r.name == name; });
  if (it != rows_.end()) {
    return *it;
  }
  rows_.push_back(Row{});
  rows_.back().name = name;
  return rows_.back();
}

void ProgressDisplay::on_event(const ProgressEvent& event, milliseconds now) {
  const bool outcome = event.stage == "failed" || event.stage == "skipped";
  if (!options_.live) {
    // "progress" is only for the live bar; the plain log stays one line a stage.
    if (event.stage == "progress" || (options_.quiet && !outcome)) {
      return;
    }
    out_ << plain_line(event, now, options_.color) << '\n' << std::flush;
    return;
  }
  if (event.stage == "progress") {
    if (!event.variant.empty()) {
      // "<done>/<total>", optionally followed by a space and a note such as "p50 97 µs".
      Row& row = row_for(event.variant);
      const auto space = event.detail.find(' ');
      row.progress = parse_fraction(std::string_view(event.detail).substr(0, space));
      row.progress_note = space == std::string::npos ? "" : event.detail.substr(space + 1);
      redraw(now, "", false);
    }
    return;
  }
  const bool warning = event.variant.empty() || event.stage == "warning";
  const std::string log = warning || outcome ? plain_line(event, now, options_.color) : "";
  if (!warning) {
    Row& row = row_for(event.variant);
    row.stage = event.stage;
    row.detail = event.detail;
    row.stage_since = now;
    row.progress = {};
    row.progress_note.clear();
    if (row.first_seen.count() < 0) {
      row.first_seen = now;
    }
    if (is_terminal_stage(event.stage)) {
      row.ended = now;
    }
  }
  redraw(now, log, true);
}

void ProgressDisplay::tick(milliseconds now) {
  if (options_.live) {
    redraw(now, "", false);
  }
}

void ProgressDisplay::finish(milliseconds now) { tick(now); }

std::size_t ProgressDisplay::name_width() const {
  std::size_t width = 0;
  for (const auto& row : rows_) {
    width = std::max(width, row.name.size());
  }
  return width;
}

std::string ProgressDisplay::render_row(const Row& row, std::size_t name_width,
                                        milliseconds now) const {
  std::string time;
  if (row.stage == "skipped" || row.first_seen.count() < 0) {
    time = "";  // nothing ran: no time to show
  } else if (row.ended.count() >= 0) {
    time = format_elapsed(row.ended - row.first_seen);  // the variant's whole time, frozen
  } else {
    time = format_elapsed(now - row.stage_since);  // time in the current stage
  }
  std::string rest = row.progress.total > 0 ? bar(row.progress) : "";
  if (row.progress.total > 0 && !row.progress_note.empty()) {
    rest += "  " + row.progress_note;
  }
  if (!row.detail.empty()) {
    rest += (rest.empty() ? "" : "  ") + row.detail;
  }
  std::string line = "  " + pad_right(row.name, name_width) + "  " +
                     pad_right(row.stage, kStageWidth) + "  " + pad_left(time, kTimeWidth) + "  " +
                     rest;
  line.erase(line.find_last_not_of(' ') + 1);
  return line;
}

std::vector<std::string> ProgressDisplay::rows(milliseconds now) const {
  std::vector<std::string> out;
  const std::size_t width = name_width();
  for (const auto& row : rows_) {
    out.push_back(render_row(row, width, now));
  }
  return out;
}

namespace {

// What the block's count line and its choice of rows go by.
enum class RowState { Running, Waiting, Finished };

RowState state_of(std::string_view stage) {
  if (stage == "waiting") {
    return RowState::Waiting;
  }
  return is_terminal_stage(stage) ? RowState::Finished : RowState::Running;
}

}  // namespace

std::vector<bool> ProgressDisplay::visible_rows() const {
  std::vector<bool> visible(rows_.size(), true);
  if (options_.height <= 0 || rows_.size() + 1 <= static_cast<std::size_t>(options_.height)) {
    return visible;
  }
  // One line for the count of the hidden rows, one for the cursor below the block; at least one
  // row whatever the terminal says.
  std::size_t room = static_cast<std::size_t>(std::max(options_.height - 2, 1));
  std::fill(visible.begin(), visible.end(), false);
  for (const RowState wanted : {RowState::Running, RowState::Waiting, RowState::Finished}) {
    for (std::size_t i = 0; i < rows_.size() && room > 0; ++i) {
      if (!visible[i] && state_of(rows_[i].stage) == wanted) {
        visible[i] = true;
        --room;
      }
    }
  }
  return visible;
}

void ProgressDisplay::redraw(milliseconds now, const std::string& log_line, bool force) {
  const std::size_t width = name_width();
  const std::size_t columns = static_cast<std::size_t>(std::max(options_.width, 20) - 1);
  const std::vector<bool> visible = visible_rows();
  std::string shown;
  std::size_t lines = 0;
  std::size_t hidden_waiting = 0;
  std::size_t hidden_finished = 0;
  std::size_t hidden_running = 0;
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    const Row& row = rows_[i];
    if (!visible[i]) {
      switch (state_of(row.stage)) {
        case RowState::Waiting:
          ++hidden_waiting;
          break;
        case RowState::Finished:
          ++hidden_finished;
          break;
        case RowState::Running:
          ++hidden_running;
          break;
      }
      continue;
    }
    std::string line = cut_to_columns(render_row(row, width, now), columns);
    // The stage word starts after "  <name>  "; coloured only when the cut left it whole.
    const std::size_t at = 2 + width + 2;
    const char* code = options_.color ? stage_color(row.stage) : nullptr;
    if (code != nullptr && line.size() >= at + row.stage.size()) {
      line.insert(at + row.stage.size(), kReset);
      line.insert(at, code);
    }
    shown += kClearLine + line + "\n";
    ++lines;
  }
  if (const std::size_t hidden = hidden_waiting + hidden_finished + hidden_running; hidden > 0) {
    std::string count = "  … " + std::to_string(hidden) + " more:";
    auto part = [&count, first = true](std::size_t n, const char* what) mutable {
      if (n > 0) {
        count += std::string(first ? " " : ", ") + std::to_string(n) + " " + what;
        first = false;
      }
    };
    part(hidden_running, "running");
    part(hidden_waiting, "waiting");
    part(hidden_finished, "finished");
    shown += kClearLine + cut_to_columns(count, columns) + "\n";
    ++lines;
  }
  if (!force && log_line.empty() && shown == last_shown_) {
    return;
  }
  std::string text;
  if (drawn_ > 0) {
    text += "\x1b[" + std::to_string(drawn_) + "A";  // back to the block's first line
  }
  if (!log_line.empty()) {
    text += kClearLine + log_line + "\n";  // takes the first row's place; the block moves down
  }
  text += shown;
  out_ << text << std::flush;
  drawn_ = lines;
  last_shown_ = std::move(shown);
}

}  // namespace imgbench
