#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace microshop::actors {

/// Initialises libsodium once per process (thread-safe); aborts when it has
/// no random source. `new_id` and password hashing call it first.
void init_sodium();

/// A new UUIDv7 in lowercase text form (36 characters). Ids made by one
/// process sort strictly by creation, also within one millisecond; 74 random
/// bits keep ids from different nodes apart. Thread-safe.
std::string new_id();

/// As `new_id`, with `shard_byte` as its 10th byte (text positions 21-22),
/// where `shard_of_id` finds the virtual shard it lives in.
std::string new_id(uint8_t shard_byte);

/// An id above every id this process made so far and below every id it makes
/// later (later ids in this millisecond skip ahead in its sequence): a
/// watermark that holds back few records other nodes made in the same
/// millisecond. Thread-safe.
std::string seal_id();

/// The 10th byte of `id` (see `new_id(uint8_t)`); 0 for text too short.
uint8_t shard_byte_of(std::string_view id);

/// Whether `text` is a UUIDv7 in the lowercase text form `new_id` makes.
bool is_valid_id(std::string_view text);

/// The Unix time in milliseconds that `id` was made at; `id` must be valid.
int64_t id_time_ms(std::string_view id);

/// The UUIDv7 text for a timestamp, a 12-bit sequence and 62 random bits.
std::string format_uuid_v7(int64_t unix_ms, uint16_t seq, uint64_t rand);

/// A bound on the records a list may show: every record with an id below `id`
/// that will ever exist is committed; `in_flight` when some record at or
/// above it may still appear.
struct id_watermark {
  std::string id;
  bool in_flight = false;
};

/// The ids this process has assigned to records not yet committed or
/// abandoned, and from them the watermark below which every record that will
/// ever exist is already visible. Thread-safe.
class pending_ids {
public:
  /// A new id (see `new_id`), in flight until `settle`.
  std::string assign();

  /// A new id with `shard_byte` (see `new_id(uint8_t)`), in flight until
  /// `settle`.
  std::string assign(uint8_t shard_byte);

  /// Whether `id` is in flight: assigned and not yet settled.
  bool in_flight(const std::string& id) const;

  /// Ends the flight of `id`: its record is committed or will never be.
  void settle(const std::string& id);

  /// The smallest id in flight, or `seal_id()` (larger than any assigned so
  /// far, smaller than any assigned later) when none is: every record with a
  /// smaller id is committed or abandoned. Read it before the records it
  /// guards.
  id_watermark watermark() const;

private:
  mutable std::mutex mtx_;
  std::set<std::string> in_flight_;
};

/// Keeps one id of a `pending_ids` in flight while it lives.
class pending_id {
public:
  explicit pending_id(pending_ids& ids) : ids_(ids), id_(ids.assign()) {
    // nop
  }
  ~pending_id() {
    ids_.settle(id_);
  }
  pending_id(const pending_id&) = delete;
  pending_id& operator=(const pending_id&) = delete;

  const std::string& id() const {
    return id_;
  }

private:
  pending_ids& ids_;
  std::string id_;
};

} // namespace microshop::actors
