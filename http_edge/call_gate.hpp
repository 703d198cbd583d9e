#pragma once

#include "http_edge/batcher.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <iterator>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace microshop::http_edge {

/// Bounds the calls one node has to work on for the edge: at most `limit`
/// are in flight, the rest wait here instead of in the node's mailbox, where
/// a call whose client timed out or left would still be worked on. Waiting
/// calls go out in turn by connection (round robin), so a client that
/// pipelines many calls delays another client's call by at most one call
/// per connection ahead of it. No CAF in here: the caller runs what `enter`
/// and `leave` hand out, and reports each call's end with `leave(ticket)`.
class call_gate {
public:
  using clock = std::chrono::steady_clock;

  /// A call waiting for its turn; `run` sends it with the ticket it got.
  struct pending {
    slot_ref ref;
    std::function<void(uint64_t ticket)> run;
    clock::time_point since;
  };

  call_gate(size_t limit, clock::duration max_wait)
      : limit_(limit), max_wait_(max_wait) {
    // nop
  }

  /// A ticket for a call to send now, or nothing when `limit` calls are in
  /// flight (then `wait` it).
  std::optional<uint64_t> enter() {
    if (tickets_.size() >= limit_)
      return std::nullopt;
    auto t = next_ticket_++;
    tickets_.insert(t);
    return t;
  }

  /// Queues a call until a place frees up.
  void wait(pending p) {
    auto& q = waiting_[p.ref.conn];
    if (q.empty())
      turns_.push_back(p.ref.conn);
    q.push_back(std::move(p));
    ++num_waiting_;
  }

  /// The call with `ticket` ended; returns the next waiting call and its
  /// ticket, if one can go now. Unknown tickets (from before `reset`) free
  /// nothing.
  std::optional<std::pair<uint64_t, pending>> leave(uint64_t ticket) {
    if (tickets_.erase(ticket) == 0 || turns_.empty())
      return std::nullopt;
    auto t = enter();
    if (!t)
      return std::nullopt;
    auto conn = turns_.front();
    turns_.pop_front();
    auto& q = waiting_[conn];
    auto p = std::move(q.front());
    q.pop_front();
    --num_waiting_;
    if (q.empty())
      waiting_.erase(conn);
    else
      turns_.push_back(conn);
    return std::make_pair(*t, std::move(p));
  }

  /// Removes and returns the calls that waited `max_wait` (the caller
  /// answers them as timed out).
  std::vector<slot_ref> expire(clock::time_point now) {
    std::vector<slot_ref> out;
    for (auto i = waiting_.begin(); i != waiting_.end();) {
      auto& q = i->second;
      while (!q.empty() && now - q.front().since >= max_wait_) {
        out.push_back(q.front().ref);
        q.pop_front();
        --num_waiting_;
      }
      i = q.empty() ? waiting_.erase(i) : std::next(i);
    }
    std::erase_if(turns_, [this](uint64_t c) { return !waiting_.count(c); });
    return out;
  }

  /// The node is gone: forgets the calls in flight and returns the slots of
  /// those that waited (the caller answers them).
  std::vector<slot_ref> reset() {
    tickets_.clear();
    std::vector<slot_ref> out;
    for (auto& [conn, q] : waiting_)
      for (auto& p : q)
        out.push_back(p.ref);
    waiting_.clear();
    turns_.clear();
    num_waiting_ = 0;
    return out;
  }

  size_t in_flight() const {
    return tickets_.size();
  }

  size_t waiting() const {
    return num_waiting_;
  }

private:
  size_t limit_;
  clock::duration max_wait_;
  std::unordered_set<uint64_t> tickets_;
  /// Waiting calls by connection id, and whose turn is next.
  std::unordered_map<uint64_t, std::deque<pending>> waiting_;
  std::deque<uint64_t> turns_;
  size_t num_waiting_ = 0;
  uint64_t next_ticket_ = 1;
};

} // namespace microshop::http_edge
