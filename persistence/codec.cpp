#include "persistence/codec.hpp"

#include <cstdint>

namespace microshop::persistence::detail {

namespace {

constexpr char user_format = 'U';
constexpr char order_format = 'O';
constexpr char key_format = 'K';

void put_varint(std::string& out, uint64_t x) {
  while (x >= 0x80) {
    out.push_back(static_cast<char>((x & 0x7f) | 0x80));
    x >>= 7;
  }
  out.push_back(static_cast<char>(x));
}

void put_str(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

void put_int(std::string& out, int64_t x) {
  put_varint(out, static_cast<uint64_t>(x));
}

/// Reads fields from the front of a byte string; any overrun sets `ok` false.
struct reader {
  std::string_view in;
  bool ok = true;

  uint64_t varint() {
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in.empty())
        break;
      auto b = static_cast<uint8_t>(in.front());
      in.remove_prefix(1);
      x |= uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0)
        return x;
    }
    ok = false;
    return 0;
  }

  std::string str() {
    auto n = varint();
    if (!ok || n > in.size()) {
      ok = false;
      return {};
    }
    std::string s{in.substr(0, n)};
    in.remove_prefix(n);
    return s;
  }

  int64_t integer() {
    return static_cast<int64_t>(varint());
  }

  bool tag(char expected) {
    if (in.empty() || in.front() != expected)
      return ok = false;
    in.remove_prefix(1);
    return true;
  }
};

} // namespace

std::string encode(const user_record& x) {
  std::string out;
  out.reserve(32 + x.id.size() + x.username.size() + x.email.size() +
              x.password_hash.size());
  out.push_back(user_format);
  put_str(out, x.id);
  put_str(out, x.username);
  put_str(out, x.email);
  put_str(out, x.password_hash);
  put_int(out, x.created_ms);
  return out;
}

std::string encode(const order_record& x) {
  std::string out;
  out.reserve(64 + x.products.size() * 32);
  out.push_back(order_format);
  put_str(out, x.id);
  put_str(out, x.user_id);
  put_varint(out, x.products.size());
  for (const auto& p : x.products) {
    put_str(out, p.product_id);
    put_int(out, p.quantity);
    put_int(out, p.price_cents);
  }
  put_varint(out, x.total_cents);
  put_str(out, x.status);
  put_int(out, x.created_ms);
  return out;
}

std::string encode(const key_record& x) {
  std::string out;
  out.reserve(16 + x.fingerprint.size() + x.text.size());
  out.push_back(key_format);
  auto t = static_cast<uint64_t>(x.stored_ms);
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((t >> shift) & 0xff));
  put_varint(out, x.code);
  put_str(out, x.fingerprint);
  put_str(out, x.text);
  return out;
}

std::optional<int64_t> key_stored_ms(std::string_view bytes) {
  if (bytes.size() < 9 || bytes.front() != key_format)
    return std::nullopt;
  uint64_t t = 0;
  for (size_t i = 1; i < 9; ++i)
    t = (t << 8) | static_cast<uint8_t>(bytes[i]);
  return static_cast<int64_t>(t);
}

std::optional<key_record> decode_key(std::string_view bytes) {
  auto t = key_stored_ms(bytes);
  if (!t)
    return std::nullopt;
  reader r{bytes.substr(9)};
  key_record x;
  x.stored_ms = *t;
  auto code = r.varint();
  x.fingerprint = r.str();
  x.text = r.str();
  if (!r.ok || !r.in.empty() || code > 255)
    return std::nullopt;
  x.code = static_cast<uint8_t>(code);
  return x;
}

std::string scoped_key(std::string_view scope, std::string_view key) {
  std::string out;
  out.reserve(2 + scope.size() + key.size());
  put_str(out, scope);
  out.append(key);
  return out;
}

std::optional<user_record> decode_user(std::string_view bytes) {
  reader r{bytes};
  if (!r.tag(user_format))
    return std::nullopt;
  user_record x;
  x.id = r.str();
  x.username = r.str();
  x.email = r.str();
  x.password_hash = r.str();
  x.created_ms = r.integer();
  if (!r.ok || !r.in.empty())
    return std::nullopt;
  return x;
}

std::optional<order_record> decode_order(std::string_view bytes) {
  reader r{bytes};
  if (!r.tag(order_format))
    return std::nullopt;
  order_record x;
  x.id = r.str();
  x.user_id = r.str();
  auto n = r.varint();
  if (!r.ok || n > r.in.size())
    return std::nullopt;
  x.products.resize(n);
  for (auto& p : x.products) {
    p.product_id = r.str();
    p.quantity = r.integer();
    p.price_cents = r.integer();
  }
  x.total_cents = r.varint();
  x.status = r.str();
  x.created_ms = r.integer();
  if (!r.ok || !r.in.empty())
    return std::nullopt;
  return x;
}

} // namespace microshop::persistence::detail
