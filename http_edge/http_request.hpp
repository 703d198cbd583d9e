#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace microshop::http_edge {

/// One complete HTTP/1.x request.
struct http_request {
  std::string method;
  /// The request target in origin-form, e.g. "/api/orders?userId=x"; an
  /// absolute-form target ("http://host/path?q") arrives here as "/path?q".
  std::string target;
  /// Header names in lower case, values as sent, in order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Whether the connection stays open after the response.
  bool keep_alive = true;
  /// Whether the request is HTTP/1.0 (else HTTP/1.1).
  bool http10 = false;

  /// The value of the first header named `lower_name`, or nullptr.
  const std::string* header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers)
      if (name == lower_name)
        return &value;
    return nullptr;
  }
};

} // namespace microshop::http_edge
