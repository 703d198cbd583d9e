// The uniqueness entries of the user store: each operation is atomic and
// decided by what the entry points at when it runs.

#include "actors/ids.hpp"
#include "persistence/status.hpp"
#include "persistence/user_store.hpp"
#include "support/temp_dir.hpp"

#include <algorithm>
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <optional>
#include <set>
#include <thread>
#include <vector>

using namespace microshop;
using namespace microshop::persistence;
using microshop::testing::temp_dir;

namespace {

user_store open_store(const temp_dir& dir) {
  auto store = user_store::open(dir / "users");
  BOOST_REQUIRE_MESSAGE(store, (store ? "" : store.error().detail));
  return std::move(*store);
}

/// The owner of the entry, failing the test on a storage error.
std::string owner_of(const user_store& store, unique_key k,
                     std::string_view value) {
  auto owner = store.entry_owner(k, value);
  BOOST_REQUIRE_MESSAGE(owner, (owner ? "" : owner.error().detail));
  return *owner;
}

} // namespace

BOOST_AUTO_TEST_SUITE(user_store_entries)

BOOST_AUTO_TEST_CASE(a_free_entry_is_claimed_and_then_answers_its_owner) {
  temp_dir dir;
  auto store = open_store(dir);
  auto x = actors::new_id();
  auto y = actors::new_id();
  BOOST_CHECK_EQUAL(owner_of(store, unique_key::username, "alice"), "");
  auto got = store.claim_entry(unique_key::username, "Alice", x);
  BOOST_REQUIRE(got);
  BOOST_CHECK_EQUAL(*got, x);
  // Again by the same owner: held; by another: the entry is left alone.
  BOOST_CHECK_EQUAL(*store.claim_entry(unique_key::username, "alice", x), x);
  BOOST_CHECK_EQUAL(*store.claim_entry(unique_key::username, "ALICE", y), x);
  BOOST_CHECK_EQUAL(owner_of(store, unique_key::username, "aLiCe"), x);
  // Usernames and emails are separate entries.
  BOOST_CHECK_EQUAL(owner_of(store, unique_key::email, "alice"), "");
  BOOST_CHECK_EQUAL(*store.claim_entry(unique_key::email, "alice", y), y);
}

BOOST_AUTO_TEST_CASE(a_swap_happens_only_from_the_owner_the_entry_points_at) {
  temp_dir dir;
  auto store = open_store(dir);
  auto o = actors::new_id();
  auto x = actors::new_id();
  auto y = actors::new_id();
  // No entry: nothing to swap from.
  BOOST_CHECK(!*store.swap_entry(unique_key::email, "a@example.com", o, x));
  BOOST_CHECK_EQUAL(owner_of(store, unique_key::email, "a@example.com"), "");
  BOOST_REQUIRE(store.claim_entry(unique_key::email, "a@example.com", o));
  BOOST_CHECK(!*store.swap_entry(unique_key::email, "a@example.com", y, x));
  BOOST_CHECK_EQUAL(owner_of(store, unique_key::email, "a@example.com"), o);
  BOOST_CHECK(*store.swap_entry(unique_key::email, "A@Example.com", o, x));
  BOOST_CHECK_EQUAL(owner_of(store, unique_key::email, "a@example.com"), x);
  // The old owner cannot swap it back.
  BOOST_CHECK(!*store.swap_entry(unique_key::email, "a@example.com", o, y));
  BOOST_CHECK_EQUAL(owner_of(store, unique_key::email, "a@example.com"), x);
}

BOOST_AUTO_TEST_CASE(a_release_deletes_the_entry_only_for_its_owner) {
  temp_dir dir;
  auto store = open_store(dir);
  auto x = actors::new_id();
  auto y = actors::new_id();
  BOOST_CHECK(!*store.release_entry(unique_key::username, "bob", x));
  BOOST_REQUIRE(store.claim_entry(unique_key::username, "bob", x));
  BOOST_CHECK(!*store.release_entry(unique_key::username, "bob", y));
  BOOST_CHECK_EQUAL(owner_of(store, unique_key::username, "bob"), x);
  BOOST_CHECK(*store.release_entry(unique_key::username, "BOB", x));
  BOOST_CHECK_EQUAL(owner_of(store, unique_key::username, "bob"), "");
  // Free again: anybody may claim it.
  BOOST_CHECK_EQUAL(*store.claim_entry(unique_key::username, "bob", y), y);
}

BOOST_AUTO_TEST_CASE(a_record_put_alone_leaves_the_entries_untouched) {
  temp_dir dir;
  auto store = open_store(dir);
  user_record u{actors::new_id(), "carol", "carol@example.com", "h", 0};
  BOOST_REQUIRE(!store.put_record(u));
  BOOST_CHECK(*store.contains(u.id));
  BOOST_CHECK_EQUAL(store.get(u.id)->username, "carol");
  BOOST_CHECK_EQUAL(owner_of(store, unique_key::username, "carol"), "");
  BOOST_CHECK_EQUAL(owner_of(store, unique_key::email, "carol@example.com"),
                    "");
  // `insert` writes both entries with the record.
  user_record v{actors::new_id(), "Dave", "Dave@example.com", "h", 0};
  BOOST_REQUIRE(!store.insert(v));
  BOOST_CHECK_EQUAL(owner_of(store, unique_key::username, "dave"), v.id);
  BOOST_CHECK_EQUAL(owner_of(store, unique_key::email, "dave@example.com"),
                    v.id);
}

BOOST_AUTO_TEST_CASE(a_claimed_entry_survives_a_reopen) {
  temp_dir dir;
  auto x = actors::new_id();
  {
    auto store = open_store(dir);
    BOOST_REQUIRE(store.claim_entry(unique_key::email, "e@example.com", x));
  }
  auto again = open_store(dir);
  BOOST_CHECK_EQUAL(owner_of(again, unique_key::email, "e@example.com"), x);
}

BOOST_AUTO_TEST_CASE(
    of_many_threads_swapping_one_entry_from_one_owner_one_wins) {
  temp_dir dir;
  auto store = open_store(dir);
  auto dangling = actors::new_id();
  BOOST_REQUIRE(store.claim_entry(unique_key::username, "erin", dangling));
  constexpr int n = 16;
  std::vector<std::string> owners(n);
  for (auto& o : owners)
    o = actors::new_id();
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      auto won =
          store.swap_entry(unique_key::username, "erin", dangling, owners[i]);
      if (won && *won)
        ++wins;
    });
  for (auto& t : threads)
    t.join();
  BOOST_CHECK_EQUAL(wins.load(), 1);
  auto now = owner_of(store, unique_key::username, "erin");
  BOOST_CHECK(std::find(owners.begin(), owners.end(), now) != owners.end());
}

BOOST_AUTO_TEST_CASE(of_many_threads_claiming_one_free_entry_one_holds_it) {
  temp_dir dir;
  auto store = open_store(dir);
  constexpr int n = 16;
  std::vector<std::string> owners(n);
  for (auto& o : owners)
    o = actors::new_id();
  std::vector<std::string> answers(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      auto got =
          store.claim_entry(unique_key::email, "f@example.com", owners[i]);
      if (got)
        answers[i] = *got;
    });
  for (auto& t : threads)
    t.join();
  // Every claimant was told the same owner, and it is one of them.
  std::set<std::string> distinct(answers.begin(), answers.end());
  BOOST_REQUIRE_EQUAL(distinct.size(), 1u);
  BOOST_CHECK(std::find(owners.begin(), owners.end(), *distinct.begin()) !=
              owners.end());
  BOOST_CHECK_EQUAL(owner_of(store, unique_key::email, "f@example.com"),
                    *distinct.begin());
}

BOOST_AUTO_TEST_SUITE_END()
