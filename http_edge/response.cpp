#include "http_edge/response.hpp"

#include "http_edge/json_out.hpp"

#include <charconv>

namespace microshop::http_edge {

std::string_view reason_phrase(int status) {
  switch (status) {
  case 100:
    return "Continue";
  case 200:
    return "OK";
  case 201:
    return "Created";
  case 204:
    return "No Content";
  case 400:
    return "Bad Request";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 408:
    return "Request Timeout";
  case 409:
    return "Conflict";
  case 413:
    return "Payload Too Large";
  case 414:
    return "URI Too Long";
  case 415:
    return "Unsupported Media Type";
  case 417:
    return "Expectation Failed";
  case 422:
    return "Unprocessable Content";
  case 431:
    return "Request Header Fields Too Large";
  case 500:
    return "Internal Server Error";
  case 501:
    return "Not Implemented";
  case 503:
    return "Service Unavailable";
  case 504:
    return "Gateway Timeout";
  case 505:
    return "HTTP Version Not Supported";
  default:
    return "Unknown";
  }
}

response error_response(int status, std::string_view message) {
  response r;
  r.status = status;
  r.body = "{\"error\":";
  append_json_string(r.body, message);
  r.body.push_back('}');
  return r;
}

void write_response(const response& r, bool keep_alive, bool http10,
                    std::string_view request_id, std::vector<char>& out) {
  auto append = [&out](std::string_view s) {
    out.insert(out.end(), s.begin(), s.end());
  };
  char num[24];
  append("HTTP/1.1 ");
  append({num, static_cast<size_t>(
                   std::to_chars(num, num + sizeof(num), r.status).ptr - num)});
  append(" ");
  append(reason_phrase(r.status));
  append("\r\nAccess-Control-Allow-Origin: *\r\n");
  if (!request_id.empty()) {
    bool own_expose = false;
    for (const auto& h : r.headers)
      own_expose = own_expose || h.first == "Access-Control-Expose-Headers";
    if (!own_expose)
      append("Access-Control-Expose-Headers: X-Request-Id\r\n");
    append("X-Request-Id: ");
    append(request_id);
    append("\r\n");
  }
  if (!r.body.empty()) {
    append("Content-Type: ");
    append(r.content_type.empty() ? "application/json; charset=utf-8"
                                  : std::string_view{r.content_type});
    append("\r\n");
  }
  if (r.status != 204) {
    append("Content-Length: ");
    append({num, static_cast<size_t>(
                     std::to_chars(num, num + sizeof(num), r.body.size()).ptr -
                     num)});
    append("\r\n");
  }
  for (const auto& [name, value] : r.headers) {
    append(name);
    append(": ");
    append(value);
    append("\r\n");
  }
  if (!keep_alive)
    append("Connection: close\r\n");
  else if (http10)
    append("Connection: keep-alive\r\n");
  append("\r\n");
  if (!r.omit_body)
    append(r.body);
}

} // namespace microshop::http_edge
