// summary: the report's opening in words — one or two sentences computed from a run's figures.
#pragma once

#include <string>

#include "results.hpp"

namespace imgbench {

// Plain text (the caller escapes it for markdown or HTML), sentences separated by one space:
// 1. the smallest measured image against the largest, as a size ratio, and how their p50
//    latencies compare ("static is 550× smaller than fat (1.1 MB against 583.2 MB) and answers
//    2.2× faster at p50 (67 µs against 150 µs)."); within 5 % reads "about as fast";
// 2. which variant has the lowest p50 latency and which the highest load_rps.
// With one measured variant: "Only static was measured: 1.1 MB, 67 µs at p50."; with none: "No
// variant was measured." (the report's next line counts the skipped and failed ones).
// Each sentence, or part, is left out when a figure it needs was not measured; a ratio of 10 or
// more is a whole number, a smaller one has one decimal. Measured means status ok.
[[nodiscard]] std::string summary(const Results& results);

}  // namespace imgbench
