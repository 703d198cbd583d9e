#pragma once

// The edge broker's state and the functions its parts share; internal to
// http_edge (edge.cpp wires them, edge_clients.cpp serves the sockets,
// edge_calls.cpp asks the nodes).

#include "http_edge/connection.hpp"
#include "http_edge/edge.hpp"
#include "http_edge/http_metrics.hpp"
#include "http_edge/node_slots.hpp"
#include "http_edge/readiness.hpp"
#include "http_edge/transport.hpp"

#include <caf/io/broker.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace microshop::http_edge {

using clock = std::chrono::steady_clock;

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
  /// The socket's own unsent bytes (SIOCOUTQ) at the last tick: a client
  /// reading through a small window drains them long before the socket
  /// takes more from CAF's stream (which is what reports progress).
  size_t kernel_queued = 0;
  /// What this connection counts against `edge_state::buffered`.
  size_t accounted = 0;
};

/// Counts every answer in the edge's metrics and, with `--access-log`, logs
/// it.
struct edge_observer : answer_observer {
  http_metrics* metrics = nullptr;
  bool access_log = false;

  void on_answer(resource r, method_label m, int status,
                 std::chrono::steady_clock::duration d,
                 std::string_view request_id) override;
};

struct edge_state {
  edge_config cfg;
  /// Requests answered, by route, method and status; durations; batches.
  http_metrics metrics;
  edge_observer observer;
  /// The nodes of each service, in map order (sized once at start).
  user_nodes users;
  order_nodes orders;
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
  /// A flush message is on its way to the edge's own mailbox.
  bool flush_scheduled = false;
  /// What the nodes said of their links (the user nodes, then the order
  /// nodes), and the `GET /readyz` requests waiting for the round running.
  links_probe probe;
  std::vector<slot_ref> readiness_waiting;
};

using edge_broker = caf::io::stateful_broker<edge_state>;

// -- edge_clients.cpp: the client sockets ------------------------------------

/// A 503 saying `what`, with `Retry-After: 1`.
response overloaded(std::string_view what);

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

/// Starts a connect attempt on every node link that needs one.
void poll_nodes(edge_broker* self);

// -- edge_metrics.cpp: GET /metrics ------------------------------------------

/// Answers `GET /metrics` at `ref` once every connected node reported its
/// samples or `cfg.metrics_timeout` passed.
void answer_metrics(edge_broker* self, const slot_ref& ref);

// -- edge_ready.cpp: GET /readyz ---------------------------------------------

/// Answers `GET /readyz` at `ref`: at once while what the nodes last said of
/// their links is fresh, else when the round that asks them ends.
void answer_readiness(edge_broker* self, const slot_ref& ref);

/// Counts the node at `k` (user nodes first, then order nodes) as lost for
/// the round running, if it waits on it.
void readiness_node_lost(edge_broker* self, size_t k);

// -- edge_lists.cpp: lists over every node of a service -----------------------

/// Whether the connection that sent the request at `ref` is still there.
bool client_alive(edge_broker* self, const slot_ref& ref);

/// Ends the call with `ticket` at `gate` and sends the next waiting one
/// whose client is still there (an abandoned call costs the node nothing).
void leave(edge_broker* self, call_gate& gate, uint64_t ticket);

/// Asks every user node for `p` (each through its gate) and answers `ref`
/// with the merged page, or with the first failure.
void list_all_users(edge_broker* self, slot_ref ref, const actors::page& p);

/// As `list_all_users`, for the orders of `q` (no `user_id`).
void list_all_orders(edge_broker* self, slot_ref ref,
                     const actors::order_query& q);

/// Answers 503 now for every list still waiting on node `i` of the service.
void fail_user_lists(edge_broker* self, size_t i);
void fail_order_lists(edge_broker* self, size_t j);

/// Forgets lists that are answered or abandoned.
void prune_lists(edge_broker* self);

} // namespace microshop::http_edge
