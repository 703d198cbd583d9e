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

/// The decoded record, or nothing when `bytes` is not a record of this type.
std::optional<user_record> decode_user(std::string_view bytes);
std::optional<order_record> decode_order(std::string_view bytes);

} // namespace microshop::persistence::detail
