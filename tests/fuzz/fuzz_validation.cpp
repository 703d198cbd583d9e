// libFuzzer target: user and order validation and the money rules on
// arbitrary field values. Also checks that money round-trips exactly.

#include "actors/ids.hpp"
#include "actors/money.hpp"
#include "actors/validation.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

using namespace microshop::actors;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in{reinterpret_cast<const char*>(data), size};
  // Fields separated by '\n': username, email, password, productId.
  std::string_view f[4];
  for (auto& field : f) {
    auto nl = in.find('\n');
    field = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
  }
  (void)validate(
      new_user{std::string{f[0]}, std::string{f[1]}, std::string{f[2]}});
  (void)is_valid_id(f[0]);
  int64_t qty = 0;
  double price = 0;
  if (in.size() >= 16) {
    std::memcpy(&qty, in.data(), 8);
    std::memcpy(&price, in.data() + 8, 8);
  }
  new_order o{std::string{f[0]}, {{std::string{f[3]}, qty, 0}}};
  if (auto cents = cents_from_number(price)) {
    o.products[0].price_cents = *cents;
    // Prices the order service accepts round-trip exactly through the text
    // we write.
    if (*cents >= 0 && *cents <= limits::max_price_cents) {
      auto text = format_cents(static_cast<uint64_t>(*cents));
      if (cents_from_number(std::strtod(text.c_str(), nullptr)) != *cents)
        std::abort();
    }
  }
  auto err = validate(o);
  // A price outside the range never passes the rules.
  if (!err && (o.products[0].price_cents < 0 ||
               o.products[0].price_cents > limits::max_price_cents))
    std::abort();
  return 0;
}
