#include "actors/ids.hpp"
#include "persistence/status.hpp"
#include "persistence/user_store.hpp"
#include "support/temp_dir.hpp"

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace microshop;
using namespace microshop::persistence;
using microshop::testing::temp_dir;

namespace {

user_record make_user(const std::string& name, const std::string& email) {
  user_record u;
  u.id = actors::new_id();
  u.username = name;
  u.email = email;
  u.password_hash = "$argon2id$fake";
  u.created_ms = actors::id_time_ms(u.id);
  return u;
}

user_store open_store(const temp_dir& dir) {
  auto store = user_store::open(dir / "users");
  BOOST_REQUIRE_MESSAGE(store, (store ? "" : store.error().detail));
  return std::move(*store);
}

} // namespace

BOOST_AUTO_TEST_SUITE(user_store_suite)

BOOST_AUTO_TEST_CASE(stores_a_user_and_reads_it_back_by_id) {
  temp_dir dir;
  auto store = open_store(dir);
  auto u = make_user("alice", "Alice@Example.com");
  BOOST_REQUIRE(!store.insert(u));
  auto got = store.get(u.id);
  BOOST_REQUIRE(got);
  BOOST_CHECK_EQUAL(got->username, "alice");
  BOOST_CHECK_EQUAL(got->email, "Alice@Example.com");
  BOOST_CHECK_EQUAL(got->password_hash, "$argon2id$fake");
  BOOST_CHECK_EQUAL(got->created_ms, u.created_ms);
  BOOST_CHECK(*store.contains(u.id));
  BOOST_CHECK(!*store.contains(actors::new_id()));
}

BOOST_AUTO_TEST_CASE(an_unknown_id_is_user_not_found) {
  temp_dir dir;
  auto store = open_store(dir);
  auto got = store.get(actors::new_id());
  BOOST_REQUIRE(!got);
  BOOST_CHECK(got.error().code == store_errc::not_found);
}

BOOST_AUTO_TEST_CASE(refuses_a_username_taken_in_another_case) {
  temp_dir dir;
  auto store = open_store(dir);
  BOOST_REQUIRE(!store.insert(make_user("Alice", "a@example.com")));
  auto err = store.insert(make_user("aLICE", "b@example.com"));
  BOOST_CHECK(err.code == store_errc::duplicate);
  BOOST_CHECK_EQUAL(err.detail, "username");
  BOOST_CHECK(store.check_unique("ALICE", "c@example.com").code ==
              store_errc::duplicate);
}

BOOST_AUTO_TEST_CASE(refuses_an_email_taken_in_another_case) {
  temp_dir dir;
  auto store = open_store(dir);
  BOOST_REQUIRE(!store.insert(make_user("alice", "a@example.com")));
  auto err = store.insert(make_user("bob", "A@EXAMPLE.COM"));
  BOOST_CHECK(err.code == store_errc::duplicate);
  BOOST_CHECK_EQUAL(err.detail, "email");
  auto page1 = store.list({});
  BOOST_REQUIRE(page1);
  BOOST_CHECK_EQUAL(page1->items.size(), 1u);
}

BOOST_AUTO_TEST_CASE(of_many_threads_inserting_one_email_exactly_one_wins) {
  temp_dir dir;
  auto store = open_store(dir);
  constexpr int n = 32;
  std::atomic<int> ready{0};
  std::atomic<int> wins{0};
  std::atomic<int> duplicates{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      auto u = make_user("user" + std::to_string(i), "same@example.com");
      ++ready;
      while (ready.load() < n)
        std::this_thread::yield();
      auto err = store.insert(u);
      if (!err)
        ++wins;
      else if (err.code == store_errc::duplicate)
        ++duplicates;
    });
  for (auto& t : threads)
    t.join();
  BOOST_CHECK_EQUAL(wins.load(), 1);
  BOOST_CHECK_EQUAL(duplicates.load(), n - 1);
  auto all = store.list({"", 1000});
  BOOST_REQUIRE(all);
  BOOST_CHECK_EQUAL(all->items.size(), 1u);
}

BOOST_AUTO_TEST_CASE(reopening_the_store_keeps_every_record) {
  temp_dir dir;
  std::vector<std::string> ids;
  {
    auto store = open_store(dir);
    for (int i = 0; i < 50; ++i) {
      auto u = make_user("u" + std::to_string(i),
                         "u" + std::to_string(i) + "@example.com");
      ids.push_back(u.id);
      BOOST_REQUIRE(!store.insert(u));
    }
  }
  auto store = open_store(dir);
  for (auto& id : ids)
    BOOST_CHECK(store.get(id));
  BOOST_CHECK(store.insert(make_user("U7", "x@example.com")).code ==
              store_errc::duplicate);
}

BOOST_AUTO_TEST_CASE(lists_users_in_creation_order_across_pages) {
  temp_dir dir;
  auto store = open_store(dir);
  std::vector<std::string> ids;
  for (int i = 0; i < 25; ++i) {
    auto u = make_user("u" + std::to_string(i),
                       "u" + std::to_string(i) + "@example.com");
    ids.push_back(u.id);
    BOOST_REQUIRE(!store.insert(u));
  }
  std::vector<std::string> seen;
  std::vector<bool> mores;
  page p{"", 10};
  for (;;) {
    auto result = store.list(p);
    BOOST_REQUIRE(result);
    for (auto& u : result->items)
      seen.push_back(u.id);
    mores.push_back(result->more);
    if (!result->more)
      break;
    p.after = result->items.back().id;
  }
  BOOST_CHECK(seen == ids);
  BOOST_CHECK((mores == std::vector<bool>{true, true, false}));
  // An `after` that is no user's id still pages by creation order.
  auto tail = store.list({ids[24], 10});
  BOOST_REQUIRE(tail);
  BOOST_CHECK(tail->items.empty());
  BOOST_CHECK(!tail->more);
}

BOOST_AUTO_TEST_CASE(a_directory_held_by_another_process_is_a_clear_error) {
  temp_dir dir;
  int ready[2];
  BOOST_REQUIRE(::pipe(ready) == 0);
  auto child = ::fork();
  if (child == 0) {
    auto store = user_store::open(dir / "users");
    char c = store ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    ::sleep(30);
    ::_exit(0);
  }
  char c = 0;
  BOOST_REQUIRE(::read(ready[0], &c, 1) == 1);
  BOOST_REQUIRE_EQUAL(c, 'y');
  auto store = user_store::open(dir / "users");
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  BOOST_REQUIRE(!store);
  BOOST_CHECK(store.error().code == store_errc::failure);
  auto text = store.error().detail;
  BOOST_TEST_MESSAGE(text);
  BOOST_CHECK(text.find((dir / "users").string()) != std::string::npos);
  BOOST_CHECK(text.find("lock") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_path_that_is_a_file_is_a_clear_error) {
  temp_dir dir;
  std::ofstream{dir / "file"} << "not a directory";
  auto store = user_store::open(dir / "file");
  BOOST_REQUIRE(!store);
  BOOST_CHECK(store.error().code == store_errc::failure);
  BOOST_CHECK(store.error().detail.find((dir / "file").string()) !=
              std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
