#include "actors/errc.hpp"
#include "actors/ids.hpp"
#include "actors/limits.hpp"
#include "actors/validation.hpp"
#include "http_edge/api.hpp"
#include "http_edge/json_out.hpp"
#include "http_edge/request_body.hpp"
#include "http_edge/routes.hpp"

#include <boost/test/unit_test.hpp>
#include <caf/sec.hpp>

using namespace microshop;
using namespace microshop::http_edge;
using actors::errc;
using actors::error_text;

BOOST_AUTO_TEST_SUITE(api)

BOOST_AUTO_TEST_CASE(parses_a_user_ignoring_unknown_fields) {
  auto x = parse_new_user(
      R"({"username":"a","email":"b","password":"c","extra":[1]})");
  BOOST_REQUIRE(x);
  BOOST_CHECK_EQUAL(x->username, "a");
  BOOST_CHECK_EQUAL(x->email, "b");
  BOOST_CHECK_EQUAL(x->password, "c");
}

BOOST_AUTO_TEST_CASE(a_broken_user_body_names_what_is_wrong) {
  BOOST_CHECK_EQUAL(error_text(parse_new_user("{").error()),
                    "body must be valid JSON");
  BOOST_CHECK_EQUAL(error_text(parse_new_user("\"x\"").error()),
                    "body must be a JSON object");
  BOOST_CHECK_EQUAL(error_text(parse_new_user(R"({"email":"b"})").error()),
                    "username is required");
  BOOST_CHECK_EQUAL(
      error_text(parse_new_user(R"({"username":[],"email":"b"})").error()),
      "username must be a string");
  // Invalid UTF-8 inside a string is invalid JSON.
  BOOST_CHECK(!parse_new_user("{\"username\":\"\xff\"}"));
}

BOOST_AUTO_TEST_CASE(parses_order_prices_exactly_from_any_json_number) {
  auto x = parse_new_order(R"({"userId":"u","products":[
    {"productId":"a","quantity":2,"price":19.99},
    {"productId":"b","quantity":1,"price":5},
    {"productId":"c","quantity":1,"price":0}]})");
  BOOST_REQUIRE(x);
  BOOST_CHECK_EQUAL(x->products[0].price_cents, 1999);
  BOOST_CHECK_EQUAL(x->products[1].price_cents, 500);
  BOOST_CHECK_EQUAL(x->products[2].price_cents, 0);
  BOOST_CHECK_EQUAL(x->products[0].quantity, 2);
}

BOOST_AUTO_TEST_CASE(rejects_prices_and_quantities_of_the_wrong_shape) {
  auto price = [](const std::string& p) {
    return parse_new_order(R"({"userId":"u","products":[{"productId":"a",)"
                           R"("quantity":1,"price":)" +
                           p + "}]}");
  };
  for (auto p : {"1.005", "\"1\"", "null", "18446744073709551615", "1e300"})
    BOOST_CHECK_MESSAGE(!price(p), p);
  BOOST_CHECK(price("1000000000"));
  BOOST_CHECK(price("1e2"));
  auto qty = [](const std::string& q) {
    return parse_new_order(R"({"userId":"u","products":[{"productId":"a",)"
                           R"("quantity":)" +
                           q + R"(,"price":1}]})");
  };
  for (auto q : {"1.5", "\"1\"", "18446744073709551615"}) {
    auto x = qty(q);
    BOOST_CHECK_MESSAGE(!x, q);
    if (!x)
      BOOST_CHECK_EQUAL(error_text(x.error()),
                        "products[0].quantity must be an integer from 1 to "
                        "1000000");
  }
  BOOST_CHECK(qty("1000000"));
}

BOOST_AUTO_TEST_CASE(leaves_ranges_and_lengths_to_the_owning_service) {
  // The edge reads the shape; the rules are checked once, by the service
  // (actors::validate), which answers errc::invalid naming the field.
  auto uid = actors::new_id();
  auto order = [&](const std::string& qty, const std::string& price) {
    return parse_new_order(R"({"userId":")" + uid +
                           R"(","products":[{"productId":"a",)"
                           R"("quantity":)" +
                           qty + R"(,"price":)" + price + "}]}");
  };
  for (auto [q, p] :
       std::vector<std::pair<std::string, std::string>>{{"0", "1"},
                                                        {"-1", "1"},
                                                        {"1000001", "1"},
                                                        {"1", "-1"},
                                                        {"1", "1000000000.01"},
                                                        {"1", "1e10"}}) {
    auto x = order(q, p);
    BOOST_REQUIRE_MESSAGE(x, q << " " << p);
    auto err = actors::validate(*x);
    BOOST_CHECK_MESSAGE(actors::is(err, errc::invalid), q << " " << p);
  }
  auto negative = order("1", "-1.5");
  BOOST_REQUIRE(negative);
  BOOST_CHECK_EQUAL(negative->products[0].price_cents, -150);
  BOOST_CHECK_EQUAL(error_text(actors::validate(*negative)),
                    "products[0].price must be a number from 0 to 1000000000 "
                    "with at most two decimals");
  auto none = parse_new_order(R"({"userId":"u","products":[]})");
  BOOST_REQUIRE(none);
  BOOST_CHECK(none->products.empty());
  auto user = parse_new_user(R"({"username":"a","email":"b","password":"c"})");
  BOOST_REQUIRE(user);
  BOOST_CHECK(actors::is(actors::validate(*user), errc::invalid));
}

BOOST_AUTO_TEST_CASE(routes_a_create_that_breaks_a_rule_to_its_service) {
  auto post = [](std::string target, std::string body) {
    http_request req;
    req.method = "POST";
    req.target = std::move(target);
    req.headers.emplace_back("content-type", "application/json");
    req.body = std::move(body);
    return route_request(req);
  };
  auto user = post("/api/users",
                   R"({"username":"a b","email":"x","password":"short"})");
  BOOST_CHECK(std::holds_alternative<create_user_call>(user));
  auto order =
      post("/api/orders", R"({"userId":"bob","products":[{"productId":"",)"
                          R"("quantity":0,"price":-1}]})");
  BOOST_CHECK(std::holds_alternative<create_order_call>(order));
  // The service's errc::invalid becomes the same 400 as a shape error.
  auto r = order_create_error(
      actors::invalid("products[0].", actors::limits::quantity_rule));
  BOOST_CHECK_EQUAL(r.status, 400);
  BOOST_CHECK_EQUAL(r.body, R"({"error":"products[0].quantity must be an )"
                            R"(integer from 1 to 1000000"})");
  auto unknown = order_create_error(actors::not_found(errc::user_not_found));
  BOOST_CHECK_EQUAL(unknown.status, 400);
  BOOST_CHECK_EQUAL(unknown.body, R"({"error":"User not found"})");
  auto shape = post("/api/orders", R"({"userId":"u","products":{}})");
  BOOST_REQUIRE(std::holds_alternative<response>(shape));
  BOOST_CHECK_EQUAL(std::get<response>(shape).status, 400);
}

namespace {

caf::expected<actors::new_order> order_priced(const std::string& price) {
  return parse_new_order(R"({"userId":"u","products":[{"productId":"a",)"
                         R"("quantity":1,"price":)" +
                         price + "}]}");
}

} // namespace

BOOST_AUTO_TEST_CASE(rejects_a_price_written_with_more_than_two_decimals) {
  // The text decides, whatever the value: 1.0000000000000001 is the double
  // 1.0, 1.000 is 1 and 1.2345e1 is 12.345.
  for (auto p :
       {"1.0000000000000001", "1.000", "0.001", "19.990", "1e-3", "1.2345e1",
        "100e-3", "0.10e-1", "1.0E-2", "1.234e2", "1.000e1"}) {
    auto x = order_priced(p);
    BOOST_CHECK_MESSAGE(!x, p);
    if (!x)
      BOOST_CHECK_EQUAL(error_text(x.error()),
                        "products[0].price must be a number from 0 to "
                        "1000000000 with at most two decimals");
  }
  // The text decides: at most two digits after the point (trailing zeros
  // included), and an exponent may not ask for more places either.
  for (auto [p, cents] : std::vector<std::pair<std::string, int64_t>>{
           {"1.00", 100},
           {"19.99", 1999},
           {"1e2", 10000},
           {"1.5e1", 1500},
           {"1.23e1", 1230},
           {"1.00e1", 1000},
           {"1E+2", 10000},
           {"5e-2", 5},
           {"0.1e-1", 1},
           {"1000000000.00", 100'000'000'000}}) {
    auto x = order_priced(p);
    BOOST_REQUIRE_MESSAGE(x, p);
    BOOST_CHECK_EQUAL(x->products[0].price_cents, cents);
  }
}

BOOST_AUTO_TEST_CASE(names_a_number_too_large_to_hold) {
  auto x = parse_new_order(R"({"userId":"u","products":[)"
                           R"({"productId":"a","quantity":1,"price":1.5},)"
                           R"({"productId":"b","quantity":1,"price":1e400}]})");
  BOOST_REQUIRE(!x);
  BOOST_CHECK_EQUAL(error_text(x.error()),
                    "products[1].price is a number out of range");
  auto u = parse_new_user(
      R"({"username":"a","email":"b","password":"c","x":-1e400})");
  BOOST_REQUIRE(!u);
  BOOST_CHECK_EQUAL(error_text(u.error()), "x is a number out of range");
  BOOST_CHECK_EQUAL(error_text(parse_new_user("[1e400]").error()),
                    "[0] is a number out of range");
}

BOOST_AUTO_TEST_CASE(names_the_item_whose_price_has_too_many_decimals) {
  auto x = parse_new_order(R"({"userId":"u","products":[)"
                           R"({"productId":"a","quantity":1,"price":1.5},)"
                           R"({"productId":"b","quantity":1,"price":2.001}]})");
  BOOST_REQUIRE(!x);
  BOOST_CHECK_EQUAL(error_text(x.error()),
                    "products[1].price must be a number from 0 to 1000000000 "
                    "with at most two decimals");
}

BOOST_AUTO_TEST_CASE(rejects_a_key_given_twice_at_any_depth_naming_it) {
  auto order = [](const std::string& body) {
    auto x = parse_new_order(body);
    BOOST_REQUIRE_MESSAGE(!x, body);
    return error_text(x.error());
  };
  BOOST_CHECK_EQUAL(order(R"({"userId":"a","userId":"b","products":[]})"),
                    "userId appears more than once");
  BOOST_CHECK_EQUAL(order(R"({"userId":"a","products":[{"productId":"p",)"
                          R"("quantity":1,"price":1},{"productId":"p",)"
                          R"("price":1,"quantity":1,"price":2}]})"),
                    "products[1].price appears more than once");
  BOOST_CHECK_EQUAL(order(R"({"userId":"a","extra":{"x":[{"k":1,"k":1}]}})"),
                    "extra.x[0].k appears more than once");
  auto user = parse_new_user(
      R"({"username":"a","email":"b","password":"c","password":"d"})");
  BOOST_REQUIRE(!user);
  BOOST_CHECK_EQUAL(error_text(user.error()),
                    "password appears more than once");
  // The same key in different objects is no duplicate.
  auto fine = parse_new_order(
      R"({"userId":"a","products":[{"productId":"p","quantity":1,"price":1},)"
      R"({"productId":"q","quantity":2,"price":0.5}],"x":{"userId":1}})");
  BOOST_REQUIRE(fine);
  BOOST_CHECK_EQUAL(fine->user_id, "a");
  BOOST_REQUIRE_EQUAL(fine->products.size(), 2u);
  BOOST_CHECK_EQUAL(fine->products[1].product_id, "q");
  BOOST_CHECK_EQUAL(fine->products[1].quantity, 2);
  BOOST_CHECK_EQUAL(fine->products[1].price_cents, 50);
}

BOOST_AUTO_TEST_CASE(builds_the_same_values_as_a_plain_json_parse) {
  auto x = parse_new_user(
      R"({"username":"\u00e9l\u00e8ve","email":"a@b.c","password":"p\"w\\",)"
      R"("n":[null,true,false,-1,18446744073709551615,1.5,[],{}]})");
  BOOST_REQUIRE(x);
  BOOST_CHECK_EQUAL(x->username, "\xc3\xa9l\xc3\xa8ve");
  BOOST_CHECK_EQUAL(x->password, "p\"w\\");
  for (auto bad : {"", "{", "{}x", R"({"a":})", "[1,]", "{\"a\":1}}"})
    BOOST_CHECK_MESSAGE(!parse_new_user(bad) &&
                            error_text(parse_new_user(bad).error()) ==
                                "body must be valid JSON",
                        bad);
}

BOOST_AUTO_TEST_CASE(parses_list_queries) {
  auto p = parse_page("");
  BOOST_REQUIRE(p);
  BOOST_CHECK_EQUAL(p->limit, 100u);
  BOOST_CHECK(p->after.empty());
  auto id = actors::new_id();
  p = parse_page("limit=7&after=" + id + "&other=x");
  BOOST_REQUIRE(p);
  BOOST_CHECK_EQUAL(p->limit, 7u);
  BOOST_CHECK_EQUAL(p->after, id);
  auto q = parse_order_query("userId=" + id);
  BOOST_REQUIRE(q);
  BOOST_CHECK_EQUAL(q->user_id, id);
  for (auto bad : {"limit=0", "limit=1001", "limit=1x", "limit=", "after=x",
                   "after=%", "limit=99999999999", "limit=1&limit=2"})
    BOOST_CHECK_MESSAGE(!parse_page(bad), bad);
  auto twice = parse_order_query("userId=" + id + "&userId=" + id);
  BOOST_REQUIRE(!twice);
  BOOST_CHECK_EQUAL(error_text(twice.error()),
                    "userId is given more than once");
}

BOOST_AUTO_TEST_CASE(maps_each_error_to_one_status) {
  auto status = [](const caf::error& e) {
    return error_to_response(e, "User").status;
  };
  BOOST_CHECK_EQUAL(status(caf::make_error(errc::invalid, "x")), 400);
  BOOST_CHECK_EQUAL(status(caf::make_error(errc::duplicate, "x")), 409);
  BOOST_CHECK_EQUAL(status(caf::make_error(errc::user_not_found)), 404);
  BOOST_CHECK_EQUAL(status(caf::make_error(errc::order_not_found)), 404);
  BOOST_CHECK_EQUAL(status(caf::make_error(errc::unavailable, "x")), 503);
  BOOST_CHECK_EQUAL(status(caf::make_error(errc::storage, "/secret/path")),
                    500);
  BOOST_CHECK_EQUAL(status(caf::sec::request_timeout), 504);
  BOOST_CHECK_EQUAL(status(caf::sec::request_receiver_down), 503);
  BOOST_CHECK_EQUAL(
      error_to_response(caf::sec::request_receiver_down, "User").body,
      R"({"error":"User service unavailable"})");
  BOOST_CHECK(
      error_to_response(caf::make_error(errc::storage, "/secret/path"), "User")
          .body.find("secret") == std::string::npos);
  BOOST_CHECK_EQUAL(
      order_create_error(caf::make_error(errc::user_not_found)).status, 400);
}

BOOST_AUTO_TEST_CASE(writes_json_that_escapes_and_keeps_money_exact) {
  actors::order o;
  o.id = "o1";
  o.user_id = "u\"1\\";
  o.products = {{"line\nfeed\x01", 3, 10}};
  o.total_cents = 30;
  o.status = "pending";
  o.created_ms = 1764087439123;
  std::string out;
  append_order(out, o);
  BOOST_CHECK_EQUAL(
      out, R"({"id":"o1","userId":"u\"1\\","products":[{"productId":)"
           R"("line\u000afeed\u0001","quantity":3,"price":0.1}],"total":0.3,)"
           R"("status":"pending","createdAt":"2025-11-25T16:17:19.123Z"})");
}

BOOST_AUTO_TEST_SUITE_END()
