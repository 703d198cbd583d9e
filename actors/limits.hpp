#pragma once

// The rules of API.md in one place: the limits the services enforce and the
// messages that name a broken rule. The owning service validates the rules
// (actors/validation.cpp); the edge's JSON reader uses the same messages for
// the shape errors that share them (a quantity that is no integer, a price
// that is no number or is written with more than two decimals), so that a
// client sees one wording per field.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace microshop::actors::limits {

// -- users --------------------------------------------------------------------

constexpr size_t min_username_chars = 3;
constexpr size_t max_username_chars = 32;
constexpr std::string_view username_rule =
    "username must be 3 to 32 characters of A-Z, a-z, 0-9, '_', '.' and '-'";

constexpr size_t max_email_chars = 254;
constexpr size_t max_email_local_chars = 64;
constexpr std::string_view email_rule =
    "email must be an address like name@example.com of at most 254 "
    "characters";

constexpr size_t min_password_chars = 8;
constexpr size_t max_password_chars = 128;
constexpr std::string_view password_rule =
    "password must be 8 to 128 characters";

// -- orders -------------------------------------------------------------------

constexpr size_t max_products = 100;
constexpr std::string_view products_rule = "products must have 1 to 100 items";
/// For a `products` that is no array (a shape error at the edge).
constexpr std::string_view products_shape =
    "products must be an array of 1 to 100 items";

constexpr size_t max_product_id_chars = 64;
/// Prefixed with the item, e.g. "products[2].".
constexpr std::string_view product_id_rule =
    "productId must be a non-empty string of at most 64 characters";

constexpr int64_t max_quantity = 1'000'000;
/// Prefixed with the item; also the edge's answer to a quantity that is no
/// integer.
constexpr std::string_view quantity_rule =
    "quantity must be an integer from 1 to 1000000";

/// The largest price: 1,000,000,000.00 in cents.
constexpr int64_t max_price_cents = 100'000'000'000;
/// Prefixed with the item; also the edge's answer to a price that is no
/// number or is written with more than two decimals.
constexpr std::string_view price_rule =
    "price must be a number from 0 to 1000000000 with at most two decimals";

// -- lists --------------------------------------------------------------------

constexpr uint32_t default_page_limit = 100;
constexpr uint32_t max_page_limit = 1000;
constexpr std::string_view page_limit_rule =
    "limit must be an integer from 1 to 1000";

} // namespace microshop::actors::limits
