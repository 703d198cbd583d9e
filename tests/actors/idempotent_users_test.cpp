// The user service with Idempotency-Keys: the real service (front, hash
// workers on threads of their own) over a real store in a temp dir.

#include "actors/errc.hpp"
#include "actors/idempotency.hpp"
#include "actors/ids.hpp"
#include "actors/password.hpp"
#include "actors/uniqueness.hpp"
#include "actors/user_service.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

using namespace microshop;
using namespace microshop::actors;
using namespace std::chrono_literals;
using actors::errc;

namespace {

/// The user service over a store in a temp dir, in an actor system of its
/// own, with the cheapest Argon2 cost unless told otherwise.
struct keyed_users {
  testing::temp_dir dir;
  std::shared_ptr<persistence::user_store> store;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  user_actor svc;

  explicit keyed_users(user_service_config svc_cfg = minimum()) {
    auto s = persistence::user_store::open(dir / "users");
    BOOST_REQUIRE(s);
    store = std::make_shared<persistence::user_store>(std::move(*s));
    sys = std::make_unique<caf::actor_system>(cfg);
    svc = spawn_user_service(*sys, store, svc_cfg);
  }

  ~keyed_users() {
    caf::anon_send_exit(svc, caf::exit_reason::user_shutdown);
    sys->await_all_actors_done();
  }

  static user_service_config minimum() {
    user_service_config c;
    c.cost = pwhash_cost::minimum();
    return c;
  }

  /// The answer to a create of `x` with `key`.
  user_result create(const new_user& x, const std::string& key) {
    caf::scoped_actor self{*sys};
    user_result out;
    out.err = caf::make_error(caf::sec::request_timeout);
    self->request(svc, 30s, create_atom_v, x, key)
        .receive([&](user_result& r) { out = std::move(r); },
                 [&](caf::error& err) {
                   BOOST_ERROR("create failed: " << sys->render(err));
                 });
    return out;
  }

  size_t users_stored() {
    auto all = store->list({"", 1000});
    BOOST_REQUIRE(all);
    return all->items.size();
  }

  bool key_stored(const std::string& key) {
    auto got = store->get_key(key);
    BOOST_REQUIRE(got);
    return got->has_value();
  }
};

new_user amy(std::string password = "password-amy") {
  return {"amy", "amy@example.com", std::move(password)};
}

/// Whether `r` is the error `code`, saying what it is otherwise.
boost::test_tools::predicate_result is_error(const user_result& r, errc code) {
  if (is(r.err, code))
    return true;
  boost::test_tools::predicate_result res{false};
  if (!r.err)
    res.message() << "user " << r.value.id << " instead of " << to_string(code);
  else
    res.message() << to_string(r.err) << " instead of " << to_string(code);
  return res;
}

} // namespace

BOOST_AUTO_TEST_SUITE(keyed_users_service)

BOOST_AUTO_TEST_CASE(a_retry_with_the_same_password_gets_the_same_user) {
  keyed_users f;
  auto first = f.create(amy(), "k1");
  BOOST_REQUIRE_MESSAGE(!first.err, to_string(first.err));
  BOOST_CHECK(!first.replayed);
  BOOST_CHECK_EQUAL(first.value.username, "amy");
  auto rec = f.store->get_key("k1");
  BOOST_REQUIRE(rec && *rec);
  BOOST_CHECK_EQUAL((*rec)->code, 0);
  BOOST_CHECK_EQUAL((*rec)->text, first.value.id);
  BOOST_CHECK((*rec)->fingerprint == fingerprint(amy()));
  auto again = f.create(amy(), "k1");
  BOOST_REQUIRE_MESSAGE(!again.err, to_string(again.err));
  BOOST_CHECK(again.replayed);
  BOOST_CHECK_EQUAL(again.value.id, first.value.id);
  BOOST_CHECK_EQUAL(again.value.email, "amy@example.com");
  BOOST_CHECK_EQUAL(again.value.created_ms, first.value.created_ms);
  BOOST_CHECK_EQUAL(f.users_stored(), 1u);
}

BOOST_AUTO_TEST_CASE(a_replay_never_tells_whether_a_password_is_right) {
  keyed_users f;
  auto first = f.create(amy(), "k1");
  BOOST_REQUIRE(!first.err);
  // Another password that keeps the rule has the same fingerprint and gets
  // the same replay as the right one: the key is no password oracle.
  auto other = f.create(amy("another-password"), "k1");
  BOOST_REQUIRE(!other.err);
  BOOST_CHECK(other.replayed);
  BOOST_CHECK_EQUAL(other.value.id, first.value.id);
  auto right = f.create(amy(), "k1");
  BOOST_REQUIRE(!right.err);
  BOOST_CHECK(right.replayed);
  BOOST_CHECK_EQUAL(right.value.id, first.value.id);
  // One that breaks the rule differs by fingerprint, as do the others.
  BOOST_CHECK(is_error(f.create(amy("short"), "k1"), errc::key_reused));
  BOOST_CHECK(
      is_error(f.create({"amy2", "amy@example.com", "password-amy"}, "k1"),
               errc::key_reused));
  BOOST_CHECK_EQUAL(f.users_stored(), 1u);
  // The stored hash is still the first request's.
  auto rec = f.store->get(first.value.id);
  BOOST_REQUIRE(rec);
  BOOST_CHECK(verify_password(rec->password_hash, "password-amy"));
  BOOST_CHECK(!verify_password(rec->password_hash, "another-password"));
}

BOOST_AUTO_TEST_CASE(a_taken_username_is_stored_and_replayed_as_409) {
  keyed_users f;
  BOOST_REQUIRE(
      !f.store->insert({new_id(), "amy", "first-amy@example.com", "h", 0}));
  auto first = f.create(amy(), "k-dup");
  BOOST_REQUIRE(is_error(first, errc::duplicate));
  BOOST_CHECK(!first.replayed);
  auto text = error_text(first.err);
  BOOST_CHECK(text.find("username") != std::string::npos);
  BOOST_CHECK(f.key_stored("k-dup"));
  auto again = f.create(amy(), "k-dup");
  BOOST_CHECK(is_error(again, errc::duplicate));
  BOOST_CHECK(again.replayed);
  BOOST_CHECK_EQUAL(error_text(again.err), text);
  // A stored refusal is replayed whatever the (valid) password.
  auto other = f.create(amy("another-password"), "k-dup");
  BOOST_CHECK(is_error(other, errc::duplicate));
  BOOST_CHECK(other.replayed);
  BOOST_CHECK_EQUAL(f.users_stored(), 1u);
  // Other keys make other users meanwhile; this key keeps its refusal.
  BOOST_CHECK(
      !f.create({"amy-2", "amy@example.com", "password-amy"}, "k-new").err);
  BOOST_CHECK(f.create(amy(), "k-dup").replayed);
  BOOST_CHECK_EQUAL(f.users_stored(), 2u);
}

BOOST_AUTO_TEST_CASE(a_create_against_a_rule_is_stored_and_replayed_as_400) {
  keyed_users f;
  new_user bad{"amy", "not-an-email", "password-amy"};
  auto first = f.create(bad, "k-bad");
  BOOST_REQUIRE(is_error(first, errc::invalid));
  BOOST_CHECK(!first.replayed);
  BOOST_CHECK(f.key_stored("k-bad"));
  auto again = f.create(bad, "k-bad");
  BOOST_CHECK(is_error(again, errc::invalid));
  BOOST_CHECK(again.replayed);
  BOOST_CHECK_EQUAL(error_text(again.err), error_text(first.err));
  // The corrected request is another request under that key.
  BOOST_CHECK(is_error(f.create(amy(), "k-bad"), errc::key_reused));
  BOOST_CHECK_EQUAL(f.users_stored(), 0u);
  // A key that breaks its own rule is refused, and nothing is stored.
  auto long_key = f.create(amy(), std::string(256, 'k'));
  BOOST_CHECK(is_error(long_key, errc::invalid));
  BOOST_CHECK_EQUAL(error_text(long_key.err),
                    "Idempotency-Key must be 1-255 printable ASCII characters");
  BOOST_CHECK_EQUAL(f.users_stored(), 0u);
}

BOOST_AUTO_TEST_CASE(a_key_of_another_user_node_is_refused_as_misconfigured) {
  auto cfg = keyed_users::minimum();
  cfg.map = shard_map::even(default_shards, 2, 1);
  cfg.node_name = "users-1";
  keyed_users f{cfg};
  std::string theirs;
  for (int i = 0; theirs.empty(); ++i)
    if (key_node(cfg.map, "k" + std::to_string(i)) == 1)
      theirs = "k" + std::to_string(i);
  auto r = f.create(amy(), theirs);
  BOOST_CHECK(is_error(r, errc::misconfigured));
  BOOST_CHECK(!f.key_stored(theirs));
  BOOST_CHECK_EQUAL(f.users_stored(), 0u);
}

BOOST_AUTO_TEST_CASE(an_unreachable_entry_node_is_not_stored_and_a_retry_runs) {
  // Two user nodes, the second never reachable (no address): a username
  // whose entry it owns cannot be claimed.
  auto cfg = keyed_users::minimum();
  cfg.map = shard_map::even(default_shards, 2, 1);
  cfg.node_name = "users-1";
  cfg.peer_timeout = 500ms;
  keyed_users f{cfg};
  std::string key, name;
  for (int i = 0; key.empty(); ++i)
    if (key_node(cfg.map, "k" + std::to_string(i)) == 0)
      key = "k" + std::to_string(i);
  for (int i = 0; name.empty(); ++i) {
    auto n = "far" + std::to_string(i);
    if (entry_node(cfg.map, claims_of({n, n + "@x.io", ""}, "id")[0]) == 1)
      name = n;
  }
  new_user x{name, name + "@example.com", "password-far"};
  auto first = f.create(x, key);
  BOOST_CHECK(is_error(first, errc::unavailable));
  BOOST_CHECK(!first.replayed);
  BOOST_CHECK(!f.key_stored(key));
  // Not left in progress either: the retry runs again.
  auto again = f.create(x, key);
  BOOST_CHECK(is_error(again, errc::unavailable));
  BOOST_CHECK(!again.replayed);
  BOOST_CHECK(!f.key_stored(key));
  BOOST_CHECK_EQUAL(f.users_stored(), 0u);
}

BOOST_AUTO_TEST_CASE(of_two_concurrent_creates_with_one_key_one_user_is_made) {
  keyed_users f;
  caf::scoped_actor self{*f.sys};
  self->send(f.svc, create_atom_v, amy(), std::string{"k"});
  self->send(f.svc, create_atom_v, amy(), std::string{"k"});
  std::vector<user_result> rs;
  bool timed_out = false;
  while (rs.size() < 2 && !timed_out)
    self->receive([&](user_result& r) { rs.push_back(std::move(r)); },
                  caf::after(30s) >> [&] { timed_out = true; });
  BOOST_REQUIRE_EQUAL(rs.size(), 2u);
  size_t created = 0, in_progress = 0, replayed = 0;
  std::string id;
  for (auto& r : rs) {
    if (!r.err && !r.replayed) {
      ++created;
      id = r.value.id;
    } else if (is(r.err, errc::key_in_progress)) {
      ++in_progress;
    } else if (!r.err && r.replayed) {
      ++replayed;
    } else {
      BOOST_ERROR("unexpected answer " << to_string(r.err));
    }
  }
  BOOST_TEST_MESSAGE(created << " created, " << in_progress << " in progress, "
                             << replayed << " replayed");
  BOOST_CHECK_EQUAL(created, 1u);
  BOOST_CHECK_EQUAL(in_progress + replayed, 1u);
  for (auto& r : rs)
    if (!r.err)
      BOOST_CHECK_EQUAL(r.value.id, id);
  BOOST_CHECK_EQUAL(f.users_stored(), 1u);
  auto after = f.create(amy(), "k");
  BOOST_CHECK(after.replayed);
  BOOST_CHECK_EQUAL(after.value.id, id);
}

BOOST_AUTO_TEST_CASE(an_overloaded_refusal_is_not_stored_and_a_retry_creates) {
  auto cfg = keyed_users::minimum();
  cfg.cost = {3, size_t{64} << 20}; // slow enough to keep the worker busy
  cfg.hash_workers = 1;
  cfg.hash_queue = 0;
  keyed_users f{cfg};
  caf::scoped_actor self{*f.sys};
  self->send(f.svc, create_atom_v,
             new_user{"busy", "busy@example.com", "password-busy"});
  auto refused = f.create(amy(), "k");
  BOOST_CHECK(is_error(refused, errc::overloaded));
  BOOST_CHECK(!f.key_stored("k"));
  // The busy create ends; then the retry runs as a first request.
  self->receive([](user&) {},
                [](caf::error& err) { BOOST_ERROR(to_string(err)); },
                caf::after(30s) >> [] { BOOST_ERROR("busy never ended"); });
  auto retry = f.create(amy(), "k");
  BOOST_REQUIRE_MESSAGE(!retry.err, to_string(retry.err));
  BOOST_CHECK(!retry.replayed);
  BOOST_CHECK(f.key_stored("k"));
  BOOST_CHECK_EQUAL(f.users_stored(), 2u);
}

BOOST_AUTO_TEST_SUITE_END()
