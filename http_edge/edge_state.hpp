#pragma once

// The edge broker's state and the functions its parts share; internal to
// http_edge (edge.cpp wires them, edge_clients.cpp serves the sockets,
// edge_calls.cpp asks the nodes).

#include "actors/order_api.hpp"
#include "actors/peer_link.hpp"
#include "actors/user_api.hpp"
#include "http_edge/batcher.hpp"
#include "http_edge/call_gate.hpp"
#include "http_edge/connection.hpp"
#include "http_edge/edge.hpp"
#include "http_edge/transport.hpp"

#include <caf/io/broker.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace microshop::http_edge {

using clock = std::chrono::steady_clock;

/// Which node an unanswered request waits for (a slot tag of `connection`).
enum class waits_on : uint8_t { nothing, users, orders };

/// A client connection and its socket.
struct client {
  std::unique_ptr<connection> conn;
  http_scribe_ptr io;
  /// Answers written to the socket's buffer and not yet sent, as last known.
  size_t unsent = 0;
  /// Write progress is reported (while the output is large).
  bool acking = false;
  /// When output last made progress.
  clock::time_point progress_at;
  /// What this connection counts against `edge_state::buffered`.
  size_t accounted = 0;
};

struct edge_state {
  edge_config cfg;
  actors::peer_link<actors::user_actor> users;
  actors::peer_link<actors::order_actor> orders;
  std::unordered_map<caf::io::connection_handle, client> clients;
  uint64_t next_conn_id = 1;
  /// Bytes of requests and answers held for all connections.
  size_t buffered = 0;
  http_doorman_ptr doorman;
  /// Connections closed by the edge, waiting for the client's FIN.
  std::vector<std::pair<clock::time_point, http_scribe_ptr>> lingering;
  /// While `accept` runs out of descriptors: when to try again, the next
  /// wait, when that was last logged (once a minute at most) and whether
  /// the recovery is still to be logged.
  std::optional<clock::time_point> accept_retry_at;
  caf::timespan accept_backoff{};
  std::optional<clock::time_point> accept_logged_at;
  bool log_accept_recovery = false;
  /// `GET /api/users/<id>` gathered for the user node. A read is one step
  /// there: one message at a time makes the largest batches (measured
  /// against 2, 4 and 8: the same or more req/s for less CPU).
  batcher<std::string> user_gets;
  /// `POST /api/orders` gathered for the order node. An order takes three
  /// steps on two nodes (verify there, write here): with three in flight the
  /// steps overlap (measured: +20 % req/s and a lower p99 than with one).
  batcher<actors::new_order> order_creates;
  /// Lists and single-order reads in flight per node (the rest wait here,
  /// not in the node's mailbox). 64 keeps a node busy under 64 clients (32
  /// cost the order node ~20 % more CPU per list in wake-ups) and holds at
  /// most 64 one-MiB pages there.
  call_gate user_reads{64, std::chrono::seconds(5)};
  call_gate order_reads{64, std::chrono::seconds(5)};
  /// A flush message is on its way to the edge's own mailbox.
  bool flush_scheduled = false;
};

using edge_broker = caf::io::stateful_broker<edge_state>;

// -- edge_clients.cpp: the client sockets ------------------------------------

/// Answers the request at `ref` unless its connection is gone (a socket
/// reused by another client counts as gone) or it is already answered.
void complete(edge_broker* self, const slot_ref& ref, response resp);

void on_new_connection(edge_broker* self,
                       const caf::io::new_connection_msg& msg);
void on_data(edge_broker* self, caf::io::new_data_msg& msg);
void on_transferred(edge_broker* self,
                    const caf::io::data_transferred_msg& msg);
void on_closed(edge_broker* self, const caf::io::connection_closed_msg& msg);

/// Deadlines of every connection, lingering sockets, accept backoff.
void on_client_tick(edge_broker* self, clock::time_point now);

// -- edge_calls.cpp: the nodes ------------------------------------------------

/// Answers request `ref` (read on `c`), at once or when a node replies.
void dispatch(edge_broker* self, slot_ref ref, connection& c,
              http_request& req);

/// Sends what the batchers have gathered, as far as their limits allow.
void flush_batches(edge_broker* self);

/// Lets batches stalled on a slow node stop holding back the next, and
/// answers requests gathered too long with 504.
void on_calls_tick(edge_broker* self, clock::time_point now);

/// Handles the loss of a node link: answers its pending requests 503 at
/// once and reconnects; returns false if `dm` is about no node link.
bool on_node_down(edge_broker* self, const caf::down_msg& dm);

} // namespace microshop::http_edge
