// Losing the link to another user node answers the claims waiting on it at
// once (CAF 0.17 never fails a request to a peer that died).

#include "user_nodes.hpp"

#include <boost/test/unit_test.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>

using namespace microshop;
using namespace microshop::actors;
using namespace microshop::testing;
using namespace std::chrono_literals;
using actors::errc;
using persistence::unique_key;

namespace {

/// A user node that accepts hellos and holds every claim unanswered (a node
/// that hangs); everything else is unsupported.
struct silent_state {
  std::vector<caf::typed_response_promise<bool>> held;
};

/// Answers the hello as `name` (a spawn argument also keeps CAF 0.17 from
/// binding a reference to its null argument tuple, which UBSan reports).
user_actor::behavior_type
silent_peer(user_actor::stateful_pointer<silent_state> self, std::string name) {
  auto no = [] { return caf::make_error(caf::sec::invalid_argument); };
  return {
      [=](hello_atom, const hello& h) -> caf::result<std::string> {
        if (h.expected_node != name)
          return caf::make_error(errc::misconfigured, "not " + name);
        return name;
      },
      [=](links_atom) -> caf::result<std::vector<link_state>> {
        return std::vector<link_state>{};
      },
      [=](claim_atom, const unique_claim&) -> caf::result<bool> {
        self->state.held.push_back(self->make_response_promise<bool>());
        return self->state.held.back();
      },
      [=](release_atom, const unique_claim&) -> caf::result<bool> {
        return no();
      },
      [=](lookup_atom, const std::string&) -> caf::result<id_state> {
        return no();
      },
      [=](create_atom, const new_user&) -> caf::result<user> { return no(); },
      [=](create_atom, const new_user&,
          const std::string&) -> caf::result<user_result> { return no(); },
      [=](get_atom, const std::string&) -> caf::result<user> { return no(); },
      [=](list_atom, const page&) -> caf::result<user_page> { return no(); },
      [=](verify_atom, const std::string&) -> caf::result<bool> {
        return no();
      },
      [=](get_atom, const std::vector<id_query>&)
          -> caf::result<std::vector<user_result>> { return no(); },
      [=](verify_atom, const std::vector<id_query>&)
          -> caf::result<std::vector<bool>> { return no(); },
      [=](metrics_atom) -> caf::result<metric_samples> { return no(); },
  };
}

} // namespace

BOOST_AUTO_TEST_SUITE(sharded_user_links)

BOOST_AUTO_TEST_CASE(
    losing_a_user_node_fails_the_claims_waiting_on_it_at_once) {
  auto map = shard_map::even(16, 2, 1);
  temp_dir dir;
  user_node_config fake_cfg;
  caf::actor_system fake_sys{fake_cfg};
  auto fake = fake_sys.spawn(silent_peer, std::string{"users-2"});
  auto fake_port = fake_sys.middleman().publish(fake, 0, "127.0.0.1", true);
  BOOST_REQUIRE(fake_port);
  user_node real;
  auto store = persistence::user_store::open(dir / "users-1");
  BOOST_REQUIRE(store);
  real.store = std::make_shared<persistence::user_store>(std::move(*store));
  auto cfg = fast_config();
  cfg.map = map;
  cfg.node_name = "users-1";
  cfg.peers = {{"users-2", "127.0.0.1", *fake_port}};
  cfg.peer_timeout = 20s;
  real.svc = spawn_user_service(real.sys, real.store, cfg);
  std::string name;
  for (int k = 0; name.empty(); ++k)
    if (entry_node(
            map, {unique_field::username, "hang" + std::to_string(k), {}}) == 1)
      name = "hang" + std::to_string(k);
  caf::scoped_actor self{real.sys};
  // Until the link is up the claim fails at once; then it hangs.
  BOOST_REQUIRE(wait_until(
      [&] {
        self->send(real.svc, create_atom_v,
                   new_user{name, name + "@example.com", "password1"});
        bool hung = false;
        self->receive([](user&) {}, [](caf::error&) {},
                      caf::after(300ms) >> [&] { hung = true; });
        return hung;
      },
      10000ms));
  auto t0 = std::chrono::steady_clock::now();
  caf::anon_send_exit(fake, caf::exit_reason::kill);
  caf::error answer;
  self->receive([](user&) { BOOST_FAIL("created without its claim"); },
                [&](caf::error& err) { answer = std::move(err); },
                caf::after(30s) >> [] { BOOST_FAIL("no answer"); });
  auto took = std::chrono::steady_clock::now() - t0;
  BOOST_CHECK(is(answer, errc::unavailable));
  BOOST_CHECK_EQUAL(error_text(answer), "User service unavailable");
  BOOST_CHECK_MESSAGE(took < 5s, "answered only after the peer timeout");
  // The email claim (on this node) was released.
  BOOST_CHECK_EQUAL(
      *real.store->entry_owner(unique_key::email, name + "@example.com"), "");
}

BOOST_AUTO_TEST_SUITE_END()
