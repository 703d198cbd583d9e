#pragma once

#include <caf/io/connection_handle.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace microshop::http_edge {

/// Where the answer to one request goes: the socket, the connection that
/// owned it when the request was read (sockets are reused, connection ids
/// never), and the request's place on it.
struct slot_ref {
  caf::io::connection_handle hdl;
  uint64_t conn = 0;
  uint64_t seq = 0;
};

/// How a `batcher` groups requests into messages.
struct batch_limits {
  using duration = std::chrono::steady_clock::duration;
  /// Requests in one message.
  size_t max_items = 256;
  /// Messages awaiting their answer that hold back the next message.
  size_t max_in_flight = 1;
  /// A message unanswered this long stops holding back the next one (it
  /// still awaits its answer), so that a slow node delays the requests
  /// gathered behind it by about this, not by a whole timeout.
  duration stall_after = std::chrono::milliseconds(100);
  /// Messages awaiting their answer, stalled or not: a hung node gets no
  /// more than this many.
  size_t max_outstanding = 8;
  /// A request gathered this long without being sent is given up (the
  /// caller answers it as timed out).
  duration max_wait = std::chrono::seconds(5);
  /// A message unanswered this long is given up: `on_tick` returns its
  /// requests, to be answered as timed out, and its late answer is ignored.
  /// The caller sends without a CAF timeout (one timer per message costs
  /// CAF's clock thread two wake-ups), and this check runs on its tick.
  duration answer_within = std::chrono::seconds(5);
};

/// Requests for one node, gathered while the edge reads its sockets and sent
/// as few messages: while `max_in_flight` messages await their answers, new
/// requests gather behind them, so a batch grows with the load (as a group
/// commit does). No CAF in here: the caller sends each `message` and reports
/// its answer with `on_reply`. Use one batcher per destination node.
template <class Item> class batcher {
public:
  using clock = std::chrono::steady_clock;

  /// One message to send: its ticket (for `on_reply`), the requests, and
  /// where each answer goes.
  struct message {
    uint64_t ticket = 0;
    std::vector<Item> items;
    std::vector<slot_ref> slots;
  };

  explicit batcher(batch_limits limits = {}) : limits_(limits) {
    // nop
  }

  const batch_limits& limits() const {
    return limits_;
  }

  /// Gathers `x`, to be answered through `ref`.
  void add(Item x, slot_ref ref, clock::time_point now) {
    waiting_.push_back({std::move(x), ref, now});
  }

  /// Requests gathered and not yet sent.
  size_t waiting() const {
    return waiting_.size();
  }

  /// Messages sent and not yet answered, and how many of those still hold
  /// back the next one.
  size_t outstanding() const {
    return tickets_.size();
  }

  size_t in_flight() const {
    return in_flight_;
  }

  /// The next message, oldest requests first, if requests wait and the
  /// limits allow one more message now.
  std::optional<message> next(clock::time_point now) {
    if (waiting_.empty() || in_flight_ >= limits_.max_in_flight ||
        tickets_.size() >= limits_.max_outstanding)
      return std::nullopt;
    message m;
    m.ticket = next_ticket_++;
    auto n = std::min(limits_.max_items, waiting_.size());
    m.items.reserve(n);
    m.slots.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      m.items.push_back(std::move(waiting_.front().item));
      m.slots.push_back(waiting_.front().ref);
      waiting_.pop_front();
    }
    tickets_.emplace(m.ticket, ticket_state{now, false, m.slots});
    ++in_flight_;
    return m;
  }

  /// The message `ticket` got its answer or failed; returns false if the
  /// ticket is unknown (already answered, or forgotten by `on_node_lost`).
  bool on_reply(uint64_t ticket) {
    auto i = tickets_.find(ticket);
    if (i == tickets_.end())
      return false;
    if (!i->second.stalled)
      --in_flight_;
    tickets_.erase(i);
    return true;
  }

  /// Stops counting messages unanswered for `stall_after` against
  /// `max_in_flight` (they still count against `max_outstanding`), gives up
  /// messages unanswered for `answer_within` (`on_reply` then returns false
  /// for them), and returns the slots of their requests and of requests
  /// that waited `max_wait` without being sent: the caller answers those as
  /// timed out.
  std::vector<slot_ref> on_tick(clock::time_point now) {
    std::vector<slot_ref> expired;
    for (auto i = tickets_.begin(); i != tickets_.end();) {
      auto& t = i->second;
      if (now - t.sent_at >= limits_.answer_within) {
        if (!t.stalled)
          --in_flight_;
        expired.insert(expired.end(), t.slots.begin(), t.slots.end());
        i = tickets_.erase(i);
        continue;
      }
      if (!t.stalled && now - t.sent_at >= limits_.stall_after) {
        t.stalled = true;
        --in_flight_;
      }
      ++i;
    }
    while (!waiting_.empty() &&
           now - waiting_.front().since >= limits_.max_wait) {
      expired.push_back(waiting_.front().ref);
      waiting_.pop_front();
    }
    return expired;
  }

  /// The node is gone: forgets the messages awaiting answers (their late
  /// answers, if any, are ignored by `on_reply`) and returns the slots of
  /// the requests gathered and not sent, for the caller to answer.
  std::vector<slot_ref> on_node_lost() {
    tickets_.clear();
    in_flight_ = 0;
    std::vector<slot_ref> dropped;
    dropped.reserve(waiting_.size());
    for (auto& w : waiting_)
      dropped.push_back(w.ref);
    waiting_.clear();
    return dropped;
  }

private:
  struct gathered {
    Item item;
    slot_ref ref;
    clock::time_point since;
  };

  struct ticket_state {
    clock::time_point sent_at;
    bool stalled;
    std::vector<slot_ref> slots;
  };

  batch_limits limits_;
  std::deque<gathered> waiting_;
  std::map<uint64_t, ticket_state> tickets_;
  size_t in_flight_ = 0;
  uint64_t next_ticket_ = 1;
};

} // namespace microshop::http_edge
