#include "actors/money.hpp"

#include <cmath>
#include <limits>

namespace microshop::actors {

std::optional<int64_t> cents_from_number(double value) {
  if (!std::isfinite(value) || std::fabs(value) > max_convertible_units)
    return std::nullopt;
  auto cents = std::llround(value * 100.0);
  // Division is correctly rounded: c / 100.0 is the double nearest to the
  // decimal c/100, so equality holds exactly for inputs with <= 2 decimals.
  if (static_cast<double>(cents) / 100.0 != value)
    return std::nullopt;
  return static_cast<int64_t>(cents);
}

std::optional<int64_t> cents_from_integer(int64_t value) {
  constexpr auto bound = std::numeric_limits<int64_t>::max() / 100;
  if (value < -bound || value > bound)
    return std::nullopt;
  return value * 100;
}

std::string format_cents(uint64_t cents) {
  auto text = std::to_string(cents / 100);
  auto frac = cents % 100;
  if (frac != 0) {
    text.push_back('.');
    text.push_back(static_cast<char>('0' + frac / 10));
    if (frac % 10 != 0)
      text.push_back(static_cast<char>('0' + frac % 10));
  }
  return text;
}

uint64_t total_cents(const std::vector<line_item>& items) {
  uint64_t sum = 0;
  for (const auto& item : items)
    sum += static_cast<uint64_t>(item.price_cents) *
           static_cast<uint64_t>(item.quantity);
  return sum;
}

} // namespace microshop::actors
