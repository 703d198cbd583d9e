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
  /// Request target as sent; more is answered with 414.
  size_t max_target_bytes = size_t{8} * 1024;
};

/// Where the request a `request_parser` is reading stands.
enum class request_phase {
  /// No byte of the next request seen yet.
  idle,
  /// The request line or headers are incomplete.
  headers,
  /// The headers are complete, the body is not.
  body,
};

/// Turns a connection's byte stream into requests with Debian's http_parser
/// (the Node.js parser); handles pipelining and chunked bodies, and enforces
/// the HTTP/1.1 rules of API.md (one valid Host, versions 1.0 and 1.1, no
/// transfer coding but chunked, only `Expect: 100-continue`).
class request_parser {
public:
  explicit request_parser(request_limits limits = {});
  ~request_parser();
  request_parser(const request_parser&) = delete;
  request_parser& operator=(const request_parser&) = delete;

  /// Parses `size` more bytes and appends each request they complete to
  /// `out`. Returns 0 while the stream is well-formed; otherwise the status
  /// to answer with before closing the connection (400, 413, 414, 417, 431,
  /// 501 or 505, with `error_message()`), and every later call returns it
  /// again.
  int feed(const char* data, size_t size, std::vector<http_request>& out);

  /// The text for the `{"error": ...}` body of the status `feed` returned;
  /// empty while the stream is well-formed.
  std::string_view error_message() const;

  /// True exactly once for the request being read when its headers are
  /// complete, it is HTTP/1.1, it carries `Expect: 100-continue` and its body
  /// is not complete yet: the caller then sends `100 Continue`.
  bool take_continue();

  /// Where the request being read stands.
  request_phase phase() const;

  /// Bytes of the incomplete request held in memory: its request line and
  /// headers as counted against `max_header_bytes`, plus its body so far;
  /// 0 when idle.
  size_t buffered_bytes() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace microshop::http_edge
