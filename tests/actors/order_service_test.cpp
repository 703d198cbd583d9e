// The order service in-process, under CAF's deterministic test scheduler:
// a fake user service of the same typed handle, a real order store in a temp
// dir, and time that moves only when a test advances it.

#include "actors/errc.hpp"
#include "actors/ids.hpp"
#include "actors/order_api.hpp"
#include "actors/order_service.hpp"
#include "actors/type_ids.hpp"
#include "actors/user_api.hpp"
#include "fake_users.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using namespace microshop;
using namespace microshop::actors;
using microshop::actors::errc;
using microshop::testing::temp_dir;
using namespace microshop::actors::fakes;

namespace {

/// Why `x` holds no value; empty when it does.
template <class T> std::string why(const caf::expected<T>& x) {
  return x ? std::string{} : caf::to_string(x.error());
}

/// A pending answer: empty until the service answered.
template <class T>
using answer = std::shared_ptr<std::optional<caf::expected<T>>>;

struct order_service_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{testing_config(cfg)};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  temp_dir dir;
  fake_ptr fake = std::make_shared<fake_users_state>();
  fake_users_actor fake_actor = sys.spawn(fake_users, fake);
  user_actor users = caf::actor_cast<user_actor>(fake_actor);
  order_service_config svc_cfg;
  order_actor orders;
  std::vector<caf::actor> clients;

  order_service_fixture() {
    auto store = persistence::order_store::open(dir / "orders");
    BOOST_REQUIRE_MESSAGE(store, (store ? "" : store.error().detail));
    svc_cfg.fixed_users = {users};
    svc_cfg.verify_timeout = 2s;
    orders = spawn_order_service(
        sys, std::make_shared<persistence::order_store>(std::move(*store)),
        svc_cfg, order_home::scheduler);
    sched.run();
  }

  ~order_service_fixture() {
    for (auto& c : clients)
      caf::anon_send_exit(c, caf::exit_reason::kill);
    caf::anon_send_exit(orders, caf::exit_reason::kill);
    caf::anon_send_exit(users, caf::exit_reason::kill);
    sched.run();
  }

  /// Sends `xs` to the order service from a client actor of its own; the
  /// answer shows up once the scheduler ran the actors involved.
  template <class T, class... Ts> answer<T> ask(Ts... xs) {
    auto out = std::make_shared<std::optional<caf::expected<T>>>();
    // The service goes in as an argument: CAF 0.17's spawn of a function
    // without arguments binds a reference to a null tuple (UBSan).
    clients.push_back(sys.spawn(
        [=](caf::event_based_actor* self, const order_actor& service) {
          self->request(service, caf::infinite, xs...)
              .then([=](T& x) { *out = std::move(x); },
                    [=](caf::error& err) { *out = caf::expected<T>{err}; });
        },
        orders));
    return out;
  }

  /// Every stored order, oldest first.
  std::vector<order> stored() {
    auto page = ask<order_page>(list_atom_v, order_query{});
    sched.run();
    BOOST_REQUIRE(page->has_value());
    BOOST_REQUIRE_MESSAGE(**page, why(**page));
    return (**page)->items;
  }

  std::string known_user() {
    auto id = new_id();
    fake->known.insert(id);
    return id;
  }
};

new_order order_of(const std::string& user_id, int64_t quantity = 1) {
  return {user_id, {{"sku-1", quantity, 1999}}};
}

/// Whether `x` is the error `code`; prints what it is otherwise.
template <class T>
boost::test_tools::predicate_result is_error(const answer<T>& x, errc code) {
  if (!x->has_value()) {
    boost::test_tools::predicate_result res{false};
    res.message() << "no answer yet";
    return res;
  }
  if (**x) {
    boost::test_tools::predicate_result res{false};
    res.message() << "a value instead of " << actors::to_string(code);
    return res;
  }
  if (!actors::is((*x)->error(), code)) {
    boost::test_tools::predicate_result res{false};
    res.message() << "error " << to_string((*x)->error()) << " instead of "
                  << actors::to_string(code);
    return res;
  }
  return true;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(order_service_actor, order_service_fixture)

BOOST_AUTO_TEST_CASE(stores_an_order_once_the_user_service_confirms_its_user) {
  auto uid = known_user();
  auto res = ask<order>(create_atom_v, order_of(uid, 3));
  sched.run();
  BOOST_REQUIRE(res->has_value());
  BOOST_REQUIRE_MESSAGE(**res, why(**res));
  BOOST_CHECK_EQUAL((**res)->user_id, uid);
  BOOST_CHECK_EQUAL((**res)->total_cents, 3u * 1999u);
  BOOST_REQUIRE_EQUAL(fake->verifies.size(), 1u);
  auto all = stored();
  BOOST_REQUIRE_EQUAL(all.size(), 1u);
  BOOST_CHECK_EQUAL(all[0].id, (**res)->id);
}

BOOST_AUTO_TEST_CASE(
    answers_unavailable_after_the_verify_timeout_and_stores_nothing_even_when_the_user_arrives_late) {
  auto uid = known_user();
  fake->silent = true;
  auto res = ask<order>(create_atom_v, order_of(uid));
  sched.run();
  BOOST_REQUIRE_EQUAL(fake->held.size(), 1u);
  sched.advance_time(svc_cfg.verify_timeout - 1ms);
  sched.run();
  BOOST_CHECK_MESSAGE(!res->has_value(), "answered before the timeout");
  // The timeout is checked on the front's 100 ms tick (no CAF timer per
  // verify): the answer comes at the first tick after it.
  for (int i = 0; i < 2 && !res->has_value(); ++i) {
    sched.advance_time(100ms);
    sched.run();
  }
  BOOST_REQUIRE(is_error(res, errc::unavailable));
  BOOST_CHECK_EQUAL(actors::error_text((*res)->error()),
                    "User service unavailable");
  // The user service confirms the user after the order was refused.
  caf::anon_send(fake_actor, answer_atom::value, true);
  sched.run();
  BOOST_REQUIRE(fake->held.empty());
  BOOST_CHECK(stored().empty());
}

BOOST_AUTO_TEST_CASE(
    answers_user_not_found_for_a_user_the_service_does_not_know) {
  auto res = ask<order>(create_atom_v, order_of(new_id()));
  sched.run();
  BOOST_REQUIRE(is_error(res, errc::user_not_found));
  BOOST_CHECK_EQUAL(actors::error_text((*res)->error()), "User not found");
  BOOST_CHECK_EQUAL(fake->verifies.size(), 1u);
  BOOST_CHECK(stored().empty());
}

BOOST_AUTO_TEST_CASE(
    answers_every_waiting_verify_unavailable_at_once_when_the_user_service_goes_down) {
  auto uid = known_user();
  fake->silent = true;
  auto one = ask<order>(create_atom_v, order_of(uid));
  auto batch = ask<std::vector<order_result>>(
      create_atom_v, std::vector<new_order>{order_of(uid), order_of(uid)});
  sched.run();
  BOOST_REQUIRE_EQUAL(fake->held.size(), 2u);
  BOOST_REQUIRE(!one->has_value());
  caf::anon_send_exit(users, caf::exit_reason::kill);
  sched.run(); // no time passes: no timeout can fire
  BOOST_CHECK(is_error(one, errc::unavailable));
  BOOST_REQUIRE_MESSAGE(batch->has_value(), "batch not answered at once");
  BOOST_REQUIRE(**batch);
  BOOST_REQUIRE_EQUAL((**batch)->size(), 2u);
  for (auto& r : **(*batch))
    BOOST_CHECK(actors::is(r.err, errc::unavailable));
  // Later creates fail at once too, without asking anybody.
  auto later = ask<order>(create_atom_v, order_of(uid));
  sched.run();
  BOOST_CHECK(is_error(later, errc::unavailable));
  BOOST_CHECK_EQUAL(fake->verifies.size(), 2u);
  BOOST_CHECK(stored().empty());
}

BOOST_AUTO_TEST_CASE(
    answers_a_mixed_batch_with_one_result_per_order_in_order_storing_only_the_valid_ones) {
  auto alice = known_user();
  auto bob = known_user();
  auto stranger = new_id();
  std::vector<new_order> xs{
      order_of(alice, 1),    // stored
      order_of(stranger),    // unknown user
      new_order{alice, {}},  // invalid: no products
      order_of(bob, 2),      // stored
      order_of(alice, 0),    // invalid: quantity
      order_of("not-an-id"), // cannot exist: unknown user, not asked
  };
  auto res = ask<std::vector<order_result>>(create_atom_v, xs);
  sched.run();
  BOOST_REQUIRE(res->has_value());
  BOOST_REQUIRE_MESSAGE(**res, why(**res));
  auto& rs = **(*res);
  BOOST_REQUIRE_EQUAL(rs.size(), xs.size());
  BOOST_CHECK(!rs[0].err);
  BOOST_CHECK_EQUAL(rs[0].value.user_id, alice);
  BOOST_CHECK(actors::is(rs[1].err, errc::user_not_found));
  BOOST_CHECK(actors::is(rs[2].err, errc::invalid));
  BOOST_CHECK(!rs[3].err);
  BOOST_CHECK_EQUAL(rs[3].value.user_id, bob);
  BOOST_CHECK_EQUAL(rs[3].value.total_cents, 2u * 1999u);
  BOOST_CHECK(actors::is(rs[4].err, errc::invalid));
  BOOST_CHECK(actors::is(rs[5].err, errc::user_not_found));
  // One verify for the valid orders' users, in order.
  BOOST_REQUIRE_EQUAL(fake->verifies.size(), 1u);
  BOOST_CHECK(
      (fake->verifies[0] == std::vector<std::string>{alice, stranger, bob}));
  auto all = stored();
  BOOST_REQUIRE_EQUAL(all.size(), 2u);
  BOOST_CHECK_EQUAL(all[0].id, rs[0].value.id);
  BOOST_CHECK_EQUAL(all[1].id, rs[3].value.id);
}

BOOST_AUTO_TEST_SUITE_END()
