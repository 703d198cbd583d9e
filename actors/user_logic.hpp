#pragma once

#include "actors/ids.hpp"
#include "actors/password.hpp"
#include "actors/uniqueness.hpp"
#include "actors/user_api.hpp"
#include "actors/wire_mapping.hpp"
#include "persistence/user_store.hpp"

#include <caf/expected.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace microshop::actors {

/// Hashes the password of `x`, which `admit_create` admitted and whose
/// uniqueness entries point at `id`, and stores the user record under `id`
/// (no entry is touched), with the key record of `key` in the same write
/// when `key` is given (an Idempotency-Key's outcome: the key, the request's
/// fingerprint); the stored user, or the error.
caf::expected<user> store_user(persistence::user_store& store,
                               const new_user& x, const std::string& id,
                               const pwhash_cost& cost,
                               const persistence::key_entry* key = nullptr);

/// The user service's create on a node that holds every shard, as one call:
/// `admit_create`, an id in flight in `ids`, both claims (`claim_here`;
/// a refused one releases the other), `store_user` (a failure releases
/// both), then the id settles. The user, or the error (`errc::duplicate`
/// naming the field).
caf::expected<user> create_user(persistence::user_store& store,
                                const new_user& x, const pwhash_cost& cost,
                                pending_ids& ids);

/// As above, with ids of its own (for callers that never list concurrently).
caf::expected<user> create_user(persistence::user_store& store,
                                const new_user& x, const pwhash_cost& cost);

/// `errc::invalid` naming the field, or `caf::none` when `x` may claim its
/// username and email (uniqueness is decided by the claims, before any
/// hash).
caf::error admit_create(const new_user& x);

/// The stored user with `id`; `errc::user_not_found` also for ids that cannot
/// exist.
caf::expected<user> find_user(const persistence::user_store& store,
                              const std::string& id);

/// A page of users, oldest first, cut below the watermark of `ids` so that
/// no user still in flight is skipped by a poller.
caf::expected<user_page> list_users(const persistence::user_store& store,
                                    const page& p, const pending_ids& ids);

/// As above when no user is in flight.
caf::expected<user_page> list_users(const persistence::user_store& store,
                                    const page& p);

/// `records` (a page read after `w` was taken) as a user page holding only
/// the users below `w.id`; `more` when the store has more, the page was cut,
/// or some id is in flight; `full` when the store's page stopped at its limit
/// with every item below `w.id` (complete through the last item only).
user_page
page_below(const persistence::page_of<persistence::user_record>& records,
           const id_watermark& w);

/// Creates waiting for a hash worker, oldest first: at most `capacity` of
/// them, and none served after waiting longer than `max_wait`. Plain data,
/// not thread-safe.
template <class Job> class hash_queue {
public:
  using clock = std::chrono::steady_clock;

  hash_queue(size_t capacity, clock::duration max_wait)
      : capacity_(capacity), max_wait_(max_wait) {
    // nop
  }

  /// Hands each job that waited longer than `max_wait` at `now` to `drop`,
  /// then queues `job` unless the queue is full; false (and `job` untouched)
  /// when full.
  template <class Drop> bool push(Job& job, clock::time_point now, Drop drop) {
    expire(now, drop);
    if (jobs_.size() >= capacity_)
      return false;
    jobs_.emplace_back(std::move(job), now);
    return true;
  }

  /// The oldest job that waited at most `max_wait` at `now`, after handing
  /// each older one to `drop`; nothing when none is left.
  template <class Drop>
  std::optional<Job> pop(clock::time_point now, Drop drop) {
    expire(now, drop);
    if (jobs_.empty())
      return std::nullopt;
    auto job = std::move(jobs_.front().first);
    jobs_.pop_front();
    return job;
  }

  size_t size() const {
    return jobs_.size();
  }

private:
  template <class Drop> void expire(clock::time_point now, Drop& drop) {
    while (!jobs_.empty() && now - jobs_.front().second > max_wait_) {
      auto job = std::move(jobs_.front().first);
      jobs_.pop_front();
      drop(job);
    }
  }

  size_t capacity_;
  clock::duration max_wait_;
  std::deque<std::pair<Job, clock::time_point>> jobs_;
};

/// Whether a user with `id` exists (false for ids that cannot exist).
caf::expected<bool> user_exists(const persistence::user_store& store,
                                const std::string& id);

/// The users with `ids`: one result per id, in order; a failed read fails
/// only its own id.
std::vector<user_result> find_users(const persistence::user_store& store,
                                    const std::vector<std::string>& ids);

/// Whether users with `ids` exist: one answer per id, in order; or the first
/// storage error, which fails them all.
caf::expected<std::vector<bool>>
users_exist(const persistence::user_store& store,
            const std::vector<std::string>& ids);

} // namespace microshop::actors
