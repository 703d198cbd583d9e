#include "http_edge/router.hpp"

#include <boost/test/unit_test.hpp>

using namespace microshop::http_edge;

BOOST_AUTO_TEST_SUITE(router)

BOOST_AUTO_TEST_CASE(maps_each_path_of_the_api) {
  BOOST_CHECK(match("/api/users").target == resource::users);
  BOOST_CHECK(match("/api/users/").target == resource::users);
  BOOST_CHECK(match("/api/orders?userId=1").target == resource::orders);
  BOOST_CHECK_EQUAL(match("/api/orders?userId=1").query, "userId=1");
  auto user = match("/api/users/abc%2Ddef?x=1");
  BOOST_CHECK(user.target == resource::user);
  BOOST_CHECK_EQUAL(user.id, "abc-def");
  BOOST_CHECK(match("/api/orders/42").target == resource::order);
  BOOST_CHECK(match("/healthz").target == resource::healthz);
  BOOST_CHECK(match("/readyz").target == resource::readyz);
}

BOOST_AUTO_TEST_CASE(anything_else_is_no_resource) {
  for (auto path : {"/", "/api", "/api/user", "/api/users/a/b", "/api/usersx",
                    "/api/users/%zz", "/healthz/x", "api/users"})
    BOOST_CHECK_MESSAGE(match(path).target == resource::none, path);
}

BOOST_AUTO_TEST_CASE(allows_get_everywhere_and_post_on_collections) {
  BOOST_CHECK(allows(resource::users, "POST"));
  BOOST_CHECK(allows(resource::orders, "GET"));
  BOOST_CHECK(!allows(resource::user, "POST"));
  BOOST_CHECK(!allows(resource::users, "DELETE"));
  BOOST_CHECK(allows(resource::readyz, "OPTIONS"));
  BOOST_CHECK_EQUAL(allowed_methods(resource::orders), "GET, POST, OPTIONS");
  BOOST_CHECK_EQUAL(allowed_methods(resource::order), "GET, OPTIONS");
}

BOOST_AUTO_TEST_CASE(percent_decoding_rejects_broken_escapes) {
  std::string out;
  BOOST_CHECK(percent_decode("a%20b+c", out, true));
  BOOST_CHECK_EQUAL(out, "a b c");
  BOOST_CHECK(percent_decode("a+b", out, false));
  BOOST_CHECK_EQUAL(out, "a+b");
  BOOST_CHECK(!percent_decode("%", out, true));
  BOOST_CHECK(!percent_decode("%4", out, true));
  BOOST_CHECK(!percent_decode("%g0", out, true));
}

BOOST_AUTO_TEST_SUITE_END()
