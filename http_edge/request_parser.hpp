#pragma once

#include "http_edge/http_request.hpp"

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace microshop::http_edge {

/// Limits API.md sets on a request.
struct request_limits {
  /// Request line and headers; more is answered with 431.
  size_t max_header_bytes = size_t{8} * 1024;
  /// Body; more is answered with 413.
  size_t max_body_bytes = size_t{1024} * 1024;
};

/// Turns a connection's byte stream into requests with Debian's http_parser
/// (the Node.js parser); handles pipelining and chunked bodies.
class request_parser {
public:
  explicit request_parser(request_limits limits = {});
  ~request_parser();
  request_parser(const request_parser&) = delete;
  request_parser& operator=(const request_parser&) = delete;

  /// Parses `size` more bytes and appends each request they complete to
  /// `out`. Returns 0 while the stream is well-formed; otherwise the status
  /// to answer with before closing the connection (400, 413 or 431), and
  /// every later call returns it again.
  int feed(const char* data, size_t size, std::vector<http_request>& out);

  /// Where the parser stands in the current request.
  enum class phase_type { idle, headers, body };

  /// `idle` before the first byte of a request, `headers` until its headers
  /// are complete, `body` until its body is.
  phase_type phase() const;

  /// Bytes of the incomplete current request held in memory.
  size_t buffered_bytes() const;

  /// True once for a request that asked for `100 Continue` and whose body
  /// has not arrived yet.
  bool take_continue();

  /// The JSON error text for the status `feed` failed with.
  std::string_view error_message() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace microshop::http_edge
