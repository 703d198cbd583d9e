#include "http_edge/list_merge.hpp"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

using namespace microshop;
using namespace microshop::http_edge;

namespace {

actors::user_page page_of(std::vector<std::string> ids, std::string watermark,
                          bool more = false, bool full = false) {
  actors::user_page p;
  for (auto& id : ids)
    p.items.push_back({id, "name-" + id, id + "@example.com", 0});
  p.watermark = std::move(watermark);
  p.more = more;
  p.full = full;
  return p;
}

std::vector<std::string> ids_of(const actors::user_page& p) {
  std::vector<std::string> out;
  for (auto& u : p.items)
    out.push_back(u.id);
  return out;
}

using ids = std::vector<std::string>;

actors::user_page merge(std::vector<actors::user_page> pages, uint32_t limit,
                        std::string after = "") {
  return merge_pages(std::move(pages), actors::page{std::move(after), limit});
}

} // namespace

BOOST_AUTO_TEST_SUITE(list_merge)

BOOST_AUTO_TEST_CASE(one_node_answers_its_page_as_it_is) {
  // Whatever the page says, with one node it is the answer (1x1 as today).
  for (auto& p :
       {page_of({"a", "b"}, "c", true, false),
        page_of({"a", "b"}, "", false, false), page_of({}, "", true, false),
        page_of({"a"}, "b", false, true),
        page_of({"a", "z"}, "b", false, false)}) {
    auto merged = merge({p}, 2);
    BOOST_CHECK(ids_of(merged) == ids_of(p));
    BOOST_CHECK_EQUAL(merged.more, p.more);
    for (size_t i = 0; i < p.items.size() && i < merged.items.size(); ++i)
      BOOST_CHECK_EQUAL(merged.items[i].username, p.items[i].username);
  }
}

BOOST_AUTO_TEST_CASE(merges_in_id_order_below_every_watermark) {
  auto merged = merge(
      {page_of({"a1", "a3", "a5"}, "a6"), page_of({"a2", "a4"}, "a45")}, 10);
  BOOST_CHECK(ids_of(merged) == (ids{"a1", "a2", "a3", "a4"}));
  BOOST_CHECK(merged.more); // a5 held back: the second node may still add
  // Below both watermarks and nothing held back: no more.
  merged = merge({page_of({"a1", "a3"}, "a6"), page_of({"a2"}, "a7")}, 10);
  BOOST_CHECK(ids_of(merged) == (ids{"a1", "a2", "a3"}));
  BOOST_CHECK(!merged.more);
}

BOOST_AUTO_TEST_CASE(takes_the_first_limit_items_and_says_more) {
  auto merged = merge({page_of({"b", "d", "f"}, "g"), page_of({"a", "c"}, "g"),
                       page_of({"e"}, "g")},
                      4);
  BOOST_CHECK(ids_of(merged) == (ids{"a", "b", "c", "d"}));
  BOOST_CHECK(merged.more);
  BOOST_CHECK_EQUAL(merged.items[1].username, "name-b");
}

BOOST_AUTO_TEST_CASE(says_more_when_any_node_says_more) {
  auto merged = merge({page_of({"a"}, "g"), page_of({"b"}, "g", true)}, 10);
  BOOST_CHECK(ids_of(merged) == (ids{"a", "b"}));
  BOOST_CHECK(merged.more);
}

BOOST_AUTO_TEST_CASE(a_full_page_is_complete_through_its_last_item_only) {
  // The first node stopped at its limit at "c": another node's "d" may come
  // after records of the first node that it did not send.
  auto merged = merge(
      {page_of({"a", "c"}, "z", true, true), page_of({"b", "d"}, "z")}, 2);
  BOOST_CHECK(ids_of(merged) == (ids{"a", "b"}));
  BOOST_CHECK(merged.more);
  merged = merge({page_of({"a", "c"}, "z", true, true),
                  page_of({"b", "c1", "d"}, "z", true, false)},
                 5);
  BOOST_CHECK(ids_of(merged) == (ids{"a", "b", "c"}));
  BOOST_CHECK(merged.more);
}

BOOST_AUTO_TEST_CASE(an_empty_page_bounds_the_others_at_its_watermark) {
  auto merged = merge({page_of({"a", "m"}, "n"), page_of({}, "f")}, 10);
  BOOST_CHECK(ids_of(merged) == (ids{"a"}));
  BOOST_CHECK(merged.more);
  // Nothing below the lowest watermark: an empty page that still says more,
  // so that the client asks again from the same place.
  merged = merge({page_of({"m"}, "n"), page_of({}, "f")}, 10, "b");
  BOOST_CHECK(merged.items.empty());
  BOOST_CHECK(merged.more);
}

BOOST_AUTO_TEST_CASE(empty_pages_everywhere_are_the_end) {
  auto merged =
      merge({page_of({}, "n"), page_of({}, "f"), page_of({}, "")}, 10, "a");
  BOOST_CHECK(merged.items.empty());
  BOOST_CHECK(!merged.more);
}

BOOST_AUTO_TEST_CASE(a_page_without_a_watermark_is_complete_through_its_last) {
  // Today's nodes send no watermark: trust them through their last item.
  auto merged = merge({page_of({"a", "c"}, ""), page_of({"b", "d"}, "z")}, 10);
  BOOST_CHECK(ids_of(merged) == (ids{"a", "b", "c"}));
  BOOST_CHECK(merged.more);
  // ... and an empty one through `after` only.
  merged = merge({page_of({}, ""), page_of({"b", "d"}, "z")}, 10, "a");
  BOOST_CHECK(merged.items.empty());
  BOOST_CHECK(merged.more);
}

BOOST_AUTO_TEST_CASE(the_lower_of_equal_bounds_is_the_exclusive_one) {
  std::string c = "c";
  list_bound in{c, true};
  list_bound out{c, false};
  BOOST_CHECK(!lower(in, out).inclusive);
  BOOST_CHECK(!lower(out, in).inclusive);
  BOOST_CHECK(within("c", in));
  BOOST_CHECK(!within("c", out));
  BOOST_CHECK(within("b", out));
  BOOST_CHECK_EQUAL(lower(list_bound{"b", true}, out).id, "b");
}

BOOST_AUTO_TEST_CASE(merges_order_pages_alike) {
  std::vector<actors::order_page> pages(2);
  pages[0].items.resize(2);
  pages[0].items[0].id = "o1";
  pages[0].items[1].id = "o4";
  pages[0].watermark = "o5";
  pages[1].items.resize(1);
  pages[1].items[0].id = "o2";
  pages[1].items[0].user_id = "u";
  pages[1].watermark = "o3";
  auto merged = merge_pages(std::move(pages), actors::page{"", 10});
  BOOST_REQUIRE_EQUAL(merged.items.size(), 2u);
  BOOST_CHECK_EQUAL(merged.items[0].id, "o1");
  BOOST_CHECK_EQUAL(merged.items[1].id, "o2");
  BOOST_CHECK_EQUAL(merged.items[1].user_id, "u");
  BOOST_CHECK(merged.more);
}

BOOST_AUTO_TEST_SUITE_END()
