#pragma once

// Private to persistence/: the on-disk encoding of records.

#include "persistence/records.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace microshop::persistence::detail {

/// The record as bytes: a format version, then length-prefixed fields.
std::string encode(const user_record& x);
std::string encode(const order_record& x);
std::string encode(const key_record& x);

/// The decoded record, or nothing when `bytes` is not a record of this type.
std::optional<user_record> decode_user(std::string_view bytes);
std::optional<order_record> decode_order(std::string_view bytes);
std::optional<key_record> decode_key(std::string_view bytes);

/// When the encoded key record `bytes` was stored (its first field, at a
/// fixed place so that a compaction filter reads it without decoding the
/// rest); nothing when `bytes` is not a key record.
std::optional<int64_t> key_stored_ms(std::string_view bytes);

/// The storage key of `key` within `scope`: the scope's length, the scope,
/// the key, so that no two (scope, key) pairs share one.
std::string scoped_key(std::string_view scope, std::string_view key);

} // namespace microshop::persistence::detail
