#include "actors/user_service.hpp"

#include "actors/errc.hpp"
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

hash_worker_actor::behavior_type
hash_worker(hash_worker_actor::pointer, const store_ptr& store,
            pwhash_cost cost, const std::shared_ptr<pending_ids>& ids) {
  return {
      [=](create_atom, const new_user& x) -> caf::result<user> {
        lower_thread_priority();
        // The front admitted `x` (valid, names not taken): hash and store.
        return store_user(*store, x, cost, *ids);
      },
  };
}

/// A create admitted to the hash queue, and where its answer goes.
struct pending_create {
  new_user x;
  caf::typed_response_promise<user> rp;
};

struct front_state {
  /// Hash workers with nothing to do; each hashes one create at a time.
  std::vector<hash_worker_actor> idle;
  hash_queue<pending_create> queue{0, {}};
  std::shared_ptr<pending_ids> ids = std::make_shared<pending_ids>();
};

using front_pointer = user_actor::stateful_pointer<front_state>;

caf::error overloaded(const char* why) {
  return caf::make_error(errc::overloaded, why);
}

/// Answers a create that waited too long for a hash worker; nothing of it
/// was hashed or stored.
void drop_stale(pending_create& job) {
  job.rp.deliver(overloaded("User service overloaded: no hash worker in time"));
}

void dispatch(front_pointer self, pending_create job);

/// Takes `worker` back and gives it the oldest create still in time.
void worker_done(front_pointer self, const hash_worker_actor& worker) {
  auto& st = self->state;
  st.idle.push_back(worker);
  if (auto next = st.queue.pop(std::chrono::steady_clock::now(), drop_stale))
    dispatch(self, std::move(*next));
}

/// Hands `job` to an idle hash worker; there must be one.
void dispatch(front_pointer self, pending_create job) {
  auto worker = self->state.idle.back();
  self->state.idle.pop_back();
  auto rp = std::move(job.rp);
  // A local worker on a thread of its own, linked to this actor: it answers
  // or dies with us, so no timeout is needed.
  self->request(worker, caf::infinite, create_atom_v, std::move(job.x))
      .then(
          [=](user& u) mutable {
            rp.deliver(std::move(u));
            worker_done(self, worker);
          },
          [=](caf::error& err) mutable {
            rp.deliver(std::move(err));
            worker_done(self, worker);
          });
}

/// The published user actor, on a thread of its own: it answers reads and
/// verifications itself (RocksDB point reads; no hop to another thread),
/// refuses invalid and duplicate creates before they take a hash slot, and
/// hands the others to an idle hash worker or the bounded hash queue.
user_actor::behavior_type user_front(front_pointer self, store_ptr store,
                                     user_service_config cfg) {
  auto& st = self->state;
  st.queue = hash_queue<pending_create>{cfg.hash_queue, cfg.hash_max_wait};
  for (size_t i = 0; i < std::max<size_t>(cfg.hash_workers, 1); ++i)
    st.idle.push_back(self->template spawn<caf::detached + caf::linked>(
        hash_worker, store, cfg.cost, st.ids));
  return {
      [=](hello_atom, const hello& h) -> caf::result<std::string> {
        return answer_hello(h, cfg.node_name, cfg.map);
      },
      [=](claim_atom, const unique_claim&) -> caf::result<bool> {
        return caf::make_error(errc::unavailable, "claims not implemented");
      },
      [=](release_atom, const unique_claim&) -> caf::result<bool> {
        return caf::make_error(errc::unavailable, "claims not implemented");
      },
      [=](lookup_atom, const std::string& id) -> caf::result<id_state> {
        if (self->state.ids->in_flight(id))
          return id_state::in_flight;
        auto exists = user_exists(*store, id);
        if (!exists)
          return std::move(exists.error());
        return *exists ? id_state::committed : id_state::absent;
      },
      [=](create_atom, new_user& x) -> caf::result<user> {
        if (auto err = admit_create(*store, x))
          return err;
        auto rp = self->make_response_promise<user>();
        pending_create job{std::move(x), rp};
        auto& st = self->state;
        if (!st.idle.empty())
          dispatch(self, std::move(job));
        else if (!st.queue.push(job, std::chrono::steady_clock::now(),
                                drop_stale))
          rp.deliver(overloaded("User service overloaded: hash queue full"));
        return rp;
      },
      [=](get_atom, const std::string& id) -> caf::result<user> {
        return find_user(*store, id);
      },
      [=](list_atom, const page& p) -> caf::result<user_page> {
        return list_users(*store, p, *self->state.ids);
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
