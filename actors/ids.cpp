#include "actors/ids.hpp"

#include "actors/ascii.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <sodium.h>

namespace microshop::actors {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

/// The value of a lowercase hex digit, or -1 (ids are lowercase only).
int lower_hex_value(char c) {
  return c >= 'A' && c <= 'F' ? -1 : actors::hex_value(c);
}

/// 64 random bits from libsodium, drawn 256 values at a time per thread:
/// its generator is the kernel's (one getrandom(2) per call), and an order
/// id per call was a syscall per order.
uint64_t random_u64() {
  thread_local std::array<uint64_t, 256> pool;
  thread_local size_t left = 0;
  if (left == 0) {
    init_sodium();
    randombytes_buf(pool.data(), sizeof(pool));
    left = pool.size();
  }
  return pool[--left];
}

/// The Unix time in milliseconds.
int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Hands out (timestamp, sequence) pairs that strictly increase.
class clock_sequence {
public:
  std::pair<int64_t, uint16_t> next() {
    auto now = now_ms();
    std::lock_guard<std::mutex> guard{mtx_};
    if (now > last_ms_) {
      last_ms_ = now;
      // Start low in the 12-bit space to leave room for a burst.
      seq_ = static_cast<uint16_t>(random_u64() & 0x1ff);
    } else if (++seq_ > 0xfff) {
      // More than the sequence holds in one millisecond: borrow the next one.
      ++last_ms_;
      seq_ = 0;
    }
    return {last_ms_, seq_};
  }

  /// A (timestamp, sequence) pair at or above every pair handed out so far
  /// and below every later one: the sequence of the current millisecond is
  /// raised to at least 0x1ff (the highest a millisecond starts at), so ids
  /// other nodes made in it are mostly below, and the clock never runs ahead.
  std::pair<int64_t, uint16_t> seal() {
    auto now = now_ms();
    std::lock_guard<std::mutex> guard{mtx_};
    if (now > last_ms_) {
      last_ms_ = now;
      seq_ = 0x1ff;
    } else {
      seq_ = std::max<uint16_t>(seq_, 0x1ff);
    }
    return {last_ms_, seq_};
  }

private:
  std::mutex mtx_;
  int64_t last_ms_ = 0;
  uint16_t seq_ = 0;
};

} // namespace

void init_sodium() {
  // A function-local static: initialised once, thread-safe, before the first
  // random byte of any id or salt.
  static const bool ok = sodium_init() >= 0;
  if (!ok)
    std::abort(); // libsodium cannot work without a random source.
}

std::string format_uuid_v7(int64_t unix_ms, uint16_t seq, uint64_t rand) {
  // Layout: 48-bit ms | 4-bit version | 12-bit seq | 2-bit variant | 62 random.
  uint8_t b[16];
  auto ms = static_cast<uint64_t>(unix_ms);
  for (int i = 0; i < 6; ++i)
    b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  b[6] = static_cast<uint8_t>(0x70 | ((seq >> 8) & 0x0f));
  b[7] = static_cast<uint8_t>(seq & 0xff);
  b[8] = static_cast<uint8_t>(0x80 | ((rand >> 56) & 0x3f));
  for (int i = 9; i < 16; ++i)
    b[i] = static_cast<uint8_t>(rand >> (8 * (15 - i)));
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out.push_back('-');
    out.push_back(hex_digits[b[i] >> 4]);
    out.push_back(hex_digits[b[i] & 0x0f]);
  }
  return out;
}

namespace {

clock_sequence& process_clock() {
  static clock_sequence clock;
  return clock;
}

} // namespace

std::string new_id() {
  auto [ms, seq] = process_clock().next();
  return format_uuid_v7(ms, seq, random_u64());
}

std::string new_id(uint8_t shard_byte) {
  auto [ms, seq] = process_clock().next();
  // Byte 9 of the UUID is bits 48-55 of the random part.
  auto rand =
      (random_u64() & ~(uint64_t{0xff} << 48)) | (uint64_t{shard_byte} << 48);
  return format_uuid_v7(ms, seq, rand);
}

std::string seal_id() {
  auto [ms, seq] = process_clock().seal();
  return format_uuid_v7(ms, seq, ~uint64_t{0});
}

uint8_t shard_byte_of(std::string_view id) {
  if (id.size() < 23)
    return 0;
  auto hi = actors::hex_value(id[21]);
  auto lo = actors::hex_value(id[22]);
  if (hi < 0 || lo < 0)
    return 0;
  return static_cast<uint8_t>((hi << 4) | lo);
}

bool is_valid_id(std::string_view text) {
  if (text.size() != 36)
    return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-')
        return false;
    } else if (lower_hex_value(text[i]) < 0) {
      return false;
    }
  }
  auto variant = lower_hex_value(text[19]);
  return text[14] == '7' && variant >= 8 && variant <= 11;
}

int64_t id_time_ms(std::string_view id) {
  int64_t ms = 0;
  for (size_t i = 0; i < 13; ++i) {
    if (i == 8)
      continue;
    ms = (ms << 4) | actors::hex_value(id[i]);
  }
  return ms;
}

std::string pending_ids::assign() {
  // Made and registered under one lock, so that `watermark` never returns an
  // id above one assigned but not yet registered.
  std::lock_guard<std::mutex> guard{mtx_};
  auto id = new_id();
  in_flight_.insert(id);
  return id;
}

std::string pending_ids::assign(uint8_t shard_byte) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto id = new_id(shard_byte);
  in_flight_.insert(id);
  return id;
}

bool pending_ids::in_flight(const std::string& id) const {
  std::lock_guard<std::mutex> guard{mtx_};
  return in_flight_.count(id) != 0;
}

void pending_ids::settle(const std::string& id) {
  std::lock_guard<std::mutex> guard{mtx_};
  in_flight_.erase(id);
}

id_watermark pending_ids::watermark() const {
  std::lock_guard<std::mutex> guard{mtx_};
  if (!in_flight_.empty())
    return {*in_flight_.begin(), true};
  return {seal_id(), false};
}

} // namespace microshop::actors
