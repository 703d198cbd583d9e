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
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
    lowered = true;
  }
}

/// The whole user interface over the store, run on its own thread.
user_actor::behavior_type
user_worker(user_actor::pointer, const store_ptr& store, pwhash_cost cost) {
  return {
      [=](create_atom, const new_user& x) -> caf::result<user> {
        lower_thread_priority();
        return create_user(*store, x, cost);
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
  };
}

/// Round-robin over a fixed set of workers.
struct worker_pool {
  std::vector<user_actor> workers;
  size_t next = 0;

  const user_actor& pick() {
    return workers[next++ % workers.size()];
  }
};

struct front_state {
  worker_pool hashers;
  worker_pool readers;
};

user_actor::behavior_type
user_front(user_actor::stateful_pointer<front_state> self, store_ptr store,
           user_service_config cfg) {
  auto spawn_pool = [&](worker_pool& pool, size_t n) {
    for (size_t i = 0; i < std::max<size_t>(n, 1); ++i)
      pool.workers.push_back(self->template spawn<caf::detached + caf::linked>(
          user_worker, store, cfg.cost));
  };
  spawn_pool(self->state.hashers, cfg.hash_workers);
  spawn_pool(self->state.readers, cfg.read_workers);
  return {
      [=](create_atom, new_user& x) -> caf::result<user> {
        if (auto err = validate(x))
          return err;
        return self->delegate(self->state.hashers.pick(), create_atom_v,
                              std::move(x));
      },
      [=](get_atom, std::string& id) -> caf::result<user> {
        return self->delegate(self->state.readers.pick(), get_atom_v,
                              std::move(id));
      },
      [=](list_atom, page& p) -> caf::result<user_page> {
        return self->delegate(self->state.readers.pick(), list_atom_v,
                              std::move(p));
      },
      [=](verify_atom, std::string& id) -> caf::result<bool> {
        return self->delegate(self->state.readers.pick(), verify_atom_v,
                              std::move(id));
      },
  };
}

} // namespace

user_actor spawn_user_service(caf::actor_system& sys, store_ptr store,
                              const user_service_config& cfg) {
  return sys.spawn(user_front, std::move(store), cfg);
}

} // namespace microshop::actors
