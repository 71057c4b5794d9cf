// healthz: the service every variant packages, in C++. `GET /healthz` answers 200
// {"status":"ok"}, any other path 404; HTTP/1.1 keep-alive with pipelining, on one thread.
// Built static for `scratch` by the `static` variant.
//
//   healthz [PORT]     PORT from the argument, else $PORT, else 8080; 0 lets the kernel choose.
#include <array>
#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace {

constexpr std::uint16_t kDefaultPort = 8080;
// A request head (request line + headers + the blank line) larger than this is answered with 431.
constexpr std::size_t kMaxHeadBytes = 8 * 1024;
constexpr std::size_t kReadChunkBytes = 4096;
constexpr std::string_view kHeadEnd = "\r\n\r\n";
constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kHealthPath = "/healthz";
constexpr std::string_view kHealthBody = R"({"status":"ok"})";
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

// What the parser made of one request head. `error_status` 0 means well-formed.
struct Request {
  int error_status = 0;
  bool keep_alive = false;
  bool head_only = false;  // HEAD: the same headers as GET, no body
  bool get_or_head = false;
  std::string_view path;
};

[[nodiscard]] bool is_tchar(char c) {
  const auto u = static_cast<unsigned char>(c);
  if ((u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z')) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

[[nodiscard]] bool is_token(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (const char c : text) {
    if (!is_tchar(c)) {
      return false;
    }
  }
  return true;
}

[[nodiscard]] char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

[[nodiscard]] bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) {
      return false;
    }
  }
  return true;
}

[[nodiscard]] std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// True when the comma-separated header value `list` holds `token` (case-insensitive).
[[nodiscard]] bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (iequals(trim_ows(list.substr(0, comma)), token)) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    list.remove_prefix(comma + 1);
  }
  return false;
}

// The path of an origin-form ("/a?b") or absolute-form ("http://h/a") target; nullopt if neither.
[[nodiscard]] std::optional<std::string_view> target_path(std::string_view target) {
  if (target.empty()) {
    return std::nullopt;
  }
  for (const char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return std::nullopt;
    }
  }
  if (target.front() != '/') {
    const auto scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos || !(iequals(target.substr(0, scheme_end), "http") ||
                                                  iequals(target.substr(0, scheme_end), "https"))) {
      return std::nullopt;
    }
    const auto slash = target.find('/', scheme_end + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  return target.substr(0, target.find_first_of("?#"));
}

// Parses a request head without its closing blank line. No request bodies are accepted: a request
// announcing one is a 400, so the connection never has to skip bytes it did not parse.
[[nodiscard]] Request parse_request(std::string_view head) {
  Request request;
  request.error_status = 400;

  const auto line_end = head.find(kCrlf);
  const std::string_view request_line = head.substr(0, line_end);
  std::string_view fields =
      line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);

  const auto sp1 = request_line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || request_line.find(' ', sp2 + 1) != std::string_view::npos) {
    return request;
  }
  const std::string_view method = request_line.substr(0, sp1);
  const std::string_view version = request_line.substr(sp2 + 1);
  const auto path = target_path(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
  if (!is_token(method) || !path) {
    return request;
  }
  bool http11 = false;
  if (version == "HTTP/1.1") {
    http11 = true;
  } else if (version != "HTTP/1.0") {
    const bool looks_like_http = version.size() == 8 && version.substr(0, 5) == "HTTP/" &&
                                 version[5] >= '0' && version[5] <= '9' && version[6] == '.' &&
                                 version[7] >= '0' && version[7] <= '9';
    request.error_status = looks_like_http ? 505 : 400;
    return request;
  }

  int host_fields = 0;
  bool connection_close = false;
  bool connection_keep_alive = false;
  while (!fields.empty()) {
    const auto end = fields.find(kCrlf);
    const std::string_view line = fields.substr(0, end);
    fields = end == std::string_view::npos ? std::string_view() : fields.substr(end + 2);
    // A bare CR or LF inside a line, or a folded line (leading space: not a token), is malformed.
    if (line.find_first_of("\r\n") != std::string_view::npos) {
      return request;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
      return request;
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (iequals(name, "host")) {
      ++host_fields;
    } else if (iequals(name, "connection")) {
      connection_close = connection_close || has_token(value, "close");
      connection_keep_alive = connection_keep_alive || has_token(value, "keep-alive");
    } else if (iequals(name, "transfer-encoding")) {
      return request;
    } else if (iequals(name, "content-length")) {
      // Only an empty body (Content-Length: 0) is accepted; anything else is refused.
      if (value.empty() || value.find_first_not_of('0') != std::string_view::npos) {
        return request;
      }
    }
  }
  // RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host field is a 400.
  if (http11 && host_fields != 1) {
    return request;
  }

  request.error_status = 0;
  request.keep_alive = http11 ? !connection_close : (connection_keep_alive && !connection_close);
  request.head_only = method == "HEAD";
  request.get_or_head = method == "GET" || request.head_only;
  request.path = *path;
  return request;
}

[[nodiscard]] std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 431:
      return "Request Header Fields Too Large";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

// The Date header's value (RFC 9110 §6.6.1), formatted once a second: the service is one thread.
[[nodiscard]] std::string_view http_date() {
  static std::time_t cached_second = -1;
  static std::array<char, 64> text{};
  static std::size_t length = 0;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm utc{};
    gmtime_r(&now, &utc);
    length = std::strftime(text.data(), text.size(), "%a, %d %b %Y %H:%M:%S GMT", &utc);
    cached_second = now;
  }
  return {text.data(), length};
}

void append_response(std::string& out, int status, bool keep_alive, bool head_only) {
  std::string_view body = kHealthBody;
  std::string error_body;
  if (status != 200) {
    error_body = std::string(R"({"error":")") + std::string(reason_phrase(status)) + "\"}";
    body = error_body;
  }
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\nDate: ";
  out += http_date();
  out += "\r\nContent-Type: application/json\r\nContent-Length: ";
  out += std::to_string(body.size());
  if (status == 405) {
    out += "\r\nAllow: GET, HEAD";
  }
  // HTTP/1.1 keeps connections open unless told otherwise; say so explicitly for 1.0 clients too.
  out += keep_alive ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
  if (!head_only) {
    out += body;
  }
}

// One client connection: read → answer every complete request in the buffer → write → read again.
// Reading pauses while a write is in flight, so a pipelining client cannot grow `out_` unbounded.
class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}

  void start() { read_more(); }

 private:
  void read_more() {
    socket_.async_read_some(
        asio::buffer(chunk_),
        [self = shared_from_this()](const std::error_code& error, std::size_t bytes) {
          self->on_read(error, bytes);
        });
  }

  void on_read(const std::error_code& error, std::size_t bytes) {
    if (error) {
      return;  // the peer closed or reset: nobody left to answer
    }
    in_.append(chunk_.data(), bytes);
    answer_buffered();
    if (out_.empty()) {
      read_more();
      return;
    }
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](const std::error_code& write_error, std::size_t) {
                        self->on_written(write_error);
                      });
  }

  void answer_buffered() {
    std::size_t offset = 0;
    while (!close_after_write_) {
      // RFC 9112 §2.2: ignore empty lines before a request line (some clients send CRLF after one).
      while (in_.compare(offset, kCrlf.size(), kCrlf) == 0) {
        offset += kCrlf.size();
      }
      const auto end = in_.find(kHeadEnd, offset);
      if (end == std::string::npos) {
        if (in_.size() - offset >= kMaxHeadBytes) {
          answer_error(431);
        }
        break;
      }
      const std::size_t head_end = end + kHeadEnd.size();
      if (head_end - offset > kMaxHeadBytes) {
        answer_error(431);
        break;
      }
      answer(parse_request(std::string_view(in_).substr(offset, end - offset)));
      offset = head_end;
    }
    in_.erase(0, offset);
  }

  void answer(const Request& request) {
    if (request.error_status != 0) {
      answer_error(request.error_status);
      return;
    }
    int status = 404;
    if (request.path == kHealthPath) {
      status = request.get_or_head ? 200 : 405;
    }
    append_response(out_, status, request.keep_alive, request.head_only);
    close_after_write_ = !request.keep_alive;
  }

  // After a malformed request the stream position is unknown: answer, then close.
  void answer_error(int status) {
    append_response(out_, status, false, false);
    close_after_write_ = true;
  }

  void on_written(const std::error_code& error) {
    if (error) {
      return;
    }
    out_.clear();
    if (close_after_write_) {
      std::error_code ignored;
      socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      socket_.close(ignored);
      return;
    }
    read_more();
  }

  asio::ip::tcp::socket socket_;
  std::array<char, kReadChunkBytes> chunk_{};
  std::string in_;
  std::string out_;
  bool close_after_write_ = false;
};

class Server {
 public:
  Server(asio::io_context& io, std::uint16_t port)
      : acceptor_(io, asio::ip::tcp::endpoint(asio::ip::address_v4::any(), port)),
        retry_timer_(io) {}

  [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void start() { accept_next(); }

  void stop() {
    std::error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
  }

 private:
  void accept_next() {
    acceptor_.async_accept([this](const std::error_code& error, asio::ip::tcp::socket socket) {
      if (error == asio::error::operation_aborted) {
        return;
      }
      if (error) {
        // Out of descriptors and the like: retrying at once would spin; wait a moment.
        std::fprintf(stderr, "healthz: accept: %s\n", error.message().c_str());
        retry_timer_.expires_after(kAcceptRetryDelay);
        retry_timer_.async_wait([this](const std::error_code& timer_error) {
          if (!timer_error) {
            accept_next();
          }
        });
        return;
      }
      std::error_code ignored;
      // Small answers must leave at once, not wait for the client's delayed ACK.
      socket.set_option(asio::ip::tcp::no_delay(true), ignored);
      std::make_shared<Session>(std::move(socket))->start();
      accept_next();
    });
  }

  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
};

[[nodiscard]] std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  const auto* const last = text.data() + text.size();
  const auto [end, error] = std::from_chars(text.data(), last, value);
  if (text.empty() || error != std::errc() || end != last || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view port_text;
  if (argc > 1) {
    port_text = argv[1];
  } else if (const char* env_port = std::getenv("PORT"); env_port != nullptr && *env_port != '\0') {
    port_text = env_port;
  }
  std::uint16_t port = kDefaultPort;
  if (!port_text.empty()) {
    const auto parsed = parse_port(port_text);
    if (!parsed) {
      std::fprintf(stderr, "healthz: port: expected 0-65535, got '%.*s'\n",
                   static_cast<int>(port_text.size()), port_text.data());
      return 2;
    }
    port = *parsed;
  }

  try {
    asio::io_context io;
    Server server(io, port);
    // SIGTERM is how `docker stop` asks; the service must exit 0 at once, not wait for SIGKILL.
    asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](const std::error_code&, int) {
      server.stop();
      io.stop();
    });
    server.start();
    std::fprintf(stderr, "healthz: listening on 0.0.0.0:%u\n",
                 static_cast<unsigned>(server.port()));
    io.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "healthz: %s\n", e.what());
    return 1;
  }
  return 0;
}
