#include "actors/user_service.hpp"

#include "actors/user_logic.hpp"
#include "actors/validation.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace microshop::actors {

namespace {

using store_ptr = std::shared_ptr<persistence::user_store>;

/// Lowers the calling thread's CPU priority once, so that reads on the node
/// (and the other nodes on the machine) preempt password hashing while
/// hashing still uses every idle cycle.
void lower_thread_priority() {
  thread_local bool lowered = false;
  if (!lowered) {
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
    lowered = true;
  }
}

/// Creates users, hashing on a thread of its own.
using hash_worker_actor =
    caf::typed_actor<caf::replies_to<create_atom, new_user>::with<user>>;

hash_worker_actor::behavior_type hash_worker(hash_worker_actor::pointer,
                                             const store_ptr& store,
                                             pwhash_cost cost) {
  return {
      [=](create_atom, const new_user& x) -> caf::result<user> {
        lower_thread_priority();
        return create_user(*store, x, cost);
      },
  };
}

struct front_state {
  std::vector<hash_worker_actor> hashers;
  size_t next = 0;

  /// The hash workers in turn.
  const hash_worker_actor& hasher() {
    return hashers[next++ % hashers.size()];
  }
};

/// The published user actor, on a thread of its own: it answers reads and
/// verifications itself (RocksDB point reads; no hop to another thread) and
/// hands each create to a hash worker.
user_actor::behavior_type
user_front(user_actor::stateful_pointer<front_state> self, store_ptr store,
           user_service_config cfg) {
  for (size_t i = 0; i < std::max<size_t>(cfg.hash_workers, 1); ++i)
    self->state.hashers.push_back(
        self->template spawn<caf::detached + caf::linked>(hash_worker, store,
                                                          cfg.cost));
  return {
      [=](create_atom, new_user& x) -> caf::result<user> {
        if (auto err = validate(x))
          return err;
        return self->delegate(self->state.hasher(), create_atom_v,
                              std::move(x));
      },
      [=](get_atom, const std::string& id) -> caf::result<user> {
        return find_user(*store, id);
      },
      [=](list_atom, const page& p) -> caf::result<user_page> {
        return list_users(*store, p);
      },
      [=](verify_atom, const std::string& id) -> caf::result<bool> {
        return user_exists(*store, id);
      },
      [=](get_atom, const std::vector<std::string>& ids)
          -> caf::result<std::vector<user_result>> {
        return find_users(*store, ids);
      },
      [=](verify_atom, const std::vector<std::string>& ids)
          -> caf::result<std::vector<bool>> {
        return users_exist(*store, ids);
      },
  };
}

} // namespace

user_actor spawn_user_service(caf::actor_system& sys, store_ptr store,
                              const user_service_config& cfg) {
  return sys.spawn<caf::detached>(user_front, std::move(store), cfg);
}

} // namespace microshop::actors
