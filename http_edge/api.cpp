#include "http_edge/api.hpp"

#include "actors/ids.hpp"
#include "actors/money.hpp"
#include "actors/validation.hpp"
#include "http_edge/json_out.hpp"
#include "http_edge/router.hpp"
#include "persistence/errc.hpp"

#include <algorithm>
#include <caf/sec.hpp>
#include <charconv>
#include <nlohmann/json.hpp>

namespace microshop::http_edge {

using persistence::errc;
using json = nlohmann::json;

namespace {

caf::error invalid(std::string msg) {
  return caf::make_error(errc::invalid, std::move(msg));
}

/// The decimal places of a JSON number as written: the digits after its
/// point, trailing zeros included, less its exponent, at least 0 ("1.000" 3,
/// "1.5e1" 0, "1.234e1" 2, "1e-3" 3).
int64_t written_decimals(std::string_view text) {
  auto exp_at = text.find_first_of("eE");
  auto mantissa = text.substr(0, exp_at);
  auto dot = mantissa.find('.');
  int64_t decimals = dot == std::string_view::npos
                         ? 0
                         : static_cast<int64_t>(mantissa.size() - dot - 1);
  if (exp_at != std::string_view::npos) {
    auto exp = text.substr(exp_at + 1);
    bool negative = !exp.empty() && exp.front() == '-';
    if (!exp.empty() && (exp.front() == '-' || exp.front() == '+'))
      exp.remove_prefix(1);
    // Saturates: an exponent beyond any body size decides the same way.
    int64_t e = 0;
    for (char c : exp)
      e = std::min<int64_t>(e * 10 + (c - '0'), 100'000'000);
    decimals += negative ? e : -e;
  }
  return std::max<int64_t>(decimals, 0);
}

/// A JSON body as a DOM, built by nlohmann's SAX parser so that it sees what
/// the DOM cannot keep: a key given twice in one object (an error naming the
/// key's path) and the text of each floating-point number (the paths of those
/// written with more than two decimals are kept).
class body_reader final : public json::json_sax_t {
public:
  json root;
  /// The error once the body is rejected.
  std::string error;
  /// Paths of the numbers written with more than two decimals.
  std::vector<std::string> over_two_decimals;

  bool null() override {
    return add(nullptr);
  }

  bool boolean(bool val) override {
    return add(val);
  }

  bool number_integer(number_integer_t val) override {
    return add(val);
  }

  bool number_unsigned(number_unsigned_t val) override {
    return add(val);
  }

  bool number_float(number_float_t val, const string_t& text) override {
    if (!add(val))
      return false;
    if (written_decimals(text) > 2)
      over_two_decimals.push_back(path());
    return true;
  }

  bool string(string_t& val) override {
    return add(std::move(val));
  }

  bool binary(binary_t& val) override {
    return add(std::move(val));
  }

  bool start_object(std::size_t) override {
    auto* obj = add(json::object());
    if (obj == nullptr)
      return false;
    frames_.push_back({obj, nullptr});
    return true;
  }

  bool key(string_t& val) override {
    auto& f = frames_.back();
    auto [it, fresh] =
        f.value->get_ref<json::object_t&>().emplace(std::move(val), nullptr);
    f.key = &it->first;
    if (!fresh) {
      error = path() + " appears more than once";
      return false;
    }
    slot_ = &it->second;
    return true;
  }

  bool end_object() override {
    frames_.pop_back();
    return true;
  }

  bool start_array(std::size_t) override {
    auto* arr = add(json::array());
    if (arr == nullptr)
      return false;
    frames_.push_back({arr, nullptr});
    return true;
  }

  bool end_array() override {
    frames_.pop_back();
    return true;
  }

  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception&) override {
    error = "body must be valid JSON";
    return false;
  }

private:
  /// An object or array being filled, and in an object the current key
  /// (map nodes do not move).
  struct frame {
    json* value;
    const std::string* key;
  };

  /// Places `val` where the parser stands; returns where it went.
  json* add(json val) {
    if (frames_.empty()) {
      root = std::move(val);
      return &root;
    }
    auto* parent = frames_.back().value;
    if (parent->is_array()) {
      parent->push_back(std::move(val));
      return &parent->back();
    }
    *slot_ = std::move(val);
    return slot_;
  }

  /// Where the parser stands, e.g. "products[1].price".
  std::string path() const {
    std::string out;
    for (const auto& f : frames_) {
      if (f.value->is_array()) {
        // The element being read is the last one so far.
        out += "[" + std::to_string(f.value->size() - 1) + "]";
      } else {
        if (!out.empty())
          out.push_back('.');
        out += *f.key;
      }
    }
    return out;
  }

  std::vector<frame> frames_;
  json* slot_ = nullptr;
};

/// A parsed body and the paths of its numbers written with more than two
/// decimals.
struct json_body {
  json value;
  std::vector<std::string> over_two_decimals;

  bool has_over_two_decimals(const std::string& path) const {
    return std::find(over_two_decimals.begin(), over_two_decimals.end(),
                     path) != over_two_decimals.end();
  }
};

/// The JSON object in `body`; `errc::invalid` for invalid JSON, a key given
/// twice in any object, or a body that is no object.
caf::expected<json_body> parse_object(std::string_view body) {
  body_reader reader;
  if (!json::sax_parse(body.begin(), body.end(), &reader))
    return invalid(reader.error.empty() ? "body must be valid JSON"
                                        : std::move(reader.error));
  if (!reader.root.is_object())
    return invalid("body must be a JSON object");
  return json_body{std::move(reader.root), std::move(reader.over_two_decimals)};
}

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

caf::error parse_item(const json_body& body, const json& j,
                      const std::string& field, actors::line_item& out) {
  if (!j.is_object())
    return invalid(field + " must be an object");
  if (auto err = string_field(j, "productId", out.product_id))
    return invalid(field + "." + persistence::error_text(err));
  auto q = j.find("quantity");
  if (q == j.end() || q->is_null())
    return invalid(field + ".quantity is required");
  if (!q->is_number_integer() ||
      (q->is_number_unsigned() &&
       q->get<uint64_t>() > uint64_t{actors::max_quantity}) ||
      q->get<int64_t>() < 1 || q->get<int64_t>() > actors::max_quantity)
    return invalid(field + ".quantity must be an integer from 1 to 1000000");
  out.quantity = q->get<int64_t>();
  auto p = j.find("price");
  if (p == j.end() || p->is_null())
    return invalid(field + ".price is required");
  std::optional<int64_t> cents;
  if (p->is_number_unsigned())
    cents = p->get<uint64_t>() > uint64_t{actors::max_price_cents}
                ? std::nullopt
                : actors::cents_from_integer(p->get<int64_t>());
  else if (p->is_number_integer())
    cents = actors::cents_from_integer(p->get<int64_t>());
  else if (p->is_number_float() &&
           !body.has_over_two_decimals(field + ".price"))
    cents = actors::cents_from_number(p->get<double>());
  if (!cents)
    return invalid(field + ".price must be a number from 0 to 1000000000 "
                           "with at most two decimals");
  out.price_cents = *cents;
  return caf::none;
}

/// Calls `visit(key, value)` for each decoded `key=value` of `query`.
template <class F> caf::error each_param(std::string_view query, F visit) {
  std::string key;
  std::string value;
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
        end != value.data() + value.size() || n < 1 || n > max_limit)
      return invalid("limit must be an integer from 1 to 1000");
    p.limit = n;
  } else if (key == "after") {
    if (!actors::is_valid_id(value))
      return invalid("after must be the id of an item from a previous page");
    p.after = value;
  }
  return caf::none;
}

std::string encode_component(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
  return out;
}

void add_next_link(response& r, std::string_view path,
                   const std::string& filter, uint32_t limit,
                   const std::string& last_id) {
  std::string link = "<";
  link += path;
  link += "?";
  link += filter;
  link += "limit=" + std::to_string(limit);
  if (!last_id.empty())
    link += "&after=" + last_id;
  link += ">; rel=\"next\"";
  r.headers.emplace_back("Link", std::move(link));
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
  constexpr std::string_view expected = "application/json";
  if (type.size() != expected.size())
    return false;
  for (size_t i = 0; i < type.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(type[i])) != expected[i])
      return false;
  return true;
}

caf::expected<actors::new_user> parse_new_user(std::string_view body) {
  auto parsed = parse_object(body);
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
  auto parsed = parse_object(body);
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
    return invalid("products must be an array of 1 to 100 items");
  if (products->empty() || products->size() > 100)
    return invalid("products must have 1 to 100 items");
  x.products.resize(products->size());
  for (size_t i = 0; i < products->size(); ++i)
    if (auto err =
            parse_item(*parsed, (*products)[i],
                       "products[" + std::to_string(i) + "]", x.products[i]))
      return err;
  return x;
}

caf::expected<actors::page> parse_page(std::string_view query) {
  actors::page p{"", default_limit};
  auto err = each_param(query, [&](const std::string& k, const std::string& v) {
    return page_param(k, v, p);
  });
  if (err)
    return err;
  return p;
}

caf::expected<actors::order_query> parse_order_query(std::string_view query) {
  actors::order_query q{"", {"", default_limit}};
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

response unavailable(std::string_view service) {
  return error_response(503, std::string{service} + " service unavailable");
}

response error_to_response(const caf::error& err, std::string_view service) {
  if (err.category() == caf::atom("microshop")) {
    auto text = persistence::error_text(err);
    switch (static_cast<errc>(err.code())) {
    case errc::invalid:
      return error_response(400, text);
    case errc::duplicate:
      return error_response(409, text);
    case errc::user_not_found:
      return error_response(404, "User not found");
    case errc::order_not_found:
      return error_response(404, "Order not found");
    case errc::unavailable:
      return error_response(503, text.empty() ? "Service unavailable" : text);
    case errc::storage:
      return error_response(500, "Internal storage error");
    case errc::overloaded: {
      auto r =
          error_response(503, std::string{service} + " service overloaded");
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    }
  }
  if (err == caf::sec::request_timeout)
    return error_response(504, std::string{service} +
                                   " service did not answer in time");
  return unavailable(service);
}

response order_create_error(const caf::error& err) {
  if (persistence::is(err, errc::user_not_found))
    return error_response(400, "User not found");
  return error_to_response(err, "Order");
}

response created(const actors::user& x) {
  response r{201, {}, {{"Location", "/api/users/" + x.id}}};
  append_user(r.body, x);
  return r;
}

response created(const actors::order& x) {
  response r{201, {}, {{"Location", "/api/orders/" + x.id}}};
  append_order(r.body, x);
  return r;
}

response found(const actors::user& x) {
  response r;
  append_user(r.body, x);
  return r;
}

response found(const actors::order& x) {
  response r;
  append_order(r.body, x);
  return r;
}

response listed(const actors::user_page& x, const actors::page& p) {
  response r{200, users_json(x.items)};
  // A page cut below the watermark may be empty: the next page starts where
  // this one did.
  if (x.more)
    add_next_link(r, "/api/users", "", p.limit,
                  x.items.empty() ? p.after : x.items.back().id);
  return r;
}

response listed(const actors::order_page& x, const actors::order_query& q) {
  response r{200, orders_json(x.items)};
  if (x.more)
    add_next_link(
        r, "/api/orders",
        q.user_id.empty() ? "" : "userId=" + encode_component(q.user_id) + "&",
        q.window.limit, x.items.empty() ? q.window.after : x.items.back().id);
  return r;
}

} // namespace microshop::http_edge
