// What the user and order nodes report for GET /metrics, from their store's
// statistics and their links.

#include "actors/node_metrics.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace microshop;
using namespace microshop::actors;

namespace {

std::string text_of(const metric_samples& xs) {
  std::string out;
  for (auto& x : xs)
    out += x.name + '{' + x.labels + "} " + std::to_string(x.value) + '\n';
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(node_metrics)

BOOST_AUTO_TEST_CASE(label_value_escapes_backslash_quote_and_line_feed) {
  BOOST_CHECK_EQUAL(label_value(""), "");
  BOOST_CHECK_EQUAL(label_value("users-1"), "users-1");
  BOOST_CHECK_EQUAL(label_value("a\\b"), "a\\\\b");
  BOOST_CHECK_EQUAL(label_value("say \"hi\""), "say \\\"hi\\\"");
  BOOST_CHECK_EQUAL(label_value("two\nlines"), "two\\nlines");
  BOOST_CHECK_EQUAL(label_value("\\\"\n"), "\\\\\\\"\\n");
  // Everything else, UTF-8 and tabs included, stays as it is.
  BOOST_CHECK_EQUAL(label_value("t\tab h\xc3\xa9 {x=y},"),
                    "t\tab h\xc3\xa9 {x=y},");
}

BOOST_AUTO_TEST_CASE(store_samples_cover_each_family_and_the_store) {
  persistence::store_stats s;
  s.families = {{"default", 4096, 12}, {"idempotency", 512, 3}};
  s.write_stalls = 5;
  s.writes_stopped = true;
  s.errors = 2;
  metric_samples out;
  out.push_back({"already_there", {}, 1});
  add_store_samples(out, s);
  BOOST_REQUIRE_MESSAGE(out.size() == 8u, text_of(out));
  BOOST_CHECK_EQUAL(out[0].name, "already_there"); // appended, not replaced
  auto check = [&](size_t i, const char* name, const char* labels,
                   double value) {
    BOOST_TEST_CONTEXT("sample " << i) {
      BOOST_CHECK_EQUAL(out[i].name, name);
      BOOST_CHECK_EQUAL(out[i].labels, labels);
      BOOST_CHECK_EQUAL(out[i].value, value);
    }
  };
  check(1, "microshop_store_size_bytes", "family=\"default\"", 4096);
  check(2, "microshop_store_keys", "family=\"default\"", 12);
  check(3, "microshop_store_size_bytes", "family=\"idempotency\"", 512);
  check(4, "microshop_store_keys", "family=\"idempotency\"", 3);
  check(5, "microshop_store_write_stalls_total", "", 5);
  check(6, "microshop_store_writes_stopped", "", 1);
  check(7, "microshop_store_errors_total", "", 2);
}

BOOST_AUTO_TEST_CASE(store_samples_of_an_idle_store_are_zero) {
  persistence::store_stats s;
  s.families = {{"default", 0, 0}};
  metric_samples out;
  add_store_samples(out, s);
  BOOST_REQUIRE_EQUAL(out.size(), 5u);
  for (auto& x : out)
    BOOST_CHECK_EQUAL(x.value, 0.0);
  BOOST_CHECK_EQUAL(out[4].name, "microshop_store_errors_total");
  BOOST_CHECK_EQUAL(out[3].name, "microshop_store_writes_stopped");
}

BOOST_AUTO_TEST_CASE(a_family_name_is_an_escaped_label_value) {
  persistence::store_stats s;
  s.families = {{"we\"ird\\", 1, 1}};
  metric_samples out;
  add_store_samples(out, s);
  BOOST_CHECK_EQUAL(out[0].labels, "family=\"we\\\"ird\\\\\"");
}

BOOST_AUTO_TEST_CASE(peer_samples_name_the_peer) {
  metric_samples out;
  add_peer_samples(out, "users-2", true, 3, 7);
  add_peer_samples(out, "users-\"3\"", false, 0, 0);
  BOOST_REQUIRE_EQUAL(out.size(), 6u);
  BOOST_CHECK_EQUAL(out[0].name, "microshop_peer_link_up");
  BOOST_CHECK_EQUAL(out[0].labels, "peer=\"users-2\"");
  BOOST_CHECK_EQUAL(out[0].value, 1.0);
  BOOST_CHECK_EQUAL(out[1].name, "microshop_peer_reconnects_total");
  BOOST_CHECK_EQUAL(out[1].value, 3.0);
  BOOST_CHECK_EQUAL(out[2].name, "microshop_peer_request_timeouts_total");
  BOOST_CHECK_EQUAL(out[2].value, 7.0);
  BOOST_CHECK_EQUAL(out[3].labels, "peer=\"users-\\\"3\\\"\"");
  BOOST_CHECK_EQUAL(out[3].value, 0.0);
  for (size_t i = 3; i < 6; ++i)
    BOOST_CHECK_EQUAL(out[i].labels, out[3].labels);
}

BOOST_AUTO_TEST_SUITE_END()
