#pragma once

#include "actors/limits.hpp"
#include "actors/order_api.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace microshop::actors {

/// The largest amount `cents_from_number` converts, in whole units: far above
/// any valid price (`limits::max_price_cents`), so that the range stays the
/// order service's rule, and low enough that its cents fit into an int64.
constexpr double max_convertible_units = 1e15;

/// The exact cents of an amount given as a JSON floating-point number, or
/// nothing when it is not finite, its magnitude is above
/// `max_convertible_units`, or it has more than two decimals (19.99 -> 1999;
/// -1 -> -100; 1.005 -> nothing). Whether it is a valid price is the order
/// service's rule (`validate`).
std::optional<int64_t> cents_from_number(double value);

/// The cents of an amount given as a JSON integer, or nothing when they do
/// not fit into an int64 (a valid price is the order service's rule).
std::optional<int64_t> cents_from_integer(int64_t value);

/// Cents as a decimal number with at most two decimals and no float noise:
/// 30 -> "0.3", 1999 -> "19.99", 500 -> "5", 5 -> "0.05".
std::string format_cents(uint64_t cents);

/// The exact sum of price x quantity over `items`. Cannot overflow for items
/// within the API's limits (100 x 1e6 x 1e11 < 2^64).
uint64_t total_cents(const std::vector<line_item>& items);

} // namespace microshop::actors
