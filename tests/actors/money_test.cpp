#include "actors/money.hpp"

#include <boost/test/unit_test.hpp>

using namespace microshop::actors;

BOOST_AUTO_TEST_SUITE(money)

BOOST_AUTO_TEST_CASE(parses_numbers_with_up_to_two_decimals_exactly) {
  BOOST_CHECK_EQUAL(*cents_from_number(19.99), 1999);
  BOOST_CHECK_EQUAL(*cents_from_number(0.1), 10);
  BOOST_CHECK_EQUAL(*cents_from_number(0.29), 29);
  BOOST_CHECK_EQUAL(*cents_from_number(1.1), 110);
  BOOST_CHECK_EQUAL(*cents_from_number(0.0), 0);
  BOOST_CHECK_EQUAL(*cents_from_number(1e9), 100'000'000'000);
  BOOST_CHECK_EQUAL(*cents_from_number(999999999.99), 99'999'999'999);
  BOOST_CHECK_EQUAL(*cents_from_number(4.35), 435);
}

BOOST_AUTO_TEST_CASE(rejects_more_decimals_and_what_cents_cannot_hold) {
  BOOST_CHECK(!cents_from_number(1.005));
  BOOST_CHECK(!cents_from_number(0.001));
  BOOST_CHECK(!cents_from_number(19.999));
  BOOST_CHECK(!cents_from_number(1e16));
  BOOST_CHECK(!cents_from_number(-1e16));
  BOOST_CHECK(!cents_from_number(std::numeric_limits<double>::infinity()));
  BOOST_CHECK(!cents_from_number(std::numeric_limits<double>::quiet_NaN()));
}

BOOST_AUTO_TEST_CASE(converts_amounts_outside_the_price_range_for_the_rules) {
  // Whether an amount is a valid price is the order service's rule
  // (validate), not the conversion's: it converts them exactly.
  BOOST_CHECK_EQUAL(*cents_from_number(-1), -100);
  BOOST_CHECK_EQUAL(*cents_from_number(-0.01), -1);
  BOOST_CHECK_EQUAL(*cents_from_number(1e9 + 0.01), 100'000'000'001);
  BOOST_CHECK_EQUAL(*cents_from_integer(1'000'000'001), 100'000'000'100);
  BOOST_CHECK_EQUAL(*cents_from_integer(-1), -100);
}

BOOST_AUTO_TEST_CASE(parses_integers_as_whole_units) {
  BOOST_CHECK_EQUAL(*cents_from_integer(5), 500);
  BOOST_CHECK_EQUAL(*cents_from_integer(1'000'000'000), 100'000'000'000);
  BOOST_CHECK(!cents_from_integer(std::numeric_limits<int64_t>::max()));
  BOOST_CHECK(!cents_from_integer(std::numeric_limits<int64_t>::min()));
}

BOOST_AUTO_TEST_CASE(formats_without_float_noise_or_trailing_zeros) {
  BOOST_CHECK_EQUAL(format_cents(30), "0.3");
  BOOST_CHECK_EQUAL(format_cents(1999), "19.99");
  BOOST_CHECK_EQUAL(format_cents(500), "5");
  BOOST_CHECK_EQUAL(format_cents(5), "0.05");
  BOOST_CHECK_EQUAL(format_cents(0), "0");
  BOOST_CHECK_EQUAL(format_cents(10'000'000'000'000'000'000u),
                    "100000000000000000");
}

BOOST_AUTO_TEST_CASE(totals_are_exact_sums_in_cents) {
  std::vector<microshop::actors::line_item> items{
      {"a", 1, 10}, {"b", 1, 10}, {"c", 1, 10}};
  BOOST_CHECK_EQUAL(format_cents(total_cents(items)), "0.3");
  items.assign(100, {"max", 1'000'000, 100'000'000'000});
  BOOST_CHECK_EQUAL(total_cents(items), 10'000'000'000'000'000'000u);
}

BOOST_AUTO_TEST_SUITE_END()
