#pragma once

#include "actors/limits.hpp"
#include "actors/order_api.hpp"
#include "actors/user_api.hpp"

#include <caf/error.hpp>
#include <cstddef>
#include <string_view>

namespace microshop::actors {

/// The number of Unicode code points in valid UTF-8 `text`.
size_t utf8_length(std::string_view text);

/// `caf::none` when `name` is 3-32 characters of A-Z a-z 0-9 _ . -; else an
/// `errc::invalid` error naming "username".
caf::error validate_username(std::string_view name);

/// `caf::none` for one '@' between a local part of 1-64 characters (letters,
/// digits, . and !#$%&'*+/=?^_`{|}~-) and a domain of dot-separated non-empty
/// labels of letters, digits and '-' with at least one dot, at most 254 in
/// all; else an `errc::invalid` error naming "email".
caf::error validate_email(std::string_view email);

/// `caf::none` when `password` is 8-128 characters; else an `errc::invalid`
/// error naming "password" (never quoting it).
caf::error validate_password(std::string_view password);

/// The first broken rule of `x` as `errc::invalid`, or `caf::none`. The user
/// service's one check of a create (the edge checks only the JSON shape).
caf::error validate(const new_user& x);

/// The first broken rule of `x` as `errc::invalid` naming the field (e.g.
/// "products[2].quantity"), or `caf::none`: 1 to `limits::max_products`
/// items, each with a product id of 1 to `limits::max_product_id_chars`
/// characters, a quantity of 1 to `limits::max_quantity` and a price of 0 to
/// `limits::max_price_cents`. A user id that no user can have is
/// `errc::user_not_found`. The order service's one check of a create (the
/// edge checks only the JSON shape).
caf::error validate(const new_order& x);

} // namespace microshop::actors
