// Several user services in one process talking over BASP on loopback
// ports: concurrent creates of one name across nodes, dangling entries,
// lookups of ids in flight.

#include "user_nodes.hpp"

#include <boost/test/unit_test.hpp>
#include <caf/scoped_actor.hpp>
#include <map>

using namespace microshop;
using namespace microshop::actors;
using namespace microshop::testing;
using namespace std::chrono_literals;
using actors::errc;
using persistence::unique_key;

namespace {

/// Sends `xs[k]` to node `k % n` all at once and collects the answers: the
/// number of users created and the names of the error codes.
std::pair<std::vector<user>, std::map<std::string, int>>
create_everywhere(user_nodes& un, const std::vector<new_user>& xs) {
  std::vector<std::unique_ptr<caf::scoped_actor>> selves;
  for (auto& n : un.nodes)
    selves.push_back(std::make_unique<caf::scoped_actor>(n->sys));
  auto n = un.nodes.size();
  for (size_t k = 0; k < xs.size(); ++k)
    (*selves[k % n])->send(un.nodes[k % n]->svc, create_atom_v, xs[k]);
  std::vector<user> created;
  std::map<std::string, int> errors;
  for (size_t k = 0; k < xs.size(); ++k)
    (*selves[k % n])
        ->receive([&](user& u) { created.push_back(std::move(u)); },
                  [&](caf::error& err) {
                    ++errors[err.category() == caf::atom("microshop")
                                 ? to_string(static_cast<errc>(err.code()))
                                 : caf::to_string(err)];
                  },
                  caf::after(30s) >> [&] { ++errors["no answer"]; });
  return {std::move(created), std::move(errors)};
}

} // namespace

BOOST_AUTO_TEST_SUITE(sharded_user_services)

BOOST_AUTO_TEST_CASE(of_concurrent_identical_creates_on_three_nodes_one_wins) {
  // A double-submitted form, many times over: the same username and email
  // (differing in case) from every node at once. Whatever the entries'
  // nodes, one create must win both, never each a different one.
  user_nodes un{3, fast_config()};
  un.wait_connected();
  for (int round = 0; round < 8; ++round) {
    auto name = "twin" + std::to_string(round);
    std::vector<new_user> xs;
    for (int k = 0; k < 24; ++k)
      xs.push_back(
          {k % 2 ? name : "TWIN" + std::to_string(round),
           k % 3 ? name + "@x.io" : "Twin" + std::to_string(round) + "@X.io",
           "password1"});
    auto [created, errors] = create_everywhere(un, xs);
    BOOST_REQUIRE_EQUAL(created.size(), 1u);
    BOOST_CHECK_EQUAL(errors["duplicate"], 23);
  }
}

BOOST_AUTO_TEST_CASE(
    of_concurrent_creates_of_one_username_on_three_nodes_one_wins) {
  user_nodes un{3, fast_config()};
  un.wait_connected();
  std::vector<new_user> xs;
  for (int k = 0; k < 48; ++k)
    xs.push_back({k % 2 ? "Zed" : "zED", "zed" + std::to_string(k) + "@x.io",
                  "password1"});
  auto [created, errors] = create_everywhere(un, xs);
  BOOST_REQUIRE_EQUAL(created.size(), 1u);
  BOOST_CHECK_EQUAL(errors["duplicate"], 47);
  auto& winner = created[0];
  BOOST_CHECK_EQUAL(un.entry_owner(unique_field::username, "zed"), winner.id);
  // The winner lives on the node of its id's shard, and nowhere else.
  auto home = node_of_id(un.map, service::users, winner.id);
  for (size_t i = 0; i < 3; ++i)
    BOOST_CHECK_EQUAL(*un.nodes[i]->store->contains(winner.id), i == home);
  // Every loser's email is released (after its answer: a release is best
  // effort and not waited for).
  for (int k = 0; k < 48; ++k) {
    auto email = "zed" + std::to_string(k) + "@x.io";
    if (email != winner.email)
      BOOST_CHECK_MESSAGE(
          wait_until(
              [&] { return un.entry_owner(unique_field::email, email) == ""; },
              5000ms),
          email << " still claimed");
  }
}

BOOST_AUTO_TEST_CASE(
    of_concurrent_creates_of_one_email_on_three_nodes_one_wins) {
  user_nodes un{3, fast_config()};
  un.wait_connected();
  std::vector<new_user> xs;
  for (int k = 0; k < 48; ++k)
    xs.push_back({"amy" + std::to_string(k),
                  k % 2 ? "Amy@Example.com" : "amy@example.COM", "password1"});
  auto [created, errors] = create_everywhere(un, xs);
  BOOST_REQUIRE_EQUAL(created.size(), 1u);
  BOOST_CHECK_EQUAL(errors["duplicate"], 47);
  BOOST_CHECK_EQUAL(un.entry_owner(unique_field::email, "amy@example.com"),
                    created[0].id);
}

BOOST_AUTO_TEST_CASE(
    a_dangling_entry_is_taken_over_and_a_committed_one_is_not) {
  user_nodes un{3, fast_config()};
  un.wait_connected();
  // Entries on node 0 whose owners live on node 1: one never committed (its
  // node crashed after the claim), one committed.
  auto ghost = un.name_on(0, "ghost");
  auto held = un.name_on(0, "held");
  auto dangling = new_id(un.map.shards_of(service::users, 1)[0]);
  auto committed = new_id(un.map.shards_of(service::users, 1)[1]);
  BOOST_REQUIRE(
      un.nodes[0]->store->claim_entry(unique_key::username, ghost, dangling));
  BOOST_REQUIRE(
      un.nodes[0]->store->claim_entry(unique_key::username, held, committed));
  BOOST_REQUIRE(!un.nodes[1]->store->put_record(
      {committed, held, held + "@example.com", "h", id_time_ms(committed)}));
  // Created on node 2: node 0 asks node 1 about each owner.
  auto u = un.create(2, {ghost, ghost + "@example.com", "password1"});
  BOOST_REQUIRE_MESSAGE(u, (u ? "" : caf::to_string(u.error())));
  BOOST_CHECK_EQUAL(un.entry_owner(unique_field::username, ghost), u->id);
  auto refused = un.create(2, {held, "other@example.com", "password1"});
  BOOST_REQUIRE(!refused);
  BOOST_CHECK(is(refused.error(), errc::duplicate));
  BOOST_CHECK_EQUAL(error_text(refused.error()), "username already taken");
  BOOST_CHECK_EQUAL(un.entry_owner(unique_field::username, held), committed);
  BOOST_CHECK(wait_until(
      [&] {
        return un.entry_owner(unique_field::email, "other@example.com") == "";
      },
      5000ms));
}

BOOST_AUTO_TEST_CASE(
    a_lookup_says_in_flight_while_a_create_hashes_then_committed) {
  auto cfg = fast_config();
  cfg.cost = {3, size_t{64} << 20}; // a hash well over 50 ms
  user_nodes un{2, cfg};
  un.wait_connected();
  auto name = un.name_on(1, "slow");
  caf::scoped_actor self{un.nodes[0]->sys};
  self->send(un.nodes[0]->svc, create_atom_v,
             new_user{name, name + "@example.com", "password1"});
  std::string id;
  BOOST_REQUIRE(wait_until(
      [&] {
        return !(id = un.entry_owner(unique_field::username, name)).empty();
      },
      10000ms));
  BOOST_CHECK_EQUAL(node_of_id(un.map, service::users, id), 0u);
  auto during = un.lookup(0, id);
  BOOST_REQUIRE(during);
  BOOST_CHECK(*during == id_state::in_flight);
  self->receive([&](user& u) { BOOST_CHECK_EQUAL(u.id, id); },
                [&](caf::error& err) { BOOST_FAIL(caf::to_string(err)); },
                caf::after(30s) >> [] { BOOST_FAIL("no answer"); });
  BOOST_CHECK(*un.lookup(0, id) == id_state::committed);
  BOOST_CHECK(*un.lookup(0, new_id(un.map.shards_of(service::users, 0)[0])) ==
              id_state::absent);
  auto elsewhere = un.lookup(1, id);
  BOOST_REQUIRE(!elsewhere);
  BOOST_CHECK(is(elsewhere.error(), errc::misconfigured));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sharded_user_peers)

BOOST_AUTO_TEST_CASE(
    a_peer_can_neither_point_an_entry_at_a_stored_user_nor_release_its_entry) {
  user_nodes un{3, fast_config()};
  un.wait_connected();
  // A stored user on node 1 whose username entry lives on node 0.
  auto name = un.name_on(0, "kept");
  auto owner = new_id(un.map.shards_of(service::users, 1)[0]);
  BOOST_REQUIRE(
      un.nodes[0]->store->claim_entry(unique_key::username, name, owner));
  BOOST_REQUIRE(!un.nodes[1]->store->put_record(
      {owner, name, name + "@example.com", "h", id_time_ms(owner)}));
  caf::scoped_actor self{un.nodes[2]->sys};
  auto ask = [&](auto atom, const unique_claim& c) {
    caf::expected<bool> out{caf::error{}};
    self->request(un.nodes[0]->svc, 10s, atom, c)
        .receive([&](bool x) { out = x; },
                 [&](caf::error& err) { out = std::move(err); });
    return out;
  };
  // Releasing the stored user's entry is refused: the name stays taken.
  auto released =
      ask(release_atom_v, unique_claim{unique_field::username, name, owner});
  BOOST_REQUIRE(released);
  BOOST_CHECK(!*released);
  BOOST_CHECK_EQUAL(un.entry_owner(unique_field::username, name), owner);
  // Pointing a free name at the stored user (blocking it) is refused.
  auto free_name = un.name_on(0, "free");
  auto claimed =
      ask(claim_atom_v, unique_claim{unique_field::username, free_name, owner});
  BOOST_CHECK(!claimed && is(claimed.error(), errc::invalid));
  auto u = un.create(2, {free_name, free_name + "@example.com", "password1"});
  BOOST_CHECK_MESSAGE(u, (u ? "" : caf::to_string(u.error())));
}

BOOST_AUTO_TEST_SUITE_END()
