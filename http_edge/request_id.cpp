#include "http_edge/request_id.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <unistd.h>

namespace microshop::http_edge {

namespace {

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':';
}

uint32_t process_prefix() {
  std::random_device rd;
  auto seed = static_cast<uint64_t>(rd()) ^
              static_cast<uint64_t>(
                  std::chrono::steady_clock::now().time_since_epoch().count()) ^
              (static_cast<uint64_t>(::getpid()) << 20);
  std::mt19937_64 gen{seed};
  return static_cast<uint32_t>(gen());
}

} // namespace

bool is_valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128)
    return false;
  for (char c : id)
    if (!is_id_char(c))
      return false;
  return true;
}

std::string_view request_id_rule() {
  return "X-Request-Id must be 1 to 128 characters of A-Z a-z 0-9 - _ . :";
}

std::string make_request_id() {
  static const uint32_t prefix = process_prefix();
  static std::atomic<uint64_t> counter{0};
  static constexpr char hex[] = "0123456789abcdef";
  auto n = counter.fetch_add(1, std::memory_order_relaxed);
  char buf[8 + 1 + 16];
  for (int i = 0; i < 8; ++i)
    buf[i] = hex[(prefix >> (28 - 4 * i)) & 0xf];
  buf[8] = '-';
  // The counter in hex, without leading zeros (at least one digit).
  char tmp[16];
  int len = 0;
  do {
    tmp[len++] = hex[n & 0xf];
    n >>= 4;
  } while (n != 0);
  for (int i = 0; i < len; ++i)
    buf[9 + i] = tmp[len - 1 - i];
  return std::string{buf, static_cast<size_t>(9 + len)};
}

std::string request_id_of(const http_request& req) {
  const std::string* found = nullptr;
  for (const auto& [name, value] : req.headers) {
    if (name != "x-request-id")
      continue;
    if (found)
      return make_request_id();
    found = &value;
  }
  if (found && is_valid_request_id(*found))
    return *found;
  return make_request_id();
}

} // namespace microshop::http_edge
