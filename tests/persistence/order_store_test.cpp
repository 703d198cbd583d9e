#include "actors/ids.hpp"
#include "actors/order_logic.hpp"
#include "persistence/order_store.hpp"
#include "persistence/status.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

using namespace microshop;
using namespace microshop::persistence;
using microshop::testing::temp_dir;

namespace {

order_record make_order(const std::string& user_id, int n) {
  order_record o;
  o.id = actors::new_id();
  o.user_id = user_id;
  o.products = {{"sku-" + std::to_string(n), n + 1, 1999}, {"gift", 1, 0}};
  o.total_cents = 1999u * static_cast<uint64_t>(n + 1);
  o.status = "pending";
  o.created_ms = actors::id_time_ms(o.id);
  return o;
}

order_store open_store(const temp_dir& dir) {
  auto store = order_store::open(dir / "orders");
  BOOST_REQUIRE_MESSAGE(store, (store ? "" : store.error().detail));
  return std::move(*store);
}

template <class T> std::vector<std::string> ids_of(const std::vector<T>& xs) {
  std::vector<std::string> out;
  for (auto& x : xs)
    out.push_back(x.id);
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(order_store_suite)

BOOST_AUTO_TEST_CASE(stores_an_order_and_reads_it_back_field_by_field) {
  temp_dir dir;
  auto store = open_store(dir);
  auto o = make_order(actors::new_id(), 2);
  BOOST_REQUIRE(!store.insert(o));
  auto got = store.get(o.id);
  BOOST_REQUIRE(got);
  BOOST_CHECK_EQUAL(got->user_id, o.user_id);
  BOOST_REQUIRE_EQUAL(got->products.size(), 2u);
  BOOST_CHECK_EQUAL(got->products[0].product_id, "sku-2");
  BOOST_CHECK_EQUAL(got->products[0].quantity, 3);
  BOOST_CHECK_EQUAL(got->products[0].price_cents, 1999);
  BOOST_CHECK_EQUAL(got->total_cents, o.total_cents);
  BOOST_CHECK_EQUAL(got->status, "pending");
  BOOST_CHECK_EQUAL(got->created_ms, o.created_ms);
}

BOOST_AUTO_TEST_CASE(insert_all_stores_every_order_with_its_index_entry) {
  temp_dir dir;
  auto store = open_store(dir);
  BOOST_CHECK(!store.insert_all({}));
  auto alice = actors::new_id();
  auto bob = actors::new_id();
  std::vector<order_record> xs{make_order(alice, 1), make_order(bob, 2),
                               make_order(alice, 3)};
  BOOST_REQUIRE(!store.insert_all(xs));
  auto all = store.list({"", 10});
  BOOST_REQUIRE(all);
  BOOST_CHECK(ids_of(all->items) == ids_of(xs));
  auto mine = store.list_by_user(alice, {"", 10});
  BOOST_REQUIRE(mine);
  BOOST_CHECK((ids_of(mine->items) == std::vector{xs[0].id, xs[2].id}));
  auto got = store.get(xs[1].id);
  BOOST_REQUIRE(got);
  BOOST_CHECK_EQUAL(got->total_cents, xs[1].total_cents);
}

BOOST_AUTO_TEST_CASE(an_unknown_id_is_order_not_found) {
  temp_dir dir;
  auto store = open_store(dir);
  auto got = store.get(actors::new_id());
  BOOST_REQUIRE(!got);
  BOOST_CHECK(got.error().code == store_errc::not_found);
}

BOOST_AUTO_TEST_CASE(lists_one_users_orders_through_the_index_across_pages) {
  temp_dir dir;
  auto store = open_store(dir);
  auto alice = actors::new_id();
  auto bob = actors::new_id();
  std::vector<std::string> alices;
  for (int i = 0; i < 23; ++i) {
    auto o = make_order(i % 3 == 0 ? bob : alice, i);
    if (o.user_id == alice)
      alices.push_back(o.id);
    BOOST_REQUIRE(!store.insert(o));
  }
  std::vector<std::string> seen;
  page p{"", 5};
  int pages = 0;
  for (;;) {
    auto result = store.list_by_user(alice, p);
    BOOST_REQUIRE(result);
    ++pages;
    for (auto& o : result->items)
      BOOST_CHECK_EQUAL(o.user_id, alice);
    auto ids = ids_of(result->items);
    seen.insert(seen.end(), ids.begin(), ids.end());
    if (!result->more)
      break;
    p.after = ids.back();
  }
  BOOST_CHECK(seen == alices);
  BOOST_CHECK_EQUAL(pages, 3);
  auto nobody = store.list_by_user(actors::new_id(), {});
  BOOST_REQUIRE(nobody);
  BOOST_CHECK(nobody->items.empty());
  BOOST_CHECK(!nobody->more);
}

BOOST_AUTO_TEST_CASE(lists_all_orders_oldest_first_and_keeps_them_on_reopen) {
  temp_dir dir;
  std::vector<std::string> ids;
  {
    auto store = open_store(dir);
    for (int i = 0; i < 12; ++i) {
      auto o = make_order(actors::new_id(), i);
      ids.push_back(o.id);
      BOOST_REQUIRE(!store.insert(o));
    }
  }
  auto store = open_store(dir);
  auto first = store.list({"", 7});
  BOOST_REQUIRE(first);
  BOOST_CHECK(first->more);
  auto second = store.list({first->items.back().id, 7});
  BOOST_REQUIRE(second);
  BOOST_CHECK(!second->more);
  auto all = ids_of(first->items);
  auto rest = ids_of(second->items);
  all.insert(all.end(), rest.begin(), rest.end());
  BOOST_CHECK(all == ids);
}

BOOST_AUTO_TEST_CASE(
    the_by_user_index_returns_whole_orders_also_after_compaction) {
  temp_dir dir;
  auto store = open_store(dir);
  auto alice = actors::new_id();
  std::vector<order_record> placed;
  for (int i = 0; i < 5; ++i) {
    placed.push_back(make_order(alice, i));
    BOOST_REQUIRE(!store.insert(placed.back()));
  }
  BOOST_REQUIRE(!store.compact());
  auto mine = store.list_by_user(alice, {});
  BOOST_REQUIRE(mine);
  BOOST_REQUIRE_EQUAL(mine->items.size(), placed.size());
  for (size_t i = 0; i < placed.size(); ++i) {
    const auto& got = mine->items[i];
    BOOST_CHECK_EQUAL(got.id, placed[i].id);
    BOOST_CHECK_EQUAL(got.total_cents, placed[i].total_cents);
    BOOST_REQUIRE_EQUAL(got.products.size(), placed[i].products.size());
    BOOST_CHECK_EQUAL(got.products[0].product_id,
                      placed[i].products[0].product_id);
    BOOST_CHECK_EQUAL(store.get(got.id)->created_ms, got.created_ms);
  }
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

/// An order of `lines` product lines with 64-character product ids: the
/// largest orders the API admits when `lines` is 100.
order_record make_big_order(const std::string& user_id, int lines) {
  order_record o;
  o.id = actors::new_id();
  o.user_id = user_id;
  for (int i = 0; i < lines; ++i) {
    auto sku = "sku-" + std::to_string(i);
    sku.resize(64, 'x');
    o.products.push_back({sku, 1000000, 100000000000});
  }
  o.total_cents = 0;
  o.status = "pending";
  o.created_ms = actors::id_time_ms(o.id);
  return o;
}

/// Walks the list `q` asks for page by page, as a client following `Link`
/// does (a page links on when `more` is set and it holds an order); checks
/// that each page stays within `budget`; returns the ids seen and counts the
/// pages.
std::vector<std::string> walk(const order_store& store, actors::order_query q,
                              size_t budget, int& pages) {
  std::vector<std::string> seen;
  pages = 0;
  for (;;) {
    auto result = actors::list_orders(store, q, budget);
    BOOST_REQUIRE(result);
    ++pages;
    BOOST_REQUIRE(!result->items.empty() || !result->more);
    BOOST_CHECK_LE(result->items.size(), q.window.limit);
    BOOST_CHECK_LE(actors::estimated_wire_size(*result), budget);
    auto ids = ids_of(result->items);
    seen.insert(seen.end(), ids.begin(), ids.end());
    if (!result->more)
      return seen;
    q.window.after = ids.back();
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(order_list_budget)

BOOST_AUTO_TEST_CASE(
    a_list_of_1000_big_orders_is_cut_under_the_budget_and_links_to_every_order_once) {
  temp_dir dir;
  auto store = open_store(dir);
  auto alice = actors::new_id();
  auto bob = actors::new_id();
  std::vector<std::string> all;
  std::vector<std::string> alices;
  std::vector<order_record> batch;
  for (int i = 0; i < 300; ++i) {
    batch.push_back(make_big_order(i % 2 == 0 ? alice : bob, 100));
    all.push_back(batch.back().id);
    if (i % 2 == 0)
      alices.push_back(batch.back().id);
    if (batch.size() == 50) {
      BOOST_REQUIRE(!store.insert_all(batch));
      batch.clear();
    }
  }
  // One order is ~14 KB on the wire: 300 of them ~4 MB, 1000 ~14 MB.
  auto one = estimated_wire_size(make_big_order(alice, 100));
  BOOST_TEST_MESSAGE("estimated bytes per order: " << one);
  BOOST_CHECK_GT(one, 13000u);
  int pages = 0;
  auto seen = walk(store, {"", {"", 1000}}, actors::default_list_budget, pages);
  BOOST_CHECK(seen == all);
  // Each full page holds as many orders as fit into 1 MiB, and no fewer.
  auto per_page = actors::default_list_budget / one;
  BOOST_CHECK_EQUAL(pages,
                    static_cast<int>((all.size() + per_page - 1) / per_page));
  auto first = actors::list_orders(store, {"", {"", 1000}});
  BOOST_REQUIRE(first);
  BOOST_CHECK_EQUAL(first->items.size(), per_page);
  BOOST_CHECK(first->more);
  auto mine =
      walk(store, {alice, {"", 1000}}, actors::default_list_budget, pages);
  BOOST_CHECK(mine == alices);
  BOOST_CHECK_GT(pages, 1);
}

BOOST_AUTO_TEST_CASE(the_limit_still_cuts_a_page_within_the_budget) {
  temp_dir dir;
  auto store = open_store(dir);
  std::vector<std::string> all;
  for (int i = 0; i < 7; ++i) {
    auto o = make_big_order(actors::new_id(), 2);
    all.push_back(o.id);
    BOOST_REQUIRE(!store.insert(o));
  }
  int pages = 0;
  BOOST_CHECK(walk(store, {"", {"", 3}}, actors::default_list_budget, pages) ==
              all);
  BOOST_CHECK_EQUAL(pages, 3);
  auto last = actors::list_orders(store, {"", {all[5], 3}});
  BOOST_REQUIRE(last);
  BOOST_CHECK_EQUAL(last->items.size(), 1u);
  BOOST_CHECK(!last->more);
}

BOOST_AUTO_TEST_CASE(an_order_larger_than_the_budget_comes_alone_on_its_page) {
  temp_dir dir;
  auto store = open_store(dir);
  std::vector<std::string> all;
  for (int i = 0; i < 3; ++i) {
    auto o = make_big_order(actors::new_id(), 100);
    all.push_back(o.id);
    BOOST_REQUIRE(!store.insert(o));
  }
  auto page = actors::list_orders(store, {"", {"", 100}}, 1000);
  BOOST_REQUIRE(page);
  BOOST_REQUIRE_EQUAL(page->items.size(), 1u);
  BOOST_CHECK_EQUAL(page->items[0].id, all[0]);
  BOOST_CHECK(page->more);
  auto last = actors::list_orders(store, {"", {all[1], 100}}, 1000);
  BOOST_REQUIRE(last);
  BOOST_REQUIRE_EQUAL(last->items.size(), 1u);
  BOOST_CHECK(!last->more);
}

BOOST_AUTO_TEST_SUITE_END()
