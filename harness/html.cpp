#include "html.hpp"

#include <sstream>
#include <vector>

#include "charts.hpp"
#include "report.hpp"
#include "text.hpp"

namespace imgbench {
namespace {

constexpr std::string_view kStyle = R"css(:root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;
--line:#d1d9e0;--head:#f6f8fa;--code:#eff1f3}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;
--line:#3d444d;--head:#151b23;--code:#262c36}}
body{margin:0;background:var(--bg);color:var(--fg);
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1120px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid var(--line)}
table{border-collapse:collapse;margin:12px 0;font-size:14px;display:block;overflow-x:auto}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--head);cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \25B2"}th[aria-sort=descending]::after{content:" \25BC"}
.num{text-align:right;font-variant-numeric:tabular-nums}
pre{background:var(--code);padding:8px 12px;overflow-x:auto;font-size:13px}
code{background:var(--code);padding:0 3px;border-radius:3px;font-size:.92em}
pre code{padding:0;background:none}
figure.chart{margin:16px 0}figure.chart svg{max-width:100%;height:auto}
details{border:1px solid var(--line);border-radius:6px;padding:4px 12px;margin:8px 0}
summary{cursor:pointer;font-weight:600;font-size:1.1em}
)css";

// Sorts a table by the clicked (or Enter-pressed) head cell, numbers numerically in numeric
// columns and text otherwise; "–" (not measured) sorts last both ways. It reads only the page's
// own text, so nothing from the data ever reaches it as code.
constexpr std::string_view kScript = R"js((function () {
  function key(cell, numeric) {
    var t = cell.textContent.trim();
    if (t === '' || t === '\u2013') { return null; }
    if (!numeric) { return t.toLowerCase(); }
    var m = t.match(/-?\d+(?:\.\d+)?/);
    return m ? parseFloat(m[0]) : null;
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.tabIndex = 0;
      function sort() {
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var numeric = th.classList.contains('num');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col], numeric), y = key(b.cells[col], numeric);
          if (x === null || y === null) { return (x === null) - (y === null); }
          var c = numeric ? x - y : x.localeCompare(y);
          return ascending ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); }
      });
    });
  });
  document.documentElement.setAttribute('data-sortable', 'ready');
})();
)js";

bool is_punctuation(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte > 0x20 && byte < 0x7f && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') &&
         !(c >= 'A' && c <= 'Z');
}

// Inline markdown → HTML. Text is collected raw (escapes and entities decoded) and escaped once on
// the way out, so "&lt;" from the markdown renders as "<" and a literal "&lt;" in the data, which
// the markdown holds as "&amp;lt;", renders as "&lt;".
std::string inline_html(std::string_view text) {
  std::string out;
  std::string run;
  const auto flush = [&] {
    out += xml_escape(run);
    run.clear();
  };
  bool em = false;
  bool strong = false;
  std::vector<const char*> open;  // closing tags, innermost last
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size() && is_punctuation(text[i + 1])) {
      run += text[++i];
    } else if (c == '&') {
      static constexpr std::pair<std::string_view, char> kEntities[] = {
          {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}};
      bool decoded = false;
      for (const auto& [entity, ch] : kEntities) {
        if (text.substr(i).starts_with(entity)) {
          run += ch;
          i += entity.size() - 1;
          decoded = true;
          break;
        }
      }
      if (!decoded) {
        run += c;
      }
    } else if (c == '`') {
      const auto end = text.find('`', i + 1);
      if (end == std::string_view::npos) {
        run += c;
        continue;
      }
      flush();
      out += "<code>" + xml_escape(text.substr(i + 1, end - i - 1)) + "</code>";
      i = end;
    } else if (c == '*') {
      flush();
      const bool double_star = i + 1 < text.size() && text[i + 1] == '*';
      bool& state = double_star ? strong : em;
      const char* tag = double_star ? "strong" : "em";
      out += state ? std::string("</") + tag + ">" : std::string("<") + tag + ">";
      if (state) {
        open.pop_back();
      } else {
        open.push_back(double_star ? "</strong>" : "</em>");
      }
      state = !state;
      i += double_star ? 1 : 0;
    } else {
      run += c;
    }
  }
  flush();
  // Prose is written balanced; close what is still open anyway, so the page's structure holds.
  while (!open.empty()) {
    out += open.back();
    open.pop_back();
  }
  return out;
}

// The cells of a pipe-table line: split on pipes that no backslash escapes, outer ones dropped.
std::vector<std::string_view> table_cells(std::string_view line) {
  std::vector<std::string_view> cells;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    std::size_t backslashes = 0;
    while (i < line.size() && backslashes < i && line[i - 1 - backslashes] == '\\') {
      ++backslashes;
    }
    if (i == line.size() || (line[i] == '|' && backslashes % 2 == 0)) {
      cells.push_back(trim(line.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (!cells.empty() && cells.front().empty()) {
    cells.erase(cells.begin());
  }
  if (!cells.empty() && cells.back().empty()) {
    cells.pop_back();
  }
  return cells;
}

std::size_t leading(std::string_view line, char c) {
  std::size_t n = 0;
  while (n < line.size() && line[n] == c) {
    ++n;
  }
  return n;
}

}  // namespace

std::string markdown_to_html(
    std::string_view markdown,
    const std::function<std::string(std::string_view src, std::string_view alt)>& image) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start < markdown.size();) {
    auto end = markdown.find('\n', start);
    if (end == std::string_view::npos) {
      end = markdown.size();
    }
    lines.push_back(markdown.substr(start, end - start));
    start = end + 1;
  }
  std::string out;
  std::vector<std::string_view> paragraph;
  const auto flush = [&] {
    if (paragraph.empty()) {
      return;
    }
    std::string text;
    for (const auto& line : paragraph) {
      text += (text.empty() ? "" : " ") + std::string(line);
    }
    out += "<p>" + inline_html(text) + "</p>\n";
    paragraph.clear();
  };
  bool in_details = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const std::size_t hashes = leading(line, '#');
    const std::size_t ticks = leading(line, '`');
    if (trim(line).empty()) {
      flush();
    } else if (ticks >= 3) {
      flush();
      std::string code;
      for (++i; i < lines.size(); ++i) {
        if (leading(lines[i], '`') >= ticks && trim(lines[i]).size() == leading(lines[i], '`')) {
          break;
        }
        code += std::string(lines[i]) + "\n";
      }
      out += "<pre><code>" + xml_escape(code) + "</code></pre>\n";
    } else if (hashes >= 1 && hashes <= 6 && line.size() > hashes && line[hashes] == ' ') {
      flush();
      const std::string text = inline_html(trim(line.substr(hashes)));
      if (in_details && hashes <= 3) {
        out += "</details>\n";
        in_details = false;
      }
      if (hashes == 3) {
        out += "<details>\n<summary>" + text + "</summary>\n";
        in_details = true;
      } else {
        const std::string level = std::to_string(hashes);
        out += "<h" + level + ">" + text + "</h" + level + ">\n";
      }
    } else if (line.starts_with("- ")) {
      flush();
      out += "<ul>\n";
      for (; i < lines.size() && lines[i].starts_with("- "); ++i) {
        out += "<li>" + inline_html(lines[i].substr(2)) + "</li>\n";
      }
      --i;
      out += "</ul>\n";
    } else if (line.starts_with('|')) {
      flush();
      std::vector<std::vector<std::string_view>> rows;
      for (; i < lines.size() && lines[i].starts_with('|'); ++i) {
        rows.push_back(table_cells(lines[i]));
      }
      --i;
      std::vector<bool> numeric;
      if (rows.size() >= 2) {
        for (const auto& cell : rows[1]) {
          numeric.push_back(cell.ends_with(':'));
        }
      }
      const auto cell_html = [&](std::size_t column, std::string_view cell, const char* tag) {
        const bool num = column < numeric.size() && numeric[column];
        return std::string("<") + tag + (num ? " class=\"num\"" : "") + ">" + inline_html(cell) +
               "</" + tag + ">";
      };
      out += "<table class=\"sortable\">\n<thead><tr>";
      for (std::size_t c = 0; c < rows.front().size(); ++c) {
        out += cell_html(c, rows.front()[c], "th");
      }
      out += "</tr></thead>\n<tbody>\n";
      for (std::size_t r = 2; r < rows.size(); ++r) {
        out += "<tr>";
        for (std::size_t c = 0; c < rows[r].size(); ++c) {
          out += cell_html(c, rows[r][c], "td");
        }
        out += "</tr>\n";
      }
      out += "</tbody>\n</table>\n";
    } else if (const auto t = trim(line);
               t.starts_with("![") && t.ends_with(')') && t.find("](") != std::string_view::npos) {
      flush();
      const auto middle = t.find("](");
      out += "<figure class=\"chart\">\n" +
             image(t.substr(middle + 2, t.size() - middle - 3), t.substr(2, middle - 2)) +
             "</figure>\n";
    } else {
      paragraph.push_back(line);
    }
  }
  flush();
  if (in_details) {
    out += "</details>\n";
  }
  return out;
}

void write_html(std::ostream& out, const Results& results) {
  std::ostringstream markdown;
  write_markdown(markdown, results);
  const auto image = [&](std::string_view src, std::string_view alt) {
    for (const auto& chart : chart_files()) {
      if (src == chart.path) {
        return chart.render(results);
      }
    }
    return "<img src=\"" + xml_escape(src) + "\" alt=\"" + xml_escape(alt) + "\">\n";
  };
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<meta name=\"color-scheme\" content=\"light dark\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
         "<title>imgbench run "
      << xml_escape(results.run.id) << "</title>\n<style>\n"
      << kStyle << "</style>\n</head>\n<body>\n<main>\n"
      << markdown_to_html(markdown.str(), image) << "</main>\n<script>\n"
      << kScript << "</script>\n</body>\n</html>\n";
}

}  // namespace imgbench
