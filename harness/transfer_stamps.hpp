// When one libcurl transfer's request left and its answer arrived, stamped by libcurl's own
// callbacks, for the sequential client and the load phases alike (curl_pool.hpp): the latency is
// measured between the two, which leaves libcurl's bookkeeping before and after each transfer
// (connection-cache lookup, setup and teardown: ~11 µs a request here) out of a figure that is
// meant to be the service's.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace imgbench {

struct TransferStamps {
  using Clock = std::chrono::steady_clock;

  Clock::time_point written;  // the connection ready, the request about to be written
  // The answer's last header line or body chunk so far: when its socket was reported readable, if
  // the caller said (readable_since), else when libcurl handed it over.
  Clock::time_point arrived;
  bool was_written = false;
  bool answered = false;
  std::uint64_t body_bytes = 0;  // counted, never kept: the harness times answers, not bodies
  // Set by whoever drives libcurl: while it services a socket that was reported readable, the
  // moment it was; empty (or no pointer) when libcurl reads on its own, then a callback's own clock
  // stands in. Must outlive the handle.
  const std::optional<Clock::time_point>* readable_since = nullptr;

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
  // A readiness from before this request's write belongs to another transfer that libcurl ran in
  // the same call (a due timer); then the callback's own clock stands in.
  void mark_arrival() {
    if (readable_since != nullptr && readable_since->has_value() &&
        (!was_written || **readable_since >= written)) {
      arrived = **readable_since;
    } else {
      arrived = Clock::now();
    }
    answered = true;
  }

  static int on_prereq(void* user, char* /*remote_ip*/, char* /*local_ip*/, int /*remote_port*/,
                       int /*local_port*/) {
    auto* stamps = static_cast<TransferStamps*>(user);
    stamps->written = Clock::now();
    stamps->was_written = true;
    return CURL_PREREQFUNC_OK;
  }
  // Each header line moves the end, so an answer without a body ends at its blank line.
  static std::size_t on_header(char* /*data*/, std::size_t size, std::size_t count, void* user) {
    static_cast<TransferStamps*>(user)->mark_arrival();
    return size * count;
  }
  static std::size_t on_body(char* /*data*/, std::size_t size, std::size_t count, void* user) {
    auto* stamps = static_cast<TransferStamps*>(user);
    const std::size_t bytes = size * count;
    stamps->body_bytes += bytes;
    stamps->mark_arrival();
    return bytes;
  }
};

}  // namespace imgbench
