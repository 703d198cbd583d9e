#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace microshop::http_edge {

/// An HTTP response; the body is JSON unless `content_type` names another
/// media type.
struct response {
  int status = 200;
  std::string body;
  /// Headers beyond the ones every response carries.
  std::vector<std::pair<std::string, std::string>> headers;
  /// The body's media type; empty: JSON (`application/json; charset=utf-8`).
  std::string content_type;
  /// An answer to HEAD: the headers `body` would have, without the body.
  bool omit_body = false;
};

/// The reason phrase of `status`, e.g. "Not Found".
std::string_view reason_phrase(int status);

/// A response with body {"error": message}.
response error_response(int status, std::string_view message);

/// Appends `r` as HTTP/1.1 bytes to `out`, with the headers every response
/// carries: CORS `Access-Control-Allow-Origin: *` and (unless `r` sets its
/// own) `Access-Control-Expose-Headers: X-Request-Id`, `X-Request-Id:
/// request_id` (when not empty), the content type (when there is a body),
/// `Content-Length`, `Connection: close` when the connection ends after it
/// and `Connection: keep-alive` when it stays open for an HTTP/1.0 request
/// (`http10`).
void write_response(const response& r, bool keep_alive, bool http10,
                    std::string_view request_id, std::vector<char>& out);

} // namespace microshop::http_edge
