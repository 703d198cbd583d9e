#include "actors/password.hpp"

#include <boost/test/unit_test.hpp>

using namespace microshop::actors;

BOOST_AUTO_TEST_SUITE(password)

BOOST_AUTO_TEST_CASE(
    hashes_with_argon2id_and_verifies_only_the_right_password) {
  auto hash = hash_password("correct horse", pwhash_cost::minimum());
  BOOST_REQUIRE(hash);
  BOOST_CHECK(hash->rfind("$argon2id$", 0) == 0);
  BOOST_CHECK(hash->find("correct horse") == std::string::npos);
  BOOST_CHECK(verify_password(*hash, "correct horse"));
  BOOST_CHECK(!verify_password(*hash, "correct horsf"));
}

BOOST_AUTO_TEST_CASE(the_default_cost_is_the_owasp_minimum) {
  pwhash_cost cost;
  BOOST_CHECK_EQUAL(cost.ops, 2u);
  BOOST_CHECK_EQUAL(cost.mem_bytes, size_t{19} << 20);
  auto hash = hash_password("password1", cost);
  BOOST_REQUIRE(hash);
  BOOST_CHECK(hash->find("m=19456,t=2") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(two_hashes_of_one_password_differ_by_salt) {
  auto a = hash_password("password1", pwhash_cost::minimum());
  auto b = hash_password("password1", pwhash_cost::minimum());
  BOOST_REQUIRE(a && b);
  BOOST_CHECK(*a != *b);
}

BOOST_AUTO_TEST_SUITE_END()
