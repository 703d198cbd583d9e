#include "actors/errc.hpp"
#include "actors/ids.hpp"
#include "actors/validation.hpp"

#include <boost/test/unit_test.hpp>

using namespace microshop::actors;
using microshop::actors::errc;
using microshop::actors::error_text;
using microshop::actors::is;

namespace {

bool invalid_naming(const caf::error& err, const std::string& field) {
  return is(err, errc::invalid) && error_text(err).find(field) == 0;
}

new_order valid_order() {
  return {new_id(), {{"sku-1", 2, 1999}}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(user_validation)

BOOST_AUTO_TEST_CASE(accepts_usernames_of_3_to_32_allowed_characters) {
  for (const std::string& name :
       {std::string{"abc"}, std::string{"A.b-c_9"}, std::string(32, 'x')})
    BOOST_CHECK_MESSAGE(!validate_username(name), name);
}

BOOST_AUTO_TEST_CASE(rejects_usernames_too_short_too_long_or_with_other_chars) {
  for (const std::string& name :
       {std::string{""}, std::string{"ab"}, std::string(33, 'x'),
        std::string{"has space"}, std::string{"emoji\xf0\x9f\x98\x80"},
        std::string{"semi;colon"}, std::string{"at@sign"}})
    BOOST_CHECK_MESSAGE(invalid_naming(validate_username(name), "username"),
                        name);
}

BOOST_AUTO_TEST_CASE(accepts_ordinary_emails) {
  for (auto email :
       {"a@b.co", "first.last+tag@sub.example-domain.org", "UPPER@EXAMPLE.COM"})
    BOOST_CHECK_MESSAGE(!validate_email(email), email);
  auto local64 = std::string(64, 'l') + "@example.com";
  BOOST_CHECK(!validate_email(local64));
}

BOOST_AUTO_TEST_CASE(rejects_emails_breaking_any_rule) {
  auto local65 = std::string(65, 'l') + "@example.com";
  auto long_domain = "a@" + std::string(250, 'd') + ".com";
  for (const std::string& email :
       {std::string{""}, std::string{"plain"}, std::string{"@example.com"},
        std::string{"a@@example.com"}, std::string{"a@b@example.com"},
        std::string{"a@localhost"}, std::string{"a@exa_mple.com"},
        std::string{"a@.example.com"}, std::string{"a@example..com"},
        std::string{"a@example.com."}, std::string{"a b@example.com"}, local65,
        long_domain})
    BOOST_CHECK_MESSAGE(invalid_naming(validate_email(email), "email"), email);
}

BOOST_AUTO_TEST_CASE(counts_password_length_in_characters_not_bytes) {
  BOOST_CHECK(!validate_password("12345678"));
  BOOST_CHECK(!validate_password(std::string(128, 'p')));
  BOOST_CHECK(invalid_naming(validate_password("1234567"), "password"));
  BOOST_CHECK(
      invalid_naming(validate_password(std::string(129, 'p')), "password"));
  // Seven two-byte characters are 14 bytes but still too short.
  BOOST_CHECK(invalid_naming(validate_password("\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
                                               "\xa9\xc3\xa9\xc3\xa9\xc3\xa9"),
                             "password"));
}

BOOST_AUTO_TEST_CASE(never_quotes_the_password_in_an_error) {
  auto err = validate(new_user{"alice", "a@example.com", "short"});
  BOOST_CHECK(error_text(err).find("short") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_user_reports_its_first_broken_field) {
  BOOST_CHECK(!validate(new_user{"alice", "a@example.com", "password1"}));
  BOOST_CHECK(invalid_naming(validate(new_user{"a", "bad", "x"}), "username"));
  BOOST_CHECK(invalid_naming(validate(new_user{"alice", "bad", "x"}), "email"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(order_validation)

BOOST_AUTO_TEST_CASE(accepts_an_order_within_every_limit) {
  BOOST_CHECK(!validate(valid_order()));
  auto x = valid_order();
  x.products.assign(100, {std::string(64, 'p'), 1'000'000, 100'000'000'000});
  BOOST_CHECK(!validate(x));
  x.products = {{"free", 1, 0}};
  BOOST_CHECK(!validate(x));
}

BOOST_AUTO_TEST_CASE(a_user_id_that_cannot_exist_is_user_not_found) {
  auto x = valid_order();
  x.user_id = "not-an-id";
  BOOST_CHECK(is(validate(x), errc::user_not_found));
}

BOOST_AUTO_TEST_CASE(a_broken_product_is_reported_whatever_the_user_id) {
  // Malformed or merely unknown, the user id comes second: the same body
  // gets the same answer.
  auto x = valid_order();
  x.products[0].product_id.clear();
  BOOST_CHECK(invalid_naming(validate(x), "products[0].productId"));
  x.user_id = "not-an-id";
  BOOST_CHECK(invalid_naming(validate(x), "products[0].productId"));
}

BOOST_AUTO_TEST_CASE(rejects_no_products_or_more_than_100) {
  auto x = valid_order();
  x.products.clear();
  BOOST_CHECK(invalid_naming(validate(x), "products"));
  x.products.assign(101, {"p", 1, 1});
  BOOST_CHECK(invalid_naming(validate(x), "products"));
}

BOOST_AUTO_TEST_CASE(names_the_product_field_that_breaks_a_rule) {
  auto x = valid_order();
  x.products.push_back({"", 1, 1});
  BOOST_CHECK(invalid_naming(validate(x), "products[1].productId"));
  x.products[1] = {std::string(65, 'p'), 1, 1};
  BOOST_CHECK(invalid_naming(validate(x), "products[1].productId"));
  x.products[1] = {"p", 0, 1};
  BOOST_CHECK(invalid_naming(validate(x), "products[1].quantity"));
  x.products[1] = {"p", 1'000'001, 1};
  BOOST_CHECK(invalid_naming(validate(x), "products[1].quantity"));
  x.products[1] = {"p", 1, -1};
  BOOST_CHECK(invalid_naming(validate(x), "products[1].price"));
  x.products[1] = {"p", 1, 100'000'000'001};
  BOOST_CHECK(invalid_naming(validate(x), "products[1].price"));
}

BOOST_AUTO_TEST_CASE(counts_product_id_length_in_characters) {
  auto x = valid_order();
  std::string id;
  for (int i = 0; i < 64; ++i)
    id += "\xc3\xa9";
  x.products[0].product_id = id;
  BOOST_CHECK(!validate(x));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rule_messages)

BOOST_AUTO_TEST_CASE(every_rule_message_comes_from_the_one_header_of_limits) {
  namespace lim = microshop::actors::limits;
  auto text = [](const caf::error& err) { return error_text(err); };
  BOOST_CHECK_EQUAL(text(validate_username("x")), lim::username_rule);
  BOOST_CHECK_EQUAL(text(validate_email("x")), lim::email_rule);
  BOOST_CHECK_EQUAL(text(validate_password("x")), lim::password_rule);
  auto o = valid_order();
  o.products.clear();
  BOOST_CHECK_EQUAL(text(validate(o)), lim::products_rule);
  o = valid_order();
  o.products.resize(lim::max_products + 1, o.products[0]);
  BOOST_CHECK_EQUAL(text(validate(o)), lim::products_rule);
  o = valid_order();
  o.products[0].product_id = std::string(lim::max_product_id_chars + 1, 'p');
  BOOST_CHECK_EQUAL(text(validate(o)),
                    "products[0]." + std::string{lim::product_id_rule});
  o = valid_order();
  o.products[0].quantity = lim::max_quantity + 1;
  BOOST_CHECK_EQUAL(text(validate(o)),
                    "products[0]." + std::string{lim::quantity_rule});
  o = valid_order();
  o.products[0].price_cents = lim::max_price_cents + 1;
  BOOST_CHECK_EQUAL(text(validate(o)),
                    "products[0]." + std::string{lim::price_rule});
  o.products[0].price_cents = lim::max_price_cents;
  BOOST_CHECK(!validate(o));
}

BOOST_AUTO_TEST_SUITE_END()
