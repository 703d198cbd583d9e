#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace microshop::actors {

/// A new UUIDv7 in lowercase text form (36 characters). Ids made by one
/// process sort strictly by creation, also within one millisecond; 74 random
/// bits keep ids from different nodes apart. Thread-safe.
std::string new_id();

/// Whether `text` is a UUIDv7 in the lowercase text form `new_id` makes.
bool is_valid_id(std::string_view text);

/// The Unix time in milliseconds that `id` was made at; `id` must be valid.
int64_t id_time_ms(std::string_view id);

/// The UUIDv7 text for a timestamp, a 12-bit sequence and 62 random bits.
std::string format_uuid_v7(int64_t unix_ms, uint16_t seq, uint64_t rand);

} // namespace microshop::actors
