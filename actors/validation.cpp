#include "actors/validation.hpp"

#include "actors/errc.hpp"
#include "actors/ids.hpp"
#include "actors/money.hpp"

#include <string>

namespace microshop::actors {

namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

bool is_atext(char c) {
  static constexpr std::string_view specials = "!#$%&'*+/=?^_`{|}~-.";
  return is_alnum(c) || specials.find(c) != std::string_view::npos;
}

caf::error invalid(std::string msg) {
  return caf::make_error(errc::invalid, std::move(msg));
}

} // namespace

size_t utf8_length(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text)
    if ((c & 0xc0) != 0x80)
      ++n;
  return n;
}

caf::error validate_username(std::string_view name) {
  bool ok = name.size() >= 3 && name.size() <= 32;
  for (char c : name)
    ok = ok && (is_alnum(c) || c == '_' || c == '.' || c == '-');
  if (!ok)
    return invalid("username must be 3 to 32 characters of A-Z, a-z, 0-9, "
                   "'_', '.' and '-'");
  return caf::none;
}

caf::error validate_email(std::string_view email) {
  auto bad = [] {
    return invalid("email must be an address like name@example.com of at "
                   "most 254 characters");
  };
  if (email.size() > 254)
    return bad();
  auto at = email.find('@');
  if (at == std::string_view::npos || email.find('@', at + 1) != email.npos)
    return bad();
  auto local = email.substr(0, at);
  auto domain = email.substr(at + 1);
  if (local.empty() || local.size() > 64)
    return bad();
  for (char c : local)
    if (!is_atext(c))
      return bad();
  if (domain.find('.') == domain.npos || domain.front() == '.' ||
      domain.back() == '.' || domain.find("..") != domain.npos)
    return bad();
  for (char c : domain)
    if (!is_alnum(c) && c != '-' && c != '.')
      return bad();
  return caf::none;
}

caf::error validate_password(std::string_view password) {
  auto n = utf8_length(password);
  if (n < 8 || n > 128)
    return invalid("password must be 8 to 128 characters");
  return caf::none;
}

caf::error validate(const new_user& x) {
  if (auto err = validate_username(x.username))
    return err;
  if (auto err = validate_email(x.email))
    return err;
  return validate_password(x.password);
}

caf::error validate(const new_order& x) {
  if (!is_valid_id(x.user_id))
    return not_found(errc::user_not_found);
  if (x.products.empty() || x.products.size() > max_products)
    return invalid("products must have 1 to 100 items");
  for (size_t i = 0; i < x.products.size(); ++i) {
    const auto& p = x.products[i];
    auto field = "products[" + std::to_string(i) + "].";
    if (p.product_id.empty() ||
        utf8_length(p.product_id) > max_product_id_chars)
      return invalid(field + "productId must be a non-empty string of at "
                             "most 64 characters");
    if (p.quantity < 1 || p.quantity > max_quantity)
      return invalid(field + "quantity must be an integer from 1 to 1000000");
    if (p.price_cents < 0 || p.price_cents > max_price_cents)
      return invalid(field + "price must be a number from 0 to 1000000000 "
                             "with at most two decimals");
  }
  return caf::none;
}

} // namespace microshop::actors
