#include "http_edge/json_out.hpp"

#include "actors/money.hpp"

#include <ctime>

namespace microshop::http_edge {

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  // Runs of characters that need no escape are appended whole.
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = s[i];
    auto u = static_cast<unsigned char>(c);
    if (c != '"' && c != '\\' && u >= 0x20)
      continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    if (u < 0x20) {
      char esc[6] = {'\\', 'u', '0', '0', hex[u >> 4], hex[u & 0xf]};
      out.append(esc, sizeof(esc));
    } else {
      char esc[2] = {'\\', c};
      out.append(esc, sizeof(esc));
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

namespace {

/// Writes `v` as `width` decimal digits ending before `end`.
void put_digits(char* end, unsigned v, int width) {
  for (int i = 0; i < width; ++i) {
    *--end = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

} // namespace

std::string format_timestamp(int64_t unix_ms) {
  // The proleptic Gregorian date of a day count (H. Hinnant's
  // civil_from_days), without strftime and snprintf (locale, format
  // parsing) on every answer.
  auto ms = unix_ms % 1000;
  auto secs = unix_ms / 1000;
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  auto days = secs / 86400;
  auto sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  auto z = days + 719468;
  auto era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = z - era * 146097;
  auto yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  auto doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  auto mp = (5 * doy + 2) / 153;
  auto day = doy - (153 * mp + 2) / 5 + 1;
  auto month = mp < 10 ? mp + 3 : mp - 9;
  auto year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  // "YYYY-MM-DDTHH:MM:SS.mmmZ"; years outside 0..9999 keep four digits of
  // their value modulo 10000 (no timestamp this service makes is there).
  std::string out = "0000-00-00T00:00:00.000Z";
  auto* p = out.data();
  put_digits(p + 4, static_cast<unsigned>(((year % 10000) + 10000) % 10000), 4);
  put_digits(p + 7, static_cast<unsigned>(month), 2);
  put_digits(p + 10, static_cast<unsigned>(day), 2);
  put_digits(p + 13, static_cast<unsigned>(sod / 3600), 2);
  put_digits(p + 16, static_cast<unsigned>(sod / 60 % 60), 2);
  put_digits(p + 19, static_cast<unsigned>(sod % 60), 2);
  put_digits(p + 23, static_cast<unsigned>(ms), 3);
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
