#include "http_edge/api.hpp"

#include "actors/errc.hpp"
#include "actors/ids.hpp"
#include "actors/money.hpp"
#include "http_edge/json_out.hpp"
#include "http_edge/router.hpp"

#include <algorithm>
#include <caf/sec.hpp>
#include <charconv>
#include <nlohmann/json.hpp>

namespace microshop::http_edge {

using actors::errc;
using json = nlohmann::json;

namespace {

std::string encode_component(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
  return out;
}

void add_next_link(response& r, std::string_view path,
                   const std::string& filter, uint32_t limit,
                   const std::string& last_id) {
  std::string link = "<";
  link += path;
  link += "?";
  link += filter;
  link += "limit=" + std::to_string(limit);
  if (!last_id.empty())
    link += "&after=" + last_id;
  link += ">; rel=\"next\"";
  r.headers.emplace_back("Link", std::move(link));
}

} // namespace

response unavailable(std::string_view service) {
  return error_response(503, std::string{service} + " service unavailable");
}

response error_to_response(const caf::error& err, std::string_view service) {
  if (err.category() == caf::atom("microshop")) {
    auto text = actors::error_text(err);
    switch (static_cast<errc>(err.code())) {
    case errc::invalid:
      return error_response(400, text);
    case errc::duplicate:
      return error_response(409, text);
    case errc::user_not_found:
      return error_response(404, "User not found");
    case errc::order_not_found:
      return error_response(404, "Order not found");
    case errc::unavailable:
      return error_response(503, text.empty() ? "Service unavailable" : text);
    case errc::storage:
      return error_response(500, "Internal storage error");
    case errc::misconfigured:
      return unavailable(service);
    case errc::key_reused:
      return error_response(422, text);
    case errc::key_in_progress:
      return error_response(409, text);
    case errc::overloaded: {
      auto r =
          error_response(503, std::string{service} + " service overloaded");
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    }
  }
  if (err == caf::sec::request_timeout)
    return error_response(504, std::string{service} +
                                   " service did not answer in time");
  return unavailable(service);
}

response order_create_error(const caf::error& err) {
  if (actors::is(err, errc::user_not_found))
    return error_response(400, "User not found");
  return error_to_response(err, "Order");
}

response replayed(response r) {
  r.headers.emplace_back("Idempotent-Replayed", "true");
  r.headers.emplace_back("Access-Control-Expose-Headers",
                         "X-Request-Id, Idempotent-Replayed, Location");
  return r;
}

response created(actors::user_result& x) {
  auto r = x.err ? error_to_response(x.err, "User") : created(x.value);
  return x.replayed ? replayed(std::move(r)) : r;
}

response created(actors::order_result& x) {
  auto r = x.err ? order_create_error(x.err) : created(x.value);
  return x.replayed ? replayed(std::move(r)) : r;
}

response created(const actors::user& x) {
  response r{201, {}, {{"Location", "/api/users/" + x.id}}};
  append_user(r.body, x);
  return r;
}

response created(const actors::order& x) {
  response r{201, {}, {{"Location", "/api/orders/" + x.id}}};
  append_order(r.body, x);
  return r;
}

response found(const actors::user& x) {
  response r;
  append_user(r.body, x);
  return r;
}

response found(const actors::order& x) {
  response r;
  append_order(r.body, x);
  return r;
}

response listed(const actors::user_page& x, const actors::page& p) {
  response r{200, users_json(x.items)};
  // A page cut below the watermark may be empty: the next page starts where
  // this one did.
  if (x.more)
    add_next_link(r, "/api/users", "", p.limit,
                  x.items.empty() ? p.after : x.items.back().id);
  return r;
}

response listed(const actors::order_page& x, const actors::order_query& q) {
  response r{200, orders_json(x.items)};
  if (x.more)
    add_next_link(
        r, "/api/orders",
        q.user_id.empty() ? "" : "userId=" + encode_component(q.user_id) + "&",
        q.window.limit, x.items.empty() ? q.window.after : x.items.back().id);
  return r;
}

} // namespace microshop::http_edge
