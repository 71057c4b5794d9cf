// A command-line driver for run_load, for measuring the load phase itself under taskset, perf or
// callgrind against a server started separately (say the host-built healthz):
//   load_driver URL [connections=16] [duration_ms=5000] [rate_rps=0]
// Prints one line of figures on stdout; exit 1 on input errors.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "error.hpp"
#include "load.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: load_driver URL [connections] [duration_ms] [rate_rps]\n";
    return 1;
  }
  try {
    imgbench::LoadOptions options;
    options.url = argv[1];
    options.connections = argc > 2 ? std::stoi(argv[2]) : 16;
    options.duration = std::chrono::milliseconds(argc > 3 ? std::stol(argv[3]) : 5000);
    options.rate_rps = argc > 4 ? std::stod(argv[4]) : 0;
    const imgbench::LoadResult result = imgbench::run_load(options);
    std::cout << "requests " << result.requests << " errors " << result.errors << " reconnects "
              << result.reconnects << " rps " << result.achieved_rps << " cpu_s "
              << result.harness_cpu_s << " wait_s " << result.harness_wait_s << " elapsed_s "
              << std::chrono::duration<double>(result.elapsed).count() << " p50_us "
              << result.latency_us.percentile(0.5) << " p99_us "
              << result.latency_us.percentile(0.99) << " late " << result.late_starts << " unsent "
              << result.unsent;
    if (!result.first_error.empty()) {
      std::cout << " first_error \"" << result.first_error << '"';
    }
    std::cout << '\n';
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "load_driver: " << error.what() << '\n';
    return 1;
  }
}
