// Small builders of results for the unit tests that compare runs (regress, regress_report).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "results.hpp"

namespace imgbench::test {

// A measured variant with these metrics and, per metric, its repetitions' figures.
inline VariantResult variant(const std::string& name, std::map<std::string, double> metrics,
                             std::map<std::string, std::vector<double>> samples = {}) {
  VariantResult v;
  v.name = name;
  v.metrics = std::move(metrics);
  v.samples = std::move(samples);
  return v;
}

}  // namespace imgbench::test
