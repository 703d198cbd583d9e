#pragma once

// A fake user service for the order service's tests under CAF's
// deterministic test scheduler: it only verifies, from a set of known ids, or
// holds its verifies until told to answer.

#include "actors/type_ids.hpp"
#include "actors/user_api.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace microshop::actors::fakes {

/// What the fake user service knows, and what it was asked. Lives outside
/// the actor, so that verifies it holds survive the actor's death.
struct fake_users_state {
  /// The user ids that exist.
  std::set<std::string> known;
  /// Whether verifies wait unanswered (in `held`, with their number of ids)
  /// instead of being answered.
  bool silent = false;
  std::vector<std::pair<caf::typed_response_promise<std::vector<bool>>, size_t>>
      held;
  /// The ids of each verify request, in arrival order.
  std::vector<std::vector<std::string>> verifies;
};

using fake_ptr = std::shared_ptr<fake_users_state>;

using answer_atom = caf::atom_constant<caf::atom("answer")>;

/// The fake's handle: a user service that the test can also tell to answer
/// the verifies it holds (a promise is delivered only from its actor).
using fake_users_actor = user_actor::extend<caf::reacts_to<answer_atom, bool>>;

/// A user service that only verifies: from `st->known`, or only once
/// released when `st->silent`.
inline fake_users_actor::behavior_type
fake_users(fake_users_actor::pointer self, fake_ptr st) {
  auto unsupported = [] { return caf::make_error(caf::sec::invalid_argument); };
  return {
      [=](hello_atom, const hello& h) -> caf::result<std::string> {
        return h.expected_node;
      },
      [=](links_atom) -> caf::result<std::vector<link_state>> {
        return std::vector<link_state>{};
      },
      [=](claim_atom, const unique_claim&) -> caf::result<bool> {
        return unsupported();
      },
      [=](release_atom, const unique_claim&) -> caf::result<bool> {
        return unsupported();
      },
      [=](lookup_atom, const std::string&) -> caf::result<id_state> {
        return unsupported();
      },
      [=](create_atom, const new_user&) -> caf::result<user> {
        return unsupported();
      },
      [=](create_atom, const new_user&, const std::string&)
          -> caf::result<user_result> { return unsupported(); },
      [=](get_atom, const std::string&) -> caf::result<user> {
        return unsupported();
      },
      [=](list_atom, const page&) -> caf::result<user_page> {
        return unsupported();
      },
      [=](verify_atom, const std::string& id) -> caf::result<bool> {
        return st->known.count(id) > 0;
      },
      [=](get_atom, const std::vector<id_query>&)
          -> caf::result<std::vector<user_result>> { return unsupported(); },
      [=](verify_atom,
          const std::vector<id_query>& qs) -> caf::result<std::vector<bool>> {
        std::vector<std::string> ids;
        for (auto& q : qs)
          ids.push_back(q.id);
        st->verifies.push_back(ids);
        if (st->silent) {
          st->held.emplace_back(
              self->make_response_promise<std::vector<bool>>(), ids.size());
          return st->held.back().first;
        }
        std::vector<bool> out;
        for (auto& id : ids)
          out.push_back(st->known.count(id) > 0);
        return out;
      },
      [=](metrics_atom) -> caf::result<metric_samples> {
        return metric_samples{};
      },
      [=](answer_atom, bool exists) {
        for (auto& [rp, n] : st->held)
          rp.deliver(std::vector<bool>(n, exists));
        st->held.clear();
      },
  };
}

inline caf::actor_system_config& testing_config(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  add_message_types(cfg);
  return cfg;
}

} // namespace microshop::actors::fakes
