#include "http_edge/request_parser.hpp"

#include <http_parser.h>

namespace microshop::http_edge {

struct request_parser::impl {
  request_limits limits;
  http_parser parser;
  http_parser_settings settings;
  http_request current;
  std::vector<http_request>* out = nullptr;
  size_t header_bytes = 0;
  bool in_value = false;
  int failed = 0;
  request_parser::phase_type phase = request_parser::phase_type::idle;

  explicit impl(request_limits lim) : limits(lim) {
    http_parser_init(&parser, HTTP_REQUEST);
    parser.data = this;
    http_parser_settings_init(&settings);
    settings.on_message_begin = [](http_parser* p) {
      auto& self = *static_cast<impl*>(p->data);
      self.current = http_request{};
      self.phase = request_parser::phase_type::headers;
      self.header_bytes = 0;
      self.in_value = false;
      return 0;
    };
    settings.on_url = [](http_parser* p, const char* at, size_t n) {
      auto& self = *static_cast<impl*>(p->data);
      self.current.target.append(at, n);
      return self.count_header(n);
    };
    settings.on_header_field = [](http_parser* p, const char* at, size_t n) {
      auto& self = *static_cast<impl*>(p->data);
      if (self.in_value || self.current.headers.empty()) {
        self.current.headers.emplace_back();
        self.in_value = false;
      }
      auto& name = self.current.headers.back().first;
      for (size_t i = 0; i < n; ++i) {
        char c = at[i];
        name.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
      }
      return self.count_header(n + 4);
    };
    settings.on_header_value = [](http_parser* p, const char* at, size_t n) {
      auto& self = *static_cast<impl*>(p->data);
      self.in_value = true;
      self.current.headers.back().second.append(at, n);
      return self.count_header(n);
    };
    settings.on_headers_complete = [](http_parser* p) {
      auto& self = *static_cast<impl*>(p->data);
      if ((p->flags & F_CONTENTLENGTH) &&
          p->content_length > self.limits.max_body_bytes) {
        self.failed = 413;
        return -1;
      }
      self.current.method =
          http_method_str(static_cast<http_method>(p->method));
      self.current.http10 = p->http_major == 1 && p->http_minor == 0;
      self.phase = request_parser::phase_type::body;
      return 0;
    };
    settings.on_body = [](http_parser* p, const char* at, size_t n) {
      auto& self = *static_cast<impl*>(p->data);
      if (self.current.body.size() + n > self.limits.max_body_bytes) {
        self.failed = 413;
        return -1;
      }
      self.current.body.append(at, n);
      return 0;
    };
    settings.on_message_complete = [](http_parser* p) {
      auto& self = *static_cast<impl*>(p->data);
      self.current.keep_alive = http_should_keep_alive(p) != 0;
      self.phase = request_parser::phase_type::idle;
      self.out->push_back(std::move(self.current));
      self.current = http_request{};
      return 0;
    };
  }

  int count_header(size_t n) {
    header_bytes += n;
    if (header_bytes > limits.max_header_bytes) {
      failed = 431;
      return -1;
    }
    return 0;
  }
};

request_parser::request_parser(request_limits limits)
    : impl_(std::make_unique<impl>(limits)) {
  // nop
}

request_parser::~request_parser() = default;

int request_parser::feed(const char* data, size_t size,
                         std::vector<http_request>& out) {
  auto& d = *impl_;
  if (d.failed != 0)
    return d.failed;
  d.out = &out;
  auto consumed = http_parser_execute(&d.parser, &d.settings, data, size);
  d.out = nullptr;
  if (d.failed != 0)
    return d.failed;
  auto err = HTTP_PARSER_ERRNO(&d.parser);
  if (err == HPE_HEADER_OVERFLOW)
    return d.failed = 431;
  if (err != HPE_OK)
    return d.failed = 400;
  if (d.parser.upgrade != 0 || consumed != size) {
    // Protocol upgrades (and CONNECT) are not served: answer what was
    // parsed, then close.
    if (!out.empty())
      out.back().keep_alive = false;
    else
      return d.failed = 400;
  }
  return 0;
}

request_parser::phase_type request_parser::phase() const {
  return impl_->phase;
}

size_t request_parser::buffered_bytes() const {
  return impl_->header_bytes + impl_->current.body.size();
}

bool request_parser::take_continue() {
  return false;
}

std::string_view request_parser::error_message() const {
  switch (impl_->failed) {
  case 413:
    return "Request body exceeds 1 MiB";
  case 431:
    return "Request headers exceed 8 KiB";
  default:
    return "Malformed HTTP request";
  }
}

} // namespace microshop::http_edge
