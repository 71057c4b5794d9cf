#include "svg.hpp"

#include <cmath>
#include <utility>

#include "text.hpp"

namespace imgbench::svg {
namespace {

// Text and axes take currentColor, set per colour scheme on the root, so a chart reads on a light
// and on a dark page, standalone or inlined into report.html (the class scopes it to the chart).
// The chart paints its own background in the same scheme: a browser shows a standalone SVG on
// white even in dark mode, where light text would vanish. The fills are mid-tone colours
// (Tableau 10) that keep their contrast against either background.
constexpr std::string_view kStyle =
    ".ib-chart{color:#1f2328;font:12px system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}"
    ".ib-bg{fill:#fff}"
    "@media (prefers-color-scheme:dark){.ib-chart{color:#e6edf3}.ib-bg{fill:#0d1117}}"
    ".ib-chart text{fill:currentColor}"
    ".ib-title{font-size:14px;font-weight:600}"
    ".ib-muted{fill-opacity:.7}"
    ".ib-small{font-size:11px}"
    ".ib-axis{stroke:currentColor;stroke-width:1}"
    ".ib-grid{stroke:currentColor;stroke-opacity:.15}"
    ".ib-ref{stroke:currentColor;stroke-opacity:.75;stroke-dasharray:5 3}"
    ".ib-seg{stroke:currentColor;stroke-opacity:.5;stroke-width:.75}"
    ".ib-s0{fill:#4e79a7}.ib-s1{fill:#f28e2b}.ib-s2{fill:#59a14f}.ib-s3{fill:#e15759}"
    ".ib-own0{fill:#4e79a7}.ib-own1{fill:#76b7b2}"
    ".ib-base0{fill:#8a8a8a}.ib-base1{fill:#b0b0b0}"
    ".ib-unk{fill:#edc948}"
    ".ib-l0{stroke:#4e79a7}.ib-l1{stroke:#f28e2b}.ib-l2{stroke:#59a14f}.ib-l3{stroke:#e15759}"
    ".ib-l0,.ib-l1,.ib-l2,.ib-l3{stroke-width:2;fill:none}";

const char* anchor_name(Anchor anchor) {
  switch (anchor) {
    case Anchor::Start:
      return "start";
    case Anchor::Middle:
      return "middle";
    case Anchor::End:
      return "end";
  }
  return "start";
}

// Tolerance for floating-point logs of exact powers of ten (log10(1e6) may come out 5.999…).
constexpr double kLogSlack = 1e-9;

}  // namespace

std::string coord(double value) {
  std::string text = fixed(std::round(value * 10) / 10, 1);
  if (text.ends_with(".0")) {
    text.resize(text.size() - 2);
  }
  return text;
}

Writer::Writer(double width, std::string title) : width_(width), title_(std::move(title)) {}

void Writer::rect(double x, double y, double w, double h, std::string_view css,
                  std::string_view tooltip) {
  body_ << "<rect x=\"" << coord(x) << "\" y=\"" << coord(y) << "\" width=\"" << coord(w)
        << "\" height=\"" << coord(h) << "\" class=\"" << css << "\"";
  if (tooltip.empty()) {
    body_ << "/>\n";
  } else {
    body_ << "><title>" << xml_escape(tooltip) << "</title></rect>\n";
  }
}

void Writer::line(double x1, double y1, double x2, double y2, std::string_view css) {
  body_ << "<line x1=\"" << coord(x1) << "\" y1=\"" << coord(y1) << "\" x2=\"" << coord(x2)
        << "\" y2=\"" << coord(y2) << "\" class=\"" << css << "\"/>\n";
}

void Writer::text(double x, double y, std::string_view content, std::string_view css, Anchor anchor,
                  std::string_view tooltip) {
  body_ << "<text x=\"" << coord(x) << "\" y=\"" << coord(y) << "\"";
  if (anchor != Anchor::Start) {
    body_ << " text-anchor=\"" << anchor_name(anchor) << "\"";
  }
  if (!css.empty()) {
    body_ << " class=\"" << css << "\"";
  }
  body_ << ">" << xml_escape(content);
  if (!tooltip.empty()) {
    body_ << "<title>" << xml_escape(tooltip) << "</title>";
  }
  body_ << "</text>\n";
}

std::string Writer::finish(double height) const {
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"ib-chart\" width=\"" +
                    coord(width_) + "\" height=\"" + coord(height) + "\" viewBox=\"0 0 " +
                    coord(width_) + " " + coord(height) + "\" role=\"img\">\n<title>" +
                    xml_escape(title_) + "</title>\n<style>" + std::string(kStyle) +
                    "</style>\n<rect width=\"100%\" height=\"100%\" class=\"ib-bg\"/>\n";
  out += body_.str();
  out += "</svg>\n";
  return out;
}

LinearScale::LinearScale(double max_value, double x0, double x1) : x0_(x0), x1_(x1) {
  if (!(max_value > 0) || !std::isfinite(max_value)) {
    ticks_ = {0, 1};
    return;
  }
  // The smallest 1-2-5 step that covers max_value in six intervals or fewer.
  double step = std::pow(10.0, std::floor(std::log10(max_value / 6)));
  for (const double factor : {1.0, 2.0, 5.0, 10.0}) {
    if (step * factor * 6 >= max_value * (1 - kLogSlack)) {
      step *= factor;
      break;
    }
  }
  for (int i = 0;; ++i) {
    const double tick = step * i;
    ticks_.push_back(tick);
    if (tick >= max_value * (1 - kLogSlack)) {
      break;
    }
  }
}

double LinearScale::operator()(double value) const {
  return x0_ + (x1_ - x0_) * value / ticks_.back();
}

LogScale::LogScale(double lo, double hi, double x0, double x1) : x0_(x0), x1_(x1) {
  const int first = static_cast<int>(std::floor(std::log10(lo) + kLogSlack));
  int last = static_cast<int>(std::ceil(std::log10(hi) - kLogSlack));
  if (last <= first) {
    last = first + 1;
  }
  const bool fine = last - first <= 2;
  for (int decade = first; decade <= last; ++decade) {
    const double power = std::pow(10.0, decade);
    ticks_.push_back(power);
    if (fine && decade < last) {
      ticks_.push_back(2 * power);
      ticks_.push_back(5 * power);
    }
  }
  log_lo_ = first;
  log_hi_ = last;
}

double LogScale::operator()(double value) const {
  return x0_ + (x1_ - x0_) * (std::log10(value) - log_lo_) / (log_hi_ - log_lo_);
}

}  // namespace imgbench::svg
