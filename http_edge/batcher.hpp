#pragma once

#include <caf/io/connection_handle.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <utility>
#include <vector>

namespace microshop::http_edge {

using clock = std::chrono::steady_clock;

/// At most this many requests go in one message.
constexpr size_t max_batch = 256;
/// A message unanswered this long no longer holds back the next one, so that
/// a stalled node delays gathered requests by about this, not by a timeout.
constexpr auto stall_after = std::chrono::milliseconds(100);

/// Where the answer to one request goes: the socket, the connection that
/// owned it when the request was read (sockets are reused, connection ids
/// never), and the request's place on it.
struct slot_ref {
  caf::io::connection_handle hdl;
  uint64_t conn;
  uint64_t seq;
};

/// Requests for one node gathered while the edge reads its sockets, sent as
/// one message. At most `max_in_flight` messages of a batch await their
/// answer; while they do, new requests gather, so that the batch grows with
/// the load (as a group commit does) instead of staying one message per
/// request: fewer BASP messages and thread hops on the nodes per request.
template <class Item> struct batch {
  explicit batch(size_t limit) : max_in_flight(limit) {
    // nop
  }

  size_t max_in_flight;
  std::vector<Item> items;
  std::vector<slot_ref> slots;
  /// Messages sent over the current link and not yet answered.
  size_t in_flight = 0;
  /// Bumped when the node is lost or stalls: answers to messages sent before
  /// no longer count against `in_flight`.
  uint64_t epoch = 0;
  /// When the last message was sent.
  clock::time_point sent_at;

  bool empty() const {
    return items.empty();
  }

  /// Takes up to `n` of the gathered requests, oldest first.
  std::pair<std::vector<Item>, std::vector<slot_ref>> take(size_t n) {
    if (n >= items.size()) {
      auto out = std::make_pair(std::move(items), std::move(slots));
      items.clear();
      slots.clear();
      return out;
    }
    auto cut = static_cast<std::ptrdiff_t>(n);
    std::vector<Item> head(std::make_move_iterator(items.begin()),
                           std::make_move_iterator(items.begin() + cut));
    std::vector<slot_ref> head_slots(slots.begin(), slots.begin() + cut);
    items.erase(items.begin(), items.begin() + cut);
    slots.erase(slots.begin(), slots.begin() + cut);
    return {std::move(head), std::move(head_slots)};
  }

  /// Stops counting the messages in flight (their answers still complete
  /// their slots).
  void release() {
    in_flight = 0;
    ++epoch;
  }

  /// Forgets what was gathered and what is in flight (the node is lost).
  void reset() {
    items.clear();
    slots.clear();
    release();
  }

  /// Releases the messages in flight when gathered requests wait behind one
  /// unanswered for `stall_after`; returns whether it did.
  bool release_if_stalled(clock::time_point now) {
    if (items.empty() || in_flight == 0 || now - sent_at < stall_after)
      return false;
    release();
    return true;
  }
};

} // namespace microshop::http_edge
