#include "actors/validation.hpp"

#include "actors/errc.hpp"
#include "actors/ids.hpp"

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

} // namespace

size_t utf8_length(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text)
    if ((c & 0xc0) != 0x80)
      ++n;
  return n;
}

caf::error validate_username(std::string_view name) {
  bool ok = name.size() >= limits::min_username_chars &&
            name.size() <= limits::max_username_chars;
  for (char c : name)
    ok = ok && (is_alnum(c) || c == '_' || c == '.' || c == '-');
  if (!ok)
    return invalid(limits::username_rule);
  return caf::none;
}

caf::error validate_email(std::string_view email) {
  auto bad = [] { return invalid(limits::email_rule); };
  if (email.size() > limits::max_email_chars)
    return bad();
  auto at = email.find('@');
  if (at == std::string_view::npos || email.find('@', at + 1) != email.npos)
    return bad();
  auto local = email.substr(0, at);
  auto domain = email.substr(at + 1);
  if (local.empty() || local.size() > limits::max_email_local_chars)
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
  if (n < limits::min_password_chars || n > limits::max_password_chars)
    return invalid(limits::password_rule);
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
  // The products first: an order that breaks a rule is refused for it
  // whether its user id is malformed or merely unknown (found later).
  if (x.products.empty() || x.products.size() > limits::max_products)
    return invalid(limits::products_rule);
  for (size_t i = 0; i < x.products.size(); ++i) {
    const auto& p = x.products[i];
    auto field = "products[" + std::to_string(i) + "].";
    if (p.product_id.empty() ||
        utf8_length(p.product_id) > limits::max_product_id_chars)
      return invalid(field, limits::product_id_rule);
    if (p.quantity < 1 || p.quantity > limits::max_quantity)
      return invalid(field, limits::quantity_rule);
    if (p.price_cents < 0 || p.price_cents > limits::max_price_cents)
      return invalid(field, limits::price_rule);
  }
  if (!is_valid_id(x.user_id))
    return not_found(errc::user_not_found);
  return caf::none;
}

} // namespace microshop::actors
