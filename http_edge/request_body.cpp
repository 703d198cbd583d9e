#include "http_edge/request_body.hpp"

#include "actors/ascii.hpp"
#include "actors/errc.hpp"
#include "actors/ids.hpp"
#include "actors/limits.hpp"
#include "actors/money.hpp"
#include "http_edge/json_reader.hpp"
#include "http_edge/router.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

namespace microshop::http_edge {

using actors::invalid;
using json = nlohmann::json;
namespace limits = actors::limits;

namespace {

/// The string field `name` of `obj`; "is required" when missing or null.
caf::error string_field(const json& obj, const std::string& name,
                        std::string& out) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null())
    return invalid(name + " is required");
  if (!it->is_string())
    return invalid(name + " must be a string");
  out = it->get<std::string>();
  return caf::none;
}

/// The shape of one product line: an object with a string `productId`, an
/// integer `quantity` and a `price` that is a number written with at most two
/// decimals; the ranges are the order service's rules.
caf::error parse_item(const json_body& body, const json& j,
                      const std::string& field, actors::line_item& out) {
  if (!j.is_object())
    return invalid(field, " must be an object");
  if (auto err = string_field(j, "productId", out.product_id))
    return invalid(field + ".", actors::error_text(err));
  auto item = field + ".";
  auto q = j.find("quantity");
  if (q == j.end() || q->is_null())
    return invalid(item, "quantity is required");
  // An integer beyond int64 is above every limit: the same message.
  if (!q->is_number_integer() ||
      (q->is_number_unsigned() &&
       q->get<uint64_t>() > uint64_t{std::numeric_limits<int64_t>::max()}))
    return invalid(item, limits::quantity_rule);
  out.quantity = q->get<int64_t>();
  auto p = j.find("price");
  if (p == j.end() || p->is_null())
    return invalid(item, "price is required");
  std::optional<int64_t> cents;
  if (p->is_number_unsigned())
    cents = p->get<uint64_t>() > uint64_t{std::numeric_limits<int64_t>::max()}
                ? std::nullopt
                : actors::cents_from_integer(p->get<int64_t>());
  else if (p->is_number_integer())
    cents = actors::cents_from_integer(p->get<int64_t>());
  else if (p->is_number_float() && !body.has_over_two_decimals(item + "price"))
    cents = actors::cents_from_number(p->get<double>());
  if (!cents)
    return invalid(item, limits::price_rule);
  out.price_cents = *cents;
  return caf::none;
}

/// Calls `visit(key, value)` for each decoded `key=value` of `query`; a
/// parameter given twice is an error (which one would count is a guess).
template <class F> caf::error each_param(std::string_view query, F visit) {
  std::string key;
  std::string value;
  std::vector<std::string> seen;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    auto raw_value =
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (!percent_decode(pair.substr(0, eq), key, true) ||
        !percent_decode(raw_value, value, true))
      return invalid("query string has a broken percent escape");
    if (std::find(seen.begin(), seen.end(), key) != seen.end())
      return invalid(key + " is given more than once");
    seen.push_back(key);
    if (auto err = visit(key, value))
      return err;
  }
  return caf::none;
}

caf::error page_param(const std::string& key, const std::string& value,
                      actors::page& p) {
  if (key == "limit") {
    uint32_t n = 0;
    auto [end, ec] =
        std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || ec != std::errc{} ||
        end != value.data() + value.size() || n < 1 ||
        n > limits::max_page_limit)
      return invalid(limits::page_limit_rule);
    p.limit = n;
  } else if (key == "after") {
    if (!actors::is_valid_id(value))
      return invalid("after must be the id of an item from a previous page");
    p.after = value;
  }
  return caf::none;
}

} // namespace

bool is_json_content_type(const std::string* value) {
  if (value == nullptr)
    return false;
  std::string_view v{*value};
  auto semi = v.find(';');
  auto type = v.substr(0, semi);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
    type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t'))
    type.remove_prefix(1);
  return actors::iequals(type, "application/json");
}

caf::expected<actors::new_user> parse_new_user(std::string_view body) {
  auto parsed = read_json_object(body);
  if (!parsed)
    return std::move(parsed.error());
  const auto& j = parsed->value;
  actors::new_user x;
  if (auto err = string_field(j, "username", x.username))
    return err;
  if (auto err = string_field(j, "email", x.email))
    return err;
  if (auto err = string_field(j, "password", x.password))
    return err;
  return x;
}

caf::expected<actors::new_order> parse_new_order(std::string_view body) {
  auto parsed = read_json_object(body);
  if (!parsed)
    return std::move(parsed.error());
  const auto& j = parsed->value;
  actors::new_order x;
  if (auto err = string_field(j, "userId", x.user_id))
    return err;
  auto products = j.find("products");
  if (products == j.end() || products->is_null())
    return invalid("products is required");
  if (!products->is_array())
    return invalid(limits::products_shape);
  x.products.resize(products->size());
  for (size_t i = 0; i < products->size(); ++i)
    if (auto err =
            parse_item(*parsed, (*products)[i],
                       "products[" + std::to_string(i) + "]", x.products[i]))
      return err;
  return x;
}

caf::expected<actors::page> parse_page(std::string_view query) {
  actors::page p{"", limits::default_page_limit};
  auto err = each_param(query, [&](const std::string& k, const std::string& v) {
    return page_param(k, v, p);
  });
  if (err)
    return err;
  return p;
}

caf::expected<actors::order_query> parse_order_query(std::string_view query) {
  actors::order_query q{"", {"", limits::default_page_limit}};
  auto err = each_param(query, [&](const std::string& k, const std::string& v) {
    if (k != "userId")
      return page_param(k, v, q.window);
    if (!actors::is_valid_id(v))
      return invalid("userId must be a user id");
    q.user_id = v;
    return caf::error{};
  });
  if (err)
    return err;
  return q;
}

} // namespace microshop::http_edge
