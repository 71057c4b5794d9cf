// svg: the drawing primitives the charts share — a writer for one SVG document whose every string
// argument is escaped, and the linear and log scales that place values and ticks. Pure: no files.
#pragma once

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace imgbench::svg {

// A coordinate or length as text: rounded to 0.1 px, without a trailing ".0", never "-0".
[[nodiscard]] std::string coord(double value);

enum class Anchor { Start, Middle, End };

// Collects elements, then wraps them in the <svg> root when the final height is known. Text and
// tooltips are XML-escaped here, so no chart can forget it; `css` names one of the classes of the
// style block (see svg.cpp), which makes text and axes follow currentColor in light and dark.
class Writer {
 public:
  // `title` becomes the document's <title> (what screen readers and tooltips show).
  Writer(double width, std::string title);

  [[nodiscard]] double width() const { return width_; }
  // A rectangle; a non-empty `tooltip` becomes its <title> child.
  void rect(double x, double y, double w, double h, std::string_view css,
            std::string_view tooltip = {});
  void line(double x1, double y1, double x2, double y2, std::string_view css);
  // One line of text with its baseline at y.
  void text(double x, double y, std::string_view content, std::string_view css,
            Anchor anchor = Anchor::Start, std::string_view tooltip = {});

  // The whole document, `height` px tall, with the style block first.
  [[nodiscard]] std::string finish(double height) const;

 private:
  double width_;
  std::string title_;
  std::ostringstream body_;
};

// Value → x on [x0, x1] for values in [0, ticks.back()]. The ticks are 0 and multiples of a step of
// 1, 2 or 5 × 10^k, at most six intervals, the last at or above `max_value` (max 0 gives 0 and 1).
class LinearScale {
 public:
  LinearScale(double max_value, double x0, double x1);
  [[nodiscard]] double operator()(double value) const;
  [[nodiscard]] const std::vector<double>& ticks() const { return ticks_; }

 private:
  std::vector<double> ticks_;
  double x0_;
  double x1_;
};

// Value → x on [x0, x1] on a log10 axis. The domain is widened to whole decades around [lo, hi]
// (both > 0); the ticks are the powers of ten in it and, when it spans at most two decades, the
// 2× and 5× steps between them too. lo == hi on a power of ten spans the decade above it.
class LogScale {
 public:
  LogScale(double lo, double hi, double x0, double x1);
  [[nodiscard]] double operator()(double value) const;
  [[nodiscard]] const std::vector<double>& ticks() const { return ticks_; }
  [[nodiscard]] double lo() const { return ticks_.front(); }

 private:
  std::vector<double> ticks_;
  double log_lo_;
  double log_hi_;
  double x0_;
  double x1_;
};

}  // namespace imgbench::svg
