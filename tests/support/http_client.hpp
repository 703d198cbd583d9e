#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace microshop::testing {

/// One HTTP response as received.
struct http_response {
  int status = 0;
  /// Header names in lower case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// The first header named `lower_name`, or nullptr.
  const std::string* header(std::string_view lower_name) const;

  /// The body as JSON (a discarded value when it is not JSON).
  nlohmann::json json() const;
};

/// With `MICROSHOP_RECORD_RESPONSES=<file>` set, every response to a
/// request sent with `send` (or `request`) is appended to `<file>` as one
/// JSON line {"method","target","status","headers":[[name,value]...],"body"}
/// (the file is emptied when the process first writes to it); connections
/// that wrote raw bytes are not recorded (their requests are not known).
/// tests/openapi/check_responses.mjs checks the lines against
/// docs/openapi.json.
///
/// A blocking HTTP/1.1 client connection to `http_host()` (127.0.0.1 unless
/// a netns cluster set its edge's address) that reads responses
/// with http_parser; it can also write raw bytes (pipelining, bad input).
class http_connection {
public:
  explicit http_connection(uint16_t port);
  ~http_connection();
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;

  /// Writes `bytes` as they are.
  void send_raw(std::string_view bytes);

  /// Sends one request with Host, Content-Length and the given headers.
  void send(std::string_view method, std::string_view target,
            std::string_view body = {},
            const std::vector<std::pair<std::string, std::string>>& headers = {
                {"Content-Type", "application/json"}});

  /// The next response, or nothing when the peer closed or `timeout` passed.
  std::optional<http_response>
  read(std::chrono::milliseconds timeout = std::chrono::seconds(15));

  /// Whether the peer closes the connection within `timeout`.
  bool closed_by_peer(std::chrono::milliseconds timeout);

private:
  struct parser_state;
  int fd_ = -1;
  std::string pending_;
  /// Method and target of each request sent with `send` and not yet
  /// answered, oldest first.
  std::deque<std::pair<std::string, std::string>> sent_;
  /// Whether raw bytes were written (the requests are then unknown).
  bool raw_ = false;
  void write_bytes(std::string_view bytes);
};

/// The target of `r`'s `Link: <...>; rel="next"` header, or "".
std::string next_link(const http_response& r);

/// Sends one request on a fresh connection and returns the response;
/// fails the test when none arrives.
http_response
request(uint16_t port, std::string_view method, std::string_view target,
        std::string_view body = {},
        const std::vector<std::pair<std::string, std::string>>& headers = {
            {"Content-Type", "application/json"}});

} // namespace microshop::testing
