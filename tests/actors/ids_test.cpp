#include "actors/ascii.hpp"
#include "actors/ids.hpp"
#include "actors/shard_map.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <set>
#include <thread>

using namespace microshop::actors;

BOOST_AUTO_TEST_SUITE(ids)

BOOST_AUTO_TEST_CASE(an_id_is_uuid_v7_text_carrying_its_creation_time) {
  auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  auto id = new_id();
  BOOST_CHECK_EQUAL(id.size(), 36u);
  BOOST_CHECK(is_valid_id(id));
  BOOST_CHECK_EQUAL(id[14], '7');
  BOOST_CHECK(id_time_ms(id) >= before);
  BOOST_CHECK(id_time_ms(id) < before + 1000);
}

BOOST_AUTO_TEST_CASE(a_burst_within_one_millisecond_still_sorts_by_creation) {
  std::vector<std::string> ids;
  for (int i = 0; i < 20000; ++i)
    ids.push_back(new_id());
  BOOST_CHECK(std::is_sorted(ids.begin(), ids.end()));
  BOOST_CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
}

BOOST_AUTO_TEST_CASE(ids_from_many_threads_are_distinct) {
  std::vector<std::vector<std::string>> per_thread(8);
  std::vector<std::thread> threads;
  for (auto& out : per_thread)
    threads.emplace_back([&out] {
      for (int i = 0; i < 5000; ++i)
        out.push_back(new_id());
    });
  for (auto& t : threads)
    t.join();
  std::set<std::string> all;
  for (auto& out : per_thread) {
    BOOST_CHECK(std::is_sorted(out.begin(), out.end()));
    all.insert(out.begin(), out.end());
  }
  BOOST_CHECK_EQUAL(all.size(), 40000u);
}

BOOST_AUTO_TEST_CASE(the_same_instant_on_two_nodes_gives_different_ids) {
  // Two nodes share no sequence: only the random bits keep them apart.
  auto a = format_uuid_v7(1764087439123, 5, 0x0123456789abcdefull);
  auto b = format_uuid_v7(1764087439123, 5, 0x0fedcba987654321ull);
  BOOST_CHECK(a != b);
  BOOST_CHECK(is_valid_id(a) && is_valid_id(b));
  BOOST_CHECK_EQUAL(id_time_ms(a), 1764087439123);
}

BOOST_AUTO_TEST_CASE(rejects_text_that_is_not_a_v7_id) {
  auto id = new_id();
  BOOST_CHECK(!is_valid_id(""));
  BOOST_CHECK(!is_valid_id(id.substr(1)));
  auto upper = id;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  BOOST_CHECK(!is_valid_id(upper == id ? "x" : upper));
  auto v4 = id;
  v4[14] = '4';
  BOOST_CHECK(!is_valid_id(v4));
  BOOST_CHECK(!is_valid_id("../../etc/passwd-000000000000000000"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ascii)

BOOST_AUTO_TEST_CASE(one_hex_decoder_reads_both_cases_and_ids_stay_lowercase) {
  using microshop::actors::hex_value;
  BOOST_CHECK_EQUAL(hex_value('0'), 0);
  BOOST_CHECK_EQUAL(hex_value('9'), 9);
  BOOST_CHECK_EQUAL(hex_value('a'), 10);
  BOOST_CHECK_EQUAL(hex_value('F'), 15);
  for (char c : {'g', 'G', '/', ':', '@', '`', ' ', '\0'})
    BOOST_CHECK_EQUAL(hex_value(c), -1);
  BOOST_CHECK(!is_valid_id("0192F2A0-0000-7000-8000-000000000000"));
  BOOST_CHECK(is_valid_id("0192f2a0-0000-7000-8000-000000000000"));
  BOOST_CHECK_EQUAL(id_time_ms("0192f2a0-0000-7000-8000-000000000000"),
                    0x0192f2a00000);
}

BOOST_AUTO_TEST_CASE(one_ascii_lowering_leaves_other_bytes_alone) {
  using microshop::actors::append_lower;
  using microshop::actors::iequals;
  using microshop::actors::to_lower;
  BOOST_CHECK_EQUAL(to_lower('A'), 'a');
  BOOST_CHECK_EQUAL(to_lower('Z'), 'z');
  BOOST_CHECK_EQUAL(to_lower('@'), '@');
  BOOST_CHECK_EQUAL(to_lower('['), '[');
  std::string out = "n";
  append_lower(out, "Alice.Example-\xc3\x89");
  BOOST_CHECK_EQUAL(out, "nalice.example-\xc3\x89");
  BOOST_CHECK(iequals("Content-Type", "content-type"));
  BOOST_CHECK(!iequals("Content-Type", "content-typ"));
  BOOST_CHECK(!iequals("\xc3\x89", "\xc3\xa9"));
}

BOOST_AUTO_TEST_CASE(a_seal_lies_between_the_ids_before_and_after_it) {
  using namespace microshop::actors;
  for (int round = 0; round < 2000; ++round) {
    auto before = new_id(static_cast<uint8_t>(round));
    auto seal = seal_id();
    auto after = new_id(static_cast<uint8_t>(round));
    BOOST_REQUIRE_LT(before, seal);
    BOOST_REQUIRE_LT(seal, after);
  }
  // Sealing often does not push ids ahead of the clock.
  for (int i = 0; i < 100000; ++i)
    seal_id();
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  BOOST_CHECK_LE(id_time_ms(new_id()), now + 1);
}

BOOST_AUTO_TEST_CASE(an_id_keeps_the_shard_byte_it_was_made_with) {
  using namespace microshop::actors;
  for (int b = 0; b < 256; ++b) {
    auto id = new_id(static_cast<uint8_t>(b));
    BOOST_REQUIRE(is_valid_id(id));
    BOOST_REQUIRE_EQUAL(shard_byte_of(id), b);
    BOOST_REQUIRE_EQUAL(shard_of_id(id, 128), static_cast<uint32_t>(b % 128));
  }
}

BOOST_AUTO_TEST_SUITE_END()
