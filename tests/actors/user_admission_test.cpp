#include "actors/errc.hpp"
#include "actors/ids.hpp"
#include "actors/user_logic.hpp"
#include "actors/user_service.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <chrono>
#include <sodium.h>
#include <string>
#include <vector>

using namespace microshop;
using namespace microshop::actors;
using namespace std::chrono_literals;
using actors::errc;
using actors::is;

namespace {

using clock_type = std::chrono::steady_clock;

/// A cost that makes one hash take well over 50 ms on this machine kind
/// (64 MiB, 3 passes), so that a test can act while a worker hashes.
pwhash_cost slow_cost() {
  return {3, size_t{64} << 20};
}

new_user fresh(const std::string& name) {
  return {name, name + "@example.com", "password-" + name};
}

/// The user service over a store in a temp dir, in an actor system of its
/// own.
struct service_fixture {
  testing::temp_dir dir;
  std::shared_ptr<persistence::user_store> store;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  user_actor svc;

  explicit service_fixture(user_service_config svc_cfg) {
    auto s = persistence::user_store::open(dir / "users");
    BOOST_REQUIRE(s);
    store = std::make_shared<persistence::user_store>(std::move(*s));
    sys = std::make_unique<caf::actor_system>(cfg);
    svc = spawn_user_service(*sys, store, svc_cfg);
  }

  ~service_fixture() {
    caf::anon_send_exit(svc, caf::exit_reason::user_shutdown);
    sys->await_all_actors_done();
  }

  /// When the last error answer arrived.
  clock_type::time_point last_error_at;

  /// The next `n` answers to creates sent by `self`, in arrival order: the
  /// username of a created user, else the name of the error code.
  std::vector<std::string> receive(caf::scoped_actor& self, size_t n) {
    std::vector<std::string> out;
    bool timed_out = false;
    while (out.size() < n && !timed_out)
      self->receive(
          [&](user& u) { out.push_back(u.username); },
          [&](caf::error& err) {
            last_error_at = clock_type::now();
            out.push_back(err.category() == caf::atom("microshop")
                              ? actors::to_string(static_cast<errc>(err.code()))
                              : sys->render(err));
          },
          caf::after(std::chrono::seconds(30)) >> [&] { timed_out = true; });
    return out;
  }

  /// Whether the username of `x` is still free in the store.
  bool not_stored(const new_user& x) {
    return !store->check_unique(x.username, x.email);
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(hash_queue_logic)

BOOST_AUTO_TEST_CASE(refuses_a_job_past_its_capacity_and_serves_oldest_first) {
  hash_queue<std::string> q{2, std::chrono::seconds(4)};
  auto t0 = clock_type::now();
  std::vector<std::string> dropped;
  auto drop = [&](std::string& s) { dropped.push_back(s); };
  std::string a = "a", b = "b", c = "c";
  BOOST_CHECK(q.push(a, t0, drop));
  BOOST_CHECK(q.push(b, t0, drop));
  BOOST_CHECK(!q.push(c, t0, drop));
  BOOST_CHECK_EQUAL(c, "c"); // a refused job is left to its caller
  BOOST_CHECK_EQUAL(q.size(), 2u);
  BOOST_CHECK_EQUAL(q.pop(t0, drop).value_or(""), "a");
  BOOST_CHECK_EQUAL(q.pop(t0, drop).value_or(""), "b");
  BOOST_CHECK(!q.pop(t0, drop));
  BOOST_CHECK(dropped.empty());
}

BOOST_AUTO_TEST_CASE(a_job_that_waited_past_the_bound_is_dropped_not_served) {
  hash_queue<std::string> q{4, std::chrono::milliseconds(100)};
  auto t0 = clock_type::now();
  std::vector<std::string> dropped;
  auto drop = [&](std::string& s) { dropped.push_back(s); };
  std::string a = "a", b = "b";
  BOOST_REQUIRE(q.push(a, t0, drop));
  BOOST_REQUIRE(q.push(b, t0 + 50ms, drop));
  BOOST_CHECK_EQUAL(q.pop(t0 + 120ms, drop).value_or(""), "b");
  BOOST_CHECK(dropped == std::vector<std::string>{"a"});
}

BOOST_AUTO_TEST_CASE(stale_jobs_free_their_slots_when_a_new_job_arrives) {
  hash_queue<std::string> q{1, std::chrono::milliseconds(100)};
  auto t0 = clock_type::now();
  std::vector<std::string> dropped;
  auto drop = [&](std::string& s) { dropped.push_back(s); };
  std::string a = "a", b = "b";
  BOOST_REQUIRE(q.push(a, t0, drop));
  BOOST_CHECK(q.push(b, t0 + 101ms, drop));
  BOOST_CHECK(dropped == std::vector<std::string>{"a"});
  BOOST_CHECK_EQUAL(q.pop(t0 + 101ms, drop).value_or(""), "b");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(id_watermark_logic)

BOOST_AUTO_TEST_CASE(the_watermark_is_the_smallest_id_in_flight_as_ids_settle) {
  pending_ids ids;
  auto a = ids.assign();
  auto b = ids.assign();
  auto c = ids.assign();
  BOOST_REQUIRE(a < b && b < c);
  BOOST_CHECK_EQUAL(ids.watermark().id, a);
  BOOST_CHECK(ids.watermark().in_flight);
  ids.settle(b); // committed out of order: the watermark stays at a
  BOOST_CHECK_EQUAL(ids.watermark().id, a);
  ids.settle(a); // abandoned
  BOOST_CHECK_EQUAL(ids.watermark().id, c);
  ids.settle(c);
  auto w = ids.watermark();
  BOOST_CHECK(!w.in_flight);
  BOOST_CHECK(w.id > c);            // every id assigned so far is below it
  BOOST_CHECK(ids.assign() > w.id); // and every later one above it
}

BOOST_AUTO_TEST_CASE(a_pending_id_is_in_flight_while_it_lives) {
  pending_ids ids;
  std::string id;
  {
    pending_id p{ids};
    id = p.id();
    BOOST_CHECK_EQUAL(ids.watermark().id, id);
  }
  BOOST_CHECK(!ids.watermark().in_flight);
  BOOST_CHECK(ids.watermark().id > id);
}

BOOST_AUTO_TEST_CASE(a_page_is_cut_below_the_watermark_and_says_more) {
  persistence::page_of<persistence::user_record> recs;
  for (int i = 0; i < 3; ++i)
    recs.items.push_back({new_id(), "u" + std::to_string(i), "e", "h", 0});
  auto below = page_below(recs, {recs.items[1].id, true});
  BOOST_REQUIRE_EQUAL(below.items.size(), 1u);
  BOOST_CHECK_EQUAL(below.items[0].id, recs.items[0].id);
  BOOST_CHECK(below.more);
  BOOST_CHECK_EQUAL(below.watermark, recs.items[1].id);
  // Cut before the first: an empty page that is not the end of the list.
  auto none = page_below(recs, {recs.items[0].id, true});
  BOOST_CHECK(none.items.empty());
  BOOST_CHECK(none.more);
  // Nothing in flight: the whole page, and `more` only as the store says.
  auto all = page_below(recs, {new_id(), false});
  BOOST_CHECK_EQUAL(all.items.size(), 3u);
  BOOST_CHECK(!all.more);
  // Something in flight beyond the page: more may follow.
  auto later = page_below(recs, {new_id(), true});
  BOOST_CHECK_EQUAL(later.items.size(), 3u);
  BOOST_CHECK(later.more);
}

BOOST_AUTO_TEST_CASE(a_poller_never_skips_a_user_committed_out_of_id_order) {
  testing::temp_dir dir;
  auto store = persistence::user_store::open(dir / "users");
  BOOST_REQUIRE(store);
  pending_ids ids;
  auto make = [](const std::string& id, const std::string& name) {
    return persistence::user_record{id, name, name + "@example.com", "h",
                                    id_time_ms(id)};
  };
  // Two workers take ids a < b; b commits first.
  auto a = ids.assign();
  auto b = ids.assign();
  BOOST_REQUIRE(!store->insert(make(b, "bob")));
  ids.settle(b);
  auto first = list_users(*store, {}, ids);
  BOOST_REQUIRE(first);
  BOOST_CHECK(first->items.empty()); // b waits for a
  BOOST_CHECK(first->more);
  BOOST_REQUIRE(!store->insert(make(a, "alice")));
  ids.settle(a);
  auto second = list_users(*store, {}, ids);
  BOOST_REQUIRE(second);
  BOOST_REQUIRE_EQUAL(second->items.size(), 2u);
  BOOST_CHECK_EQUAL(second->items[0].id, a);
  BOOST_CHECK_EQUAL(second->items[1].id, b);
  BOOST_CHECK(!second->more);
  // An abandoned id (a refused insert) releases the page too.
  auto c = ids.assign();
  auto d = ids.assign();
  BOOST_REQUIRE(!store->insert(make(d, "dave")));
  ids.settle(d);
  auto cut = list_users(*store, {b, 100}, ids);
  BOOST_REQUIRE(cut);
  BOOST_CHECK(cut->items.empty());
  ids.settle(c);
  auto after = list_users(*store, {b, 100}, ids);
  BOOST_REQUIRE(after);
  BOOST_REQUIRE_EQUAL(after->items.size(), 1u);
  BOOST_CHECK_EQUAL(after->items[0].id, d);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(user_admission)

// Each test sends its creates from one actor, so they reach the service in
// order, and reads the answers in the order the service gave them.

BOOST_AUTO_TEST_CASE(a_create_past_the_hash_queue_is_refused_at_once_unstored) {
  user_service_config cfg;
  cfg.cost = slow_cost();
  cfg.hash_workers = 1;
  cfg.hash_queue = 1;
  // Not the wait bound under test: a slow hash on a busy machine must not
  // make the waiting create stale.
  cfg.hash_max_wait = std::chrono::seconds(60);
  service_fixture f{cfg};
  caf::scoped_actor self{*f.sys};
  // One hashing, one waiting: the third is over the bound.
  for (auto name : {"hashing", "waiting", "refused"})
    self->send(f.svc, create_atom_v, fresh(name));
  auto answers = f.receive(self, 3);
  BOOST_REQUIRE_EQUAL(answers.size(), 3u);
  BOOST_CHECK_EQUAL(answers[0], "overloaded");
  BOOST_CHECK_EQUAL(answers[1], "hashing");
  BOOST_CHECK_EQUAL(answers[2], "waiting");
  BOOST_CHECK(f.not_stored(fresh("refused")));
}

BOOST_AUTO_TEST_CASE(a_create_that_waited_past_the_bound_is_refused_unhashed) {
  user_service_config cfg;
  cfg.cost = slow_cost();
  cfg.hash_workers = 1;
  cfg.hash_queue = 4;
  cfg.hash_max_wait = std::chrono::milliseconds(20);
  service_fixture f{cfg};
  caf::scoped_actor self{*f.sys};
  // The second waits a whole hash (well over 20 ms) and is dropped unhashed.
  self->send(f.svc, create_atom_v, fresh("first"));
  self->send(f.svc, create_atom_v, fresh("second"));
  auto answers = f.receive(self, 2);
  BOOST_REQUIRE_EQUAL(answers.size(), 2u);
  BOOST_CHECK_EQUAL(answers[0], "first");
  BOOST_CHECK_EQUAL(answers[1], "overloaded");
  BOOST_CHECK(f.not_stored(fresh("second")));
}

BOOST_AUTO_TEST_CASE(duplicates_get_their_409_without_waiting_for_a_hash_slot) {
  user_service_config cfg;
  cfg.cost = slow_cost();
  cfg.hash_workers = 1;
  cfg.hash_queue = 0; // no slot at all while the worker hashes
  service_fixture f{cfg};
  BOOST_REQUIRE(
      !f.store->insert({new_id(), "taken", "taken@example.com", "h", 0}));
  caf::scoped_actor self{*f.sys};
  constexpr int dups = 200;
  self->send(f.svc, create_atom_v, fresh("busy"));
  auto t0 = clock_type::now();
  for (int i = 0; i < dups; ++i) {
    auto n = std::to_string(i);
    self->send(f.svc, create_atom_v,
               i % 2 == 0
                   ? new_user{"TAKEN", "x" + n + "@example.com", "password1"}
                   : new_user{"dup" + n, "Taken@Example.com", "password1"});
  }
  self->send(f.svc, create_atom_v, fresh("late"));
  auto answers = f.receive(self, dups + 2);
  auto ms = std::chrono::duration_cast<std::chrono::microseconds>(
                f.last_error_at - t0)
                .count() /
            1000.0;
  BOOST_TEST_MESSAGE(dups << " duplicates and one refusal answered in " << ms
                          << " ms while one slow hash ran");
  BOOST_REQUIRE_EQUAL(answers.size(), size_t{dups + 2});
  for (int i = 0; i < dups; ++i)
    BOOST_CHECK_EQUAL(answers[i], "duplicate");
  BOOST_CHECK_EQUAL(answers[dups], "overloaded"); // the worker is busy
  BOOST_CHECK_EQUAL(answers[dups + 1], "busy");   // hashed all along
  BOOST_CHECK(f.not_stored(fresh("late")));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sodium_setup)

// Run alone in a fresh process by the case below; harmless in a full run.
BOOST_AUTO_TEST_CASE(making_an_id_first_initialises_libsodium) {
  new_id();
  BOOST_CHECK_EQUAL(sodium_init(), 1); // 1: already initialised
}

BOOST_AUTO_TEST_CASE(a_process_that_only_makes_ids_has_initialised_libsodium) {
  testing::temp_dir dir;
  testing::child_process child{
      std::filesystem::canonical("/proc/self/exe"),
      {"--run_test=sodium_setup/making_an_id_first_initialises_libsodium"},
      dir / "child.log"};
  BOOST_CHECK_EQUAL(child.wait(30s), 0);
}

BOOST_AUTO_TEST_SUITE_END()
