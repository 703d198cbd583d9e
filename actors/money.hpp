#pragma once

#include "actors/order_api.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace microshop::actors {

/// The largest price: 1,000,000,000.00 in cents.
constexpr int64_t max_price_cents = 100'000'000'000;

/// The exact cents of a price given as a JSON floating-point number, or
/// nothing when it is negative, above the maximum, not finite, or has more
/// than two decimals (19.99 -> 1999; 1.005 -> nothing).
std::optional<int64_t> cents_from_number(double value);

/// The cents of a price given as a JSON integer, or nothing when out of range.
std::optional<int64_t> cents_from_integer(int64_t value);

/// Cents as a decimal number with at most two decimals and no float noise:
/// 30 -> "0.3", 1999 -> "19.99", 500 -> "5", 5 -> "0.05".
std::string format_cents(uint64_t cents);

/// The exact sum of price x quantity over `items`. Cannot overflow for items
/// within the API's limits (100 x 1e6 x 1e11 < 2^64).
uint64_t total_cents(const std::vector<line_item>& items);

} // namespace microshop::actors
