#include "http_edge/json_out.hpp"

#include "actors/money.hpp"

#include <ctime>

namespace microshop::http_edge {

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out += "\\u00";
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

std::string format_timestamp(int64_t unix_ms) {
  auto secs = static_cast<time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  auto n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out{buf, n};
  char ms[8];
  std::snprintf(ms, sizeof(ms), ".%03dZ", static_cast<int>(unix_ms % 1000));
  out += ms;
  return out;
}

void append_user(std::string& out, const actors::user& x) {
  out += "{\"id\":";
  append_json_string(out, x.id);
  out += ",\"username\":";
  append_json_string(out, x.username);
  out += ",\"email\":";
  append_json_string(out, x.email);
  out += ",\"createdAt\":\"";
  out += format_timestamp(x.created_ms);
  out += "\"}";
}

void append_order(std::string& out, const actors::order& x) {
  out += "{\"id\":";
  append_json_string(out, x.id);
  out += ",\"userId\":";
  append_json_string(out, x.user_id);
  out += ",\"products\":[";
  for (size_t i = 0; i < x.products.size(); ++i) {
    const auto& p = x.products[i];
    if (i > 0)
      out.push_back(',');
    out += "{\"productId\":";
    append_json_string(out, p.product_id);
    out += ",\"quantity\":";
    out += std::to_string(p.quantity);
    out += ",\"price\":";
    out += actors::format_cents(static_cast<uint64_t>(p.price_cents));
    out.push_back('}');
  }
  out += "],\"total\":";
  out += actors::format_cents(x.total_cents);
  out += ",\"status\":";
  append_json_string(out, x.status);
  out += ",\"createdAt\":\"";
  out += format_timestamp(x.created_ms);
  out += "\"}";
}

namespace {

template <class T, class F>
std::string array_json(const std::vector<T>& xs, F append_one) {
  std::string out;
  out.reserve(16 + xs.size() * 160);
  out.push_back('[');
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i > 0)
      out.push_back(',');
    append_one(out, xs[i]);
  }
  out.push_back(']');
  return out;
}

} // namespace

std::string users_json(const std::vector<actors::user>& xs) {
  return array_json(xs, append_user);
}

std::string orders_json(const std::vector<actors::order>& xs) {
  return array_json(xs, append_order);
}

} // namespace microshop::http_edge
