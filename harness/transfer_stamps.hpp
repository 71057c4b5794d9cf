// When one libcurl transfer's request left and its answer ended, stamped by libcurl's own
// callbacks, for the sequential client (probe.cpp) and the load phases (load.cpp) alike: the
// latency is measured between the two, which leaves libcurl's bookkeeping before and after each
// transfer (connection-cache lookup, liveness poll, setup and teardown: ~11 µs a request here)
// out of a figure that is meant to be the service's.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace imgbench {

struct TransferStamps {
  using Clock = std::chrono::steady_clock;

  Clock::time_point written;    // the connection ready, the request about to be written
  Clock::time_point last_byte;  // the answer's last header line or body chunk so far
  bool was_written = false;
  bool answered = false;
  std::uint64_t body_bytes = 0;  // counted, never kept: the harness times answers, not bodies

  // Before each transfer; body_bytes keeps counting.
  void clear() {
    was_written = false;
    answered = false;
  }

  // Installs the three callbacks on `easy`, with this object as their data; it must outlive the
  // handle and never move. Returns the first failing option's code, else CURLE_OK.
  CURLcode install(CURL* easy) {
    void* self = static_cast<void*>(this);
    CURLcode rc = curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, on_prereq);
    if (rc == CURLE_OK) {
      rc = curl_easy_setopt(easy, CURLOPT_PREREQDATA, self);
    }
    if (rc == CURLE_OK) {
      rc = curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    }
    if (rc == CURLE_OK) {
      rc = curl_easy_setopt(easy, CURLOPT_HEADERDATA, self);
    }
    if (rc == CURLE_OK) {
      rc = curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    }
    if (rc == CURLE_OK) {
      rc = curl_easy_setopt(easy, CURLOPT_WRITEDATA, self);
    }
    return rc;
  }

 private:
  static int on_prereq(void* user, char* /*remote_ip*/, char* /*local_ip*/, int /*remote_port*/,
                       int /*local_port*/) {
    auto* stamps = static_cast<TransferStamps*>(user);
    stamps->written = Clock::now();
    stamps->was_written = true;
    return CURL_PREREQFUNC_OK;
  }
  // Each header line moves the end, so an answer without a body ends at its blank line.
  static std::size_t on_header(char* /*data*/, std::size_t size, std::size_t count, void* user) {
    auto* stamps = static_cast<TransferStamps*>(user);
    stamps->last_byte = Clock::now();
    stamps->answered = true;
    return size * count;
  }
  static std::size_t on_body(char* /*data*/, std::size_t size, std::size_t count, void* user) {
    auto* stamps = static_cast<TransferStamps*>(user);
    const std::size_t bytes = size * count;
    stamps->body_bytes += bytes;
    stamps->last_byte = Clock::now();
    stamps->answered = true;
    return bytes;
  }
};

}  // namespace imgbench
