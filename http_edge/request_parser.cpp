#include "http_edge/request_parser.hpp"

#include "http_edge/http_syntax.hpp"

#include <algorithm>
#include <array>
#include <http_parser.h>
#include <string>
#include <utility>

namespace microshop::http_edge {

namespace {

/// Bytes handed to http_parser at a time: our callbacks see a growing request
/// line or header after each slice, so our 414 and 431 limits fire long
/// before http_parser's own 80 KiB header limit would.
constexpr size_t slice_bytes = size_t{16} * 1024;

} // namespace

struct request_parser::impl {
  request_limits limits;
  http_parser parser;
  http_parser_settings settings;
  http_request current;
  std::vector<http_request>* out = nullptr;
  size_t header_bytes = 0;
  bool in_value = false;
  int failed = 0;
  std::string message;
  request_phase phase = request_phase::idle;
  bool continue_pending = false;

  explicit impl(request_limits lim) : limits(lim) {
    http_parser_init(&parser, HTTP_REQUEST);
    parser.data = this;
    http_parser_settings_init(&settings);
    settings.on_message_begin = [](http_parser* p) {
      auto& self = *static_cast<impl*>(p->data);
      self.current = http_request{};
      self.header_bytes = 0;
      self.in_value = false;
      self.phase = request_phase::headers;
      self.continue_pending = false;
      return 0;
    };
    settings.on_url = [](http_parser* p, const char* at, size_t n) {
      auto& self = *static_cast<impl*>(p->data);
      self.current.target.append(at, n);
      if (self.current.target.size() > self.limits.max_target_bytes)
        return self.fail(414, "Request target exceeds " +
                                  size_text(self.limits.max_target_bytes));
      return self.count_header(n);
    };
    settings.on_header_field = [](http_parser* p, const char* at, size_t n) {
      auto& self = *static_cast<impl*>(p->data);
      // Trailer fields of a chunked body are counted, not kept.
      if (self.phase == request_phase::body)
        return self.count_header(n + 4);
      if (self.in_value || self.current.headers.empty()) {
        self.current.headers.emplace_back();
        self.in_value = false;
      }
      auto& name = self.current.headers.back().first;
      for (size_t i = 0; i < n; ++i)
        name.push_back(to_lower(at[i]));
      return self.count_header(n + 4);
    };
    settings.on_header_value = [](http_parser* p, const char* at, size_t n) {
      auto& self = *static_cast<impl*>(p->data);
      if (self.phase == request_phase::body)
        return self.count_header(n);
      self.in_value = true;
      self.current.headers.back().second.append(at, n);
      return self.count_header(n);
    };
    settings.on_headers_complete = [](http_parser* p) {
      return static_cast<impl*>(p->data)->headers_complete();
    };
    settings.on_body = [](http_parser* p, const char* at, size_t n) {
      auto& self = *static_cast<impl*>(p->data);
      if (self.current.body.size() + n > self.limits.max_body_bytes)
        return self.fail(413, body_too_large(self.limits));
      self.current.body.append(at, n);
      return 0;
    };
    settings.on_message_complete = [](http_parser* p) {
      auto& self = *static_cast<impl*>(p->data);
      self.current.keep_alive = http_should_keep_alive(p) != 0;
      self.out->push_back(std::move(self.current));
      self.current = http_request{};
      self.header_bytes = 0;
      self.phase = request_phase::idle;
      self.continue_pending = false;
      return 0;
    };
  }

  static std::string body_too_large(const request_limits& limits) {
    return "Request body exceeds " + size_text(limits.max_body_bytes);
  }

  /// Records the failure; returns what makes http_parser stop.
  int fail(int status, std::string text) {
    failed = status;
    message = std::move(text);
    continue_pending = false;
    return -1;
  }

  int count_header(size_t n) {
    header_bytes += n;
    if (header_bytes > limits.max_header_bytes)
      return fail(431, "Request headers exceed " +
                           size_text(limits.max_header_bytes));
    return 0;
  }

  /// Checks the request line and headers against API.md's HTTP/1.1 rules.
  int headers_complete() {
    if (parser.http_major != 1 || parser.http_minor > 1)
      return fail(505, "HTTP version not supported; use HTTP/1.1 or HTTP/1.0");
    size_t hosts = 0;
    const std::string* host = nullptr;
    size_t codings = 0;
    const std::string* coding = nullptr;
    size_t expects = 0;
    const std::string* expect = nullptr;
    // The whitespace around a field value is not part of it (RFC 9110 5.5);
    // http_parser drops it in front only.
    for (auto& header : current.headers) {
      auto& value = header.second;
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.pop_back();
    }
    for (const auto& [name, value] : current.headers) {
      if (name.empty() || !std::all_of(name.begin(), name.end(), is_tchar))
        return fail(400, "A header field name is invalid");
      if (name == "host") {
        ++hosts;
        host = &value;
      } else if (name == "transfer-encoding") {
        ++codings;
        coding = &value;
      } else if (name == "expect") {
        ++expects;
        expect = &value;
      }
    }
    if (hosts == 0)
      return fail(400, "Host header is required");
    if (hosts > 1)
      return fail(400, "Host header must appear exactly once");
    if (!is_valid_authority(trim_ows(*host)))
      return fail(400, "Host header is invalid");
    if (codings > 1 || (codings == 1 && !iequals(trim_ows(*coding), "chunked")))
      return fail(501, "Transfer-Encoding other than chunked is not supported");
    bool wants_continue = false;
    if (expects > 0) {
      if (expects > 1 || !iequals(trim_ows(*expect), "100-continue"))
        return fail(417, "Expect header supports only 100-continue");
      wants_continue = true;
    }
    if ((parser.flags & F_CONTENTLENGTH) &&
        parser.content_length > limits.max_body_bytes)
      return fail(413, body_too_large(limits));
    if (!to_origin_form(current.target))
      return fail(400, "Request target is invalid");
    current.method = http_method_str(static_cast<http_method>(parser.method));
    current.http10 = parser.http_minor == 0;
    phase = request_phase::body;
    // HTTP/1.0 clients do not know 100 Continue (RFC 9110 10.1.1).
    continue_pending = wants_continue && !current.http10;
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
  for (size_t done = 0; done < size;) {
    auto n = std::min(slice_bytes, size - done);
    auto consumed = http_parser_execute(&d.parser, &d.settings, data + done, n);
    if (d.failed != 0)
      break;
    auto err = HTTP_PARSER_ERRNO(&d.parser);
    if (err == HPE_HEADER_OVERFLOW) {
      d.fail(431,
             "Request headers exceed " + size_text(d.limits.max_header_bytes));
      break;
    }
    if (err == HPE_INVALID_TRANSFER_ENCODING) {
      d.fail(501, "Transfer-Encoding other than chunked is not supported");
      break;
    }
    if (err != HPE_OK) {
      d.fail(400, "Malformed HTTP request");
      break;
    }
    if (d.parser.upgrade != 0 || consumed != n) {
      // Protocol upgrades (and CONNECT) are not served: answer what was
      // parsed, then close.
      if (!out.empty())
        out.back().keep_alive = false;
      else
        d.fail(400, "Malformed HTTP request");
      break;
    }
    done += n;
  }
  d.out = nullptr;
  return d.failed;
}

std::string_view request_parser::error_message() const {
  return impl_->message;
}

bool request_parser::take_continue() {
  return std::exchange(impl_->continue_pending, false);
}

request_phase request_parser::phase() const {
  return impl_->phase;
}

size_t request_parser::buffered_bytes() const {
  auto& d = *impl_;
  if (d.phase == request_phase::idle)
    return 0;
  return d.header_bytes + d.current.body.size();
}

} // namespace microshop::http_edge
