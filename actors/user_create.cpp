// The user front's create: an id in one of its shards, both uniqueness
// claims, the username then the email (a local call when this node owns the
// entry, else a request to the entry's node), then a hash worker; and the entry
// node's side of a claim (see docs/sharding.md, "Uniqueness across nodes").

#include "actors/errc.hpp"
#include "actors/idempotency.hpp"
#include "actors/user_front.hpp"

#include <array>
#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <sys/resource.h>
#include <unistd.h>

namespace microshop::actors {

namespace {

using store_ptr = std::shared_ptr<persistence::user_store>;

/// Claim rounds lost to other claims of one key before giving up: each round
/// that does not hold lost a compare-and-set.
constexpr int max_claim_rounds = 16;

/// A failure of another user node as the domain sees it: its own domain
/// errors as they are, anything else (timeout, lost link) unavailable.
caf::error from_peer(const caf::error& err) {
  if (err.category() == caf::atom("microshop"))
    return err;
  return peer_unavailable();
}

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

hash_worker_actor::behavior_type hash_worker(hash_worker_actor::pointer,
                                             const store_ptr& store,
                                             pwhash_cost cost) {
  return {
      [=](create_atom, const new_user& x, const std::string& id,
          const std::string& key, const std::string& fp) -> caf::result<user> {
        lower_thread_priority();
        // The front admitted `x` and holds both its claims for `id`.
        if (key.empty())
          return store_user(*store, x, id, cost);
        persistence::key_entry e{{}, key, created_outcome(fp, id)};
        return store_user(*store, x, id, cost, &e);
      },
  };
}

caf::error overloaded(const char* why) {
  return caf::make_error(errc::overloaded, why);
}

/// Answers `job` with `result`; with an Idempotency-Key, the key is no
/// longer in progress, and a refusal that the node `decided` is stored as
/// the key's outcome (a created user's was stored with it).
void end_create(front_pointer self, pending_create& job,
                caf::expected<user> result, bool decided = true) {
  auto& st = self->state;
  if (!job.key.empty()) {
    if (decided && !result && is_stored_refusal(result.error())) {
      // A failed write is logged by the store; the client still gets the
      // refusal, and a retry decides again.
      static_cast<void>(st.store->put_key(
          {{}, job.key, refused_outcome(job.fingerprint, result.error())}));
    }
    st.keys_in_progress.erase(job.key);
  }
  user_result r;
  if (result)
    r.value = std::move(*result);
  else
    r.err = std::move(result.error());
  job.answer(std::move(r));
}

/// Ends `job` with `result`: releases both claims unless the user is
/// stored, settles its id, answers.
void finish_create(front_pointer self, pending_create& job,
                   caf::expected<user> result) {
  if (!result)
    for (auto& c : claims_of(job.x, job.id))
      release_anywhere(self, c);
  self->state.ids->settle(job.id);
  end_create(self, job, std::move(result));
}

void dispatch(front_pointer self, pending_create job);

/// Answers a create that waited too long for a hash worker; nothing of it
/// was hashed or stored.
auto drop_stale(front_pointer self) {
  return [self](pending_create& job) {
    finish_create(
        self, job,
        overloaded("User service overloaded: no hash worker in time"));
  };
}

/// Takes `worker` back and gives it the oldest create still in time.
void worker_done(front_pointer self, const hash_worker_actor& worker) {
  auto& st = self->state;
  st.idle.push_back(worker);
  if (auto next =
          st.queue.pop(std::chrono::steady_clock::now(), drop_stale(self)))
    dispatch(self, std::move(*next));
}

/// Hands `job` to an idle hash worker; there must be one.
void dispatch(front_pointer self, pending_create job) {
  auto worker = self->state.idle.back();
  self->state.idle.pop_back();
  auto shared = std::make_shared<pending_create>(std::move(job));
  // A local worker on a thread of its own, linked to this actor: it answers
  // or dies with us, so no timeout is needed.
  self->request(worker, caf::infinite, create_atom_v, shared->x, shared->id,
                shared->key, shared->fingerprint)
      .then(
          [=](user& u) {
            finish_create(self, *shared, std::move(u));
            worker_done(self, worker);
          },
          [=](caf::error& err) {
            finish_create(self, *shared, std::move(err));
            worker_done(self, worker);
          });
}

/// Hands `job` to an idle hash worker, or queues it; a full queue refuses
/// it with `errc::overloaded`.
void enqueue(front_pointer self, pending_create job) {
  auto& st = self->state;
  if (!st.idle.empty())
    return dispatch(self, std::move(job));
  if (!st.queue.push(job, std::chrono::steady_clock::now(), drop_stale(self)))
    finish_create(self, job,
                  overloaded("User service overloaded: hash queue full"));
}

/// The first `attempted` claims of `job` answered with `errs` (none: held):
/// refuses it (releasing what may point at its id) or hands it to the hash
/// workers.
void claims_answered(front_pointer self, pending_create job,
                     const std::array<caf::error, 2>& errs, size_t attempted) {
  // A duplicate wins over other failures, the username over the email.
  const caf::error* refusal = nullptr;
  for (auto& e : errs)
    if (!refusal && is(e, errc::duplicate))
      refusal = &e;
  for (auto& e : errs)
    if (!refusal && e)
      refusal = &e;
  auto& st = self->state;
  if (refusal) {
    auto claims = claims_of(job.x, job.id);
    for (size_t i = 0; i < attempted; ++i)
      if (!is(errs[i], errc::duplicate))
        release_anywhere(self, claims[i]);
    st.ids->settle(job.id);
    // Only a taken value is this create's refusal; anything else a peer
    // said (e.g. a claim it would not take) decided nothing about it.
    end_create(self, job, *refusal, is(*refusal, errc::duplicate));
    return;
  }
  enqueue(self, std::move(job));
}

/// Claims `c` at its entry node: here with a call, else with a request.
void claim_anywhere(front_pointer self, const unique_claim& c,
                    claim_done done) {
  auto& st = self->state;
  auto node = entry_node(st.cfg.map, c);
  if (node == st.self_index)
    return claim_at_entry(self, c, std::move(done));
  st.peers.ask<bool>(
      self, node, st.cfg.peer_timeout,
      [done](caf::expected<bool> held) {
        if (!held)
          done(from_peer(held.error()));
        else
          done(*held ? caf::error{} : peer_unavailable());
      },
      claim_atom_v, c);
}

/// One round of `c` at its entry node, from `step`.
void claim_round(front_pointer self, const unique_claim& c, claim_done done,
                 caf::expected<claim_step> step, int round) {
  if (!step)
    return done(std::move(step.error()));
  if (step->held)
    return done(caf::none);
  if (round >= max_claim_rounds)
    return done(caf::make_error(errc::unavailable, "claim contended"));
  auto other = std::move(step->other);
  // Half the peer timeout: the claimant, waiting a whole one, still gets
  // this node's answer when the other owner's node is slow.
  lookup_anywhere(
      self, other, self->state.cfg.peer_timeout / 2,
      [self, c, done, other, round](caf::expected<id_state> state) {
        if (!state)
          return done(is(state.error(), errc::storage) ? state.error()
                                                       : peer_unavailable());
        auto next = continue_claim(*self->state.store, c, other, *state);
        claim_round(self, c, done, std::move(next), round + 1);
      });
}

} // namespace

caf::error peer_unavailable() {
  return caf::make_error(errc::unavailable, "User service unavailable");
}

void claim_at_entry(front_pointer self, unique_claim c, claim_done done) {
  auto step = begin_claim(*self->state.store, c);
  claim_round(self, c, std::move(done), std::move(step), 0);
}

void lookup_anywhere(front_pointer self, const std::string& id,
                     caf::timespan timeout,
                     std::function<void(caf::expected<id_state>)> done) {
  auto& st = self->state;
  auto node = node_of_id(st.cfg.map, service::users, id);
  if (node == st.self_index)
    return done(lookup_id(*st.store, *st.ids, st.cfg.map, st.self_index, id));
  st.peers.ask<id_state>(
      self, node, timeout,
      [done](caf::expected<id_state> x) {
        if (!x)
          done(from_peer(x.error()));
        else
          done(std::move(x));
      },
      lookup_atom_v, id);
}

void release_anywhere(front_pointer self, const unique_claim& c) {
  auto& st = self->state;
  auto node = entry_node(st.cfg.map, c);
  if (node == st.self_index) {
    static_cast<void>(release_claim(*st.store, c));
    return;
  }
  st.peers.ask<bool>(
      self, node, st.cfg.peer_timeout, [](caf::expected<bool>) {},
      release_atom_v, c);
}

void start_create(front_pointer self, new_user x, create_answer answer,
                  std::string key, std::string fingerprint) {
  auto& st = self->state;
  struct claiming {
    pending_create job;
    std::array<caf::error, 2> errs;
  };
  auto cl = std::make_shared<claiming>();
  cl->job.id = st.ids->assign(st.shards.next());
  cl->job.x = std::move(x);
  cl->job.answer = std::move(answer);
  cl->job.key = std::move(key);
  cl->job.fingerprint = std::move(fingerprint);
  // The username first, then the email: every create takes the two in one
  // order, so two creates of the same pair cannot each win one entry and
  // both be refused (a double-submitted form creates its user once).
  auto claims = claims_of(cl->job.x, cl->job.id);
  claim_anywhere(self, claims[0], [self, cl, claims](caf::error err) {
    if (err) {
      cl->errs[0] = std::move(err);
      return claims_answered(self, std::move(cl->job), cl->errs, 1);
    }
    claim_anywhere(self, claims[1], [self, cl](caf::error err) {
      cl->errs[1] = std::move(err);
      claims_answered(self, std::move(cl->job), cl->errs, 2);
    });
  });
}

void spawn_hash_workers(front_pointer self) {
  auto& st = self->state;
  for (size_t i = 0; i < std::max<size_t>(st.cfg.hash_workers, 1); ++i)
    st.idle.push_back(self->template spawn<caf::detached + caf::linked>(
        hash_worker, st.store, st.cfg.cost));
}

} // namespace microshop::actors
