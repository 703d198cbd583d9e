#include "http_edge/json_out.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

using namespace microshop::http_edge;

namespace {

/// The formatting the edge used before (strftime and snprintf), as oracle.
std::string reference_timestamp(int64_t unix_ms) {
  auto secs = static_cast<time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ",
                static_cast<int>(unix_ms % 1000));
  return buf;
}

} // namespace

BOOST_AUTO_TEST_SUITE(json_out)

BOOST_AUTO_TEST_CASE(timestamps_match_strftime_from_1970_to_9999) {
  std::mt19937_64 rng{42};
  // 253402300799999 is 9999-12-31T23:59:59.999Z.
  std::uniform_int_distribution<int64_t> any{0, 253402300799999};
  for (int i = 0; i < 200000; ++i) {
    auto ms = any(rng);
    BOOST_REQUIRE_EQUAL(format_timestamp(ms), reference_timestamp(ms));
  }
  for (int64_t ms : {int64_t{0}, int64_t{951782400000}, // 2000-02-29
                     int64_t{4107542400000},            // 2100-03-01
                     int64_t{1798761599999}, int64_t{253402300799999}})
    BOOST_CHECK_EQUAL(format_timestamp(ms), reference_timestamp(ms));
  BOOST_CHECK_EQUAL(format_timestamp(951782400123), "2000-02-29T00:00:00.123Z");
}

BOOST_AUTO_TEST_CASE(strings_are_escaped_for_every_byte) {
  // Every single byte, and runs around escapes: what nlohmann reads back
  // is the input.
  for (int b = 0; b < 256; ++b) {
    if (b >= 0x80)
      continue; // a lone high byte is not UTF-8; the edge takes only UTF-8
    std::string s = "ab";
    s.push_back(static_cast<char>(b));
    s += "cd";
    std::string out;
    append_json_string(out, s);
    BOOST_REQUIRE_EQUAL(nlohmann::json::parse(out).get<std::string>(), s);
  }
  std::string out;
  append_json_string(out, "\"\\\n\x01h\xc3\xa9llo\"");
  BOOST_CHECK_EQUAL(out, R"("\"\\\u000a\u0001h)"
                         "\xc3\xa9"
                         R"(llo\"")");
  out.clear();
  append_json_string(out, "");
  BOOST_CHECK_EQUAL(out, "\"\"");
}

BOOST_AUTO_TEST_SUITE_END()
