#include "http_edge/edge.hpp"

#include "actors/ids.hpp"
#include "actors/order_api.hpp"
#include "actors/user_api.hpp"
#include "http_edge/api.hpp"
#include "http_edge/batcher.hpp"
#include "http_edge/connection.hpp"
#include "http_edge/router.hpp"
#include "http_edge/routes.hpp"
#include "http_edge/transport.hpp"
#include "persistence/errc.hpp"

#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <sys/resource.h>
#include <unordered_map>

CAF_ADD_ATOM(microshop, microshop::http_edge, listen_atom, "listen")

namespace microshop::http_edge {

namespace {

using caf::io::connection_handle;
using persistence::errc;
using namespace std::chrono_literals;

constexpr auto tick_interval = std::chrono::milliseconds(100);
/// How long a closed connection may linger to read the client's FIN.
constexpr auto linger_for = std::chrono::seconds(2);
/// Backoff bounds while `accept` has no file descriptors.
constexpr auto min_accept_backoff = std::chrono::milliseconds(100);
constexpr auto max_accept_backoff = std::chrono::seconds(1);

/// Which node a pending response waits for (a slot tag of `connection`).
enum class waits_on : uint8_t { nothing, users, orders };

/// A client connection and its socket.
struct client {
  std::unique_ptr<connection> conn;
  http_scribe_ptr io;
  /// Answers written to the socket's buffer and not yet sent, as last known.
  size_t unsent = 0;
  /// Write progress is reported (while the output is large).
  bool acking = false;
  /// When output last made progress, or reading last resumed.
  clock::time_point progress_at;
  /// What this connection counts against `edge_state::buffered`.
  size_t accounted = 0;
};

struct edge_state {
  edge_config cfg;
  actors::peer_link<actors::user_actor> users;
  actors::peer_link<actors::order_actor> orders;
  std::unordered_map<connection_handle, client> clients;
  uint64_t next_conn_id = 1;
  /// Bytes of requests and answers held for all connections.
  size_t buffered = 0;
  http_doorman_ptr doorman;
  /// Connections closed by the edge, waiting for the client's FIN.
  std::vector<std::pair<clock::time_point, http_scribe_ptr>> lingering;
  /// While `accept` runs out of descriptors: when to try again, and the
  /// next wait.
  std::optional<clock::time_point> accept_retry_at;
  caf::timespan accept_backoff = min_accept_backoff;
  /// When running out of descriptors was last logged (at most once a
  /// minute), and whether the recovery is still to be logged.
  std::optional<clock::time_point> accept_logged_at;
  bool log_accept_recovery = false;
  /// A read is one step on the user node: one message at a time makes the
  /// largest batches (measured against 2, 4 and 8: the same or more req/s
  /// for less CPU).
  batch<std::string> user_gets{1};
  /// An order takes three steps on two nodes (verify there, write here):
  /// with three in flight the steps overlap (measured: +20 % req/s and a
  /// lower p99 than with one).
  batch<actors::new_order> order_creates{3};
  /// A flush message is on its way to the edge's own mailbox.
  bool flush_scheduled = false;
};

using edge_broker = caf::io::stateful_broker<edge_state>;

void pump(edge_broker* self, connection_handle hdl);

/// How the edge ends a connection.
enum class ending {
  /// After what it has written: FIN, then the socket lingers for the
  /// client's close (at most `linger_for`).
  graceful,
  /// At once, with a reset (a client that does not read).
  reset,
  /// The client is gone already.
  gone,
};

/// Forgets the connection on `hdl` and ends its socket as `how` says.
void drop_client(edge_broker* self, connection_handle hdl, ending how) {
  auto& st = self->state;
  auto i = st.clients.find(hdl);
  if (i == st.clients.end())
    return;
  st.buffered -= i->second.accounted;
  auto io = std::move(i->second.io);
  st.clients.erase(i);
  if (how == ending::graceful) {
    close_gracefully(self, *io);
    st.lingering.emplace_back(clock::now() + linger_for, std::move(io));
  } else if (how == ending::reset) {
    abort(*io);
  }
}

/// Writes what is due on `hdl`, closes it when it is done, and pauses or
/// resumes reading by its limits.
void write_out(edge_broker* self, connection_handle hdl, client& cl) {
  auto& buf = self->wr_buf(hdl);
  bool close = cl.conn->write(buf);
  cl.unsent = buf.size();
  if (!buf.empty())
    self->flush(hdl);
  if (close) {
    drop_client(self, hdl, ending::graceful);
    return;
  }
  auto& lim = self->state.cfg.conn_limits;
  if (cl.unsent > lim.max_unsent_bytes / 2 && !cl.acking) {
    // Large output: follow its progress, to resume reading when it drained.
    cl.acking = true;
    cl.progress_at = clock::now();
    self->ack_writes(hdl, true);
  }
  bool paused = reading_paused(*cl.io);
  bool wanted = cl.conn->wants_input(cl.unsent, paused);
  if (wanted && paused) {
    cl.conn->restart_clock(clock::now());
    resume_reading(*cl.io);
  } else if (!wanted && !paused && !cl.conn->read_closed()) {
    pause_reading(*cl.io);
  }
  // Count what this connection holds against the edge's total.
  auto held = cl.conn->buffered_bytes() + cl.unsent;
  self->state.buffered += held - cl.accounted;
  cl.accounted = held;
}

/// Answers the request at `ref` unless its connection is gone (a socket
/// reused by another client counts as gone) or it is already answered.
void complete(edge_broker* self, const slot_ref& ref, response resp) {
  auto i = self->state.clients.find(ref.hdl);
  if (i == self->state.clients.end() || i->second.conn->id() != ref.conn)
    return;
  if (!i->second.conn->answer(ref.seq, std::move(resp)))
    return;
  pump(self, ref.hdl);
}

/// Maps a failed call to the user service or the order service.
response user_error(const caf::error& err) {
  return error_to_response(err, "User");
}

response order_error(const caf::error& err) {
  return error_to_response(err, "Order");
}

/// Asks a node and completes the slot with `on_value(reply)` or
/// `on_error(err)`; the slot is tagged with the node so that its loss
/// answers 503 at once.
template <class Reply, class Handle, class OnValue, class... Ts>
void ask(edge_broker* self, slot_ref ref, connection& c,
         const actors::peer_link<Handle>& link, waits_on node,
         response (*on_error)(const caf::error&), OnValue on_value,
         Ts&&... xs) {
  if (!link.connected()) {
    complete(self, ref, on_error(caf::sec::no_route_to_receiving_node));
    return;
  }
  c.set_tag(ref.seq, static_cast<uint8_t>(node));
  self->request(link.handle(), self->state.cfg.request_timeout,
                std::forward<Ts>(xs)...)
      .then([=](Reply& reply) { complete(self, ref, on_value(reply)); },
            [=](caf::error& err) { complete(self, ref, on_error(err)); });
}

void flush_batches(edge_broker* self);

/// Sends what batch `b` has gathered to the node behind `link`, as far as
/// its `max_in_flight` allows, and completes each slot with
/// `on_value(result.value)` or `on_error(result.err)`.
template <class Result, class Item, class Handle, class Atom, class OnValue>
void send_batch(edge_broker* self, batch<Item>& b,
                const actors::peer_link<Handle>& link, Atom atom,
                response (*on_error)(const caf::error&), OnValue on_value) {
  while (!b.empty() && b.in_flight < b.max_in_flight) {
    auto [items, taken] = b.take(max_batch);
    auto slots = std::make_shared<std::vector<slot_ref>>(std::move(taken));
    if (!link.connected()) {
      for (auto& s : *slots)
        complete(self, s, on_error(caf::sec::no_route_to_receiving_node));
      continue;
    }
    ++b.in_flight;
    b.sent_at = clock::now();
    // Called once per message with its answer or error: frees its place and
    // sends what gathered meanwhile.
    auto done = [self, bp = &b, epoch = b.epoch] {
      if (bp->epoch == epoch)
        --bp->in_flight;
      flush_batches(self);
    };
    self->request(link.handle(), self->state.cfg.request_timeout, atom,
                  std::move(items))
        .then(
            [=](std::vector<Result>& results) {
              for (size_t i = 0; i < slots->size(); ++i) {
                auto& s = (*slots)[i];
                if (i >= results.size())
                  complete(self, s, on_error(caf::sec::unexpected_response));
                else if (results[i].err)
                  complete(self, s, on_error(results[i].err));
                else
                  complete(self, s, on_value(results[i].value));
              }
              done();
            },
            [=](caf::error& err) {
              for (auto& s : *slots)
                complete(self, s, on_error(err));
              done();
            });
  }
}

/// Sends every gathered batch, as far as each one's `max_in_flight` allows.
void flush_batches(edge_broker* self) {
  auto& st = self->state;
  send_batch<actors::user_result>(self, st.user_gets, st.users,
                                  actors::get_atom_v, user_error,
                                  [](actors::user& u) { return found(u); });
  send_batch<actors::order_result>(self, st.order_creates, st.orders,
                                   actors::create_atom_v, order_create_error,
                                   [](actors::order& o) { return created(o); });
}

/// Adds a request to `b`, answered through `ref`, and makes sure the batch
/// goes out this round.
template <class Item, class Handle>
void gather(edge_broker* self, slot_ref ref, connection& c, batch<Item>& b,
            Item x, const actors::peer_link<Handle>& link, waits_on node,
            response (*on_error)(const caf::error&)) {
  if (!link.connected()) {
    complete(self, ref, on_error(caf::sec::no_route_to_receiving_node));
    return;
  }
  c.set_tag(ref.seq, static_cast<uint8_t>(node));
  b.items.push_back(std::move(x));
  b.slots.push_back(ref);
  if (b.items.size() >= max_batch) {
    flush_batches(self);
  } else if (!self->state.flush_scheduled) {
    self->state.flush_scheduled = true;
    self->send(self, caf::flush_atom_v);
  }
}

/// Answers one request, now or when a node replies.
void dispatch(edge_broker* self, slot_ref ref, connection& c,
              http_request& req) {
  auto& st = self->state;
  auto rt = match(req.target);
  auto done = [&](response r) { complete(self, ref, std::move(r)); };
  if (rt.target == resource::none)
    return done(error_response(404, "Not found"));
  if (!allows(rt.target, req.method)) {
    auto r = error_response(405, "Method " + req.method + " not allowed");
    r.headers.emplace_back("Allow", std::string{allowed_methods(rt.target)});
    return done(std::move(r));
  }
  if (req.method == "OPTIONS")
    return done(preflight(req, rt.target));
  bool post = req.method == "POST";
  switch (rt.target) {
  case resource::healthz:
    return done(response{200, "{\"status\":\"ok\"}"});
  case resource::readyz:
    return done(readiness(st.users.connected(), st.orders.connected()));
  case resource::users:
    if (post) {
      auto [x, fail] = parse_body(req, parse_new_user);
      if (fail)
        return done(std::move(*fail));
      return ask<actors::user>(
          self, ref, c, st.users, waits_on::users, user_error,
          [](actors::user& u) { return created(u); }, actors::create_atom_v,
          std::move(*x));
    } else {
      auto p = parse_page(rt.query);
      if (!p)
        return done(error_response(400, persistence::error_text(p.error())));
      return ask<actors::user_page>(
          self, ref, c, st.users, waits_on::users, user_error,
          [p = *p](actors::user_page& x) { return listed(x, p); },
          actors::list_atom_v, *p);
    }
  case resource::user:
    if (!actors::is_valid_id(rt.id))
      return done(error_response(404, "User not found"));
    return gather(self, ref, c, st.user_gets, std::move(rt.id), st.users,
                  waits_on::users, user_error);
  case resource::orders:
    if (post) {
      auto [x, fail] = parse_body(req, parse_new_order);
      if (fail)
        return done(std::move(*fail));
      return gather(self, ref, c, st.order_creates, std::move(*x), st.orders,
                    waits_on::orders, order_create_error);
    } else {
      auto q = parse_order_query(rt.query);
      if (!q)
        return done(error_response(400, persistence::error_text(q.error())));
      return ask<actors::order_page>(
          self, ref, c, st.orders, waits_on::orders, order_error,
          [q = *q](actors::order_page& x) { return listed(x, q); },
          actors::list_atom_v, *q);
    }
  case resource::order:
    if (!actors::is_valid_id(rt.id))
      return done(error_response(404, "Order not found"));
    return ask<actors::order>(
        self, ref, c, st.orders, waits_on::orders, order_error,
        [](actors::order& o) { return found(o); }, actors::get_atom_v,
        std::move(rt.id));
  case resource::none:
    break;
  }
}

/// Dispatches the requests `hdl` has read as far as its limits allow, then
/// writes what is due.
void pump(edge_broker* self, connection_handle hdl) {
  auto i = self->state.clients.find(hdl);
  if (i == self->state.clients.end())
    return;
  auto& cl = i->second;
  auto id = cl.conn->id();
  while (auto next = cl.conn->next_request()) {
    dispatch(self, {hdl, id, next->first}, *cl.conn, next->second);
    // An answer given at once may have closed the connection.
    i = self->state.clients.find(hdl);
    if (i == self->state.clients.end() || i->second.conn->id() != id)
      return;
  }
  write_out(self, hdl, cl);
}

/// Answers 503 now for every request still waiting on `node`.
void fail_pending(edge_broker* self, waits_on node, std::string_view service) {
  std::vector<slot_ref> waiting;
  for (auto& [hdl, cl] : self->state.clients)
    for (auto seq : cl.conn->waiting_on(static_cast<uint8_t>(node)))
      waiting.push_back({hdl, cl.conn->id(), seq});
  for (auto& ref : waiting)
    complete(self, ref, unavailable(service));
}

response overloaded(std::string_view what) {
  auto r = error_response(503, what);
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

void on_data(edge_broker* self, caf::io::new_data_msg& msg) {
  auto& st = self->state;
  auto i = st.clients.find(msg.handle);
  if (i == st.clients.end())
    return;
  auto& cl = i->second;
  if (msg.buf.empty()) {
    // The client half-closed: answer what it sent, then close.
    cl.conn->receive_eof();
  } else {
    cl.conn->receive(msg.buf.data(), msg.buf.size(), clock::now());
    auto held = cl.conn->buffered_bytes() + cl.unsent;
    if (st.buffered - cl.accounted + held > st.cfg.max_buffered_bytes)
      cl.conn->refuse(overloaded("Server is out of request memory"));
  }
  pump(self, msg.handle);
}

void on_new_connection(edge_broker* self,
                       const caf::io::new_connection_msg& msg) {
  auto& st = self->state;
  auto io = take_accepted(*st.doorman);
  if (!io)
    return;
  if (st.accept_retry_at) {
    st.accept_retry_at.reset();
    st.accept_backoff = min_accept_backoff;
  }
  if (st.log_accept_recovery && !accept_exhausted(*st.doorman)) {
    std::cerr << "edge_node: accepting connections again" << std::endl;
    st.log_accept_recovery = false;
  }
  self->configure_read(msg.handle,
                       caf::io::receive_policy::at_most(size_t{16} * 1024));
  if (st.clients.size() >= st.cfg.max_connections) {
    std::vector<char> out;
    write_response(overloaded("Too many connections"), false, false,
                   self->wr_buf(msg.handle));
    self->flush(msg.handle);
    close_gracefully(self, *io);
    st.lingering.emplace_back(clock::now() + linger_for, std::move(io));
    return;
  }
  auto now = clock::now();
  client cl;
  cl.conn = std::make_unique<connection>(st.next_conn_id++, st.cfg.limits,
                                         st.cfg.conn_limits, now);
  cl.io = std::move(io);
  cl.progress_at = now;
  st.clients.emplace(msg.handle, std::move(cl));
}

void on_transferred(edge_broker* self,
                    const caf::io::data_transferred_msg& msg) {
  auto i = self->state.clients.find(msg.handle);
  if (i == self->state.clients.end())
    return;
  auto& cl = i->second;
  cl.progress_at = clock::now();
  cl.unsent = msg.remaining;
  if (cl.unsent == 0) {
    cl.acking = false;
    self->ack_writes(msg.handle, false);
  }
  write_out(self, msg.handle, cl);
}

/// Deadlines of every connection, lingering sockets, accept backoff.
void on_tick(edge_broker* self) {
  auto& st = self->state;
  auto now = clock::now();
  std::vector<connection_handle> idle;
  std::vector<connection_handle> stalled;
  std::vector<connection_handle> refused;
  for (auto& [hdl, cl] : st.clients) {
    if (cl.acking && cl.unsent > 0 &&
        now - cl.progress_at > st.cfg.conn_limits.idle_timeout) {
      stalled.push_back(hdl); // a client that does not read its answers
    } else if (reading_paused(*cl.io)) {
      continue; // waiting for the edge, not for the client
    } else if (cl.conn->check_deadlines(now)) {
      idle.push_back(hdl);
    } else if (cl.conn->read_closed()) {
      refused.push_back(hdl);
    }
  }
  for (auto hdl : stalled)
    drop_client(self, hdl, ending::reset);
  for (auto hdl : idle)
    drop_client(self, hdl, ending::graceful);
  for (auto hdl : refused)
    pump(self, hdl);
  std::erase_if(st.lingering, [&](auto& x) {
    if (!is_open(*x.second))
      return true;
    if (now < x.first)
      return false;
    abort(*x.second);
    return true;
  });
  if (auto err = accept_exhausted(*st.doorman); err != 0) {
    if (!st.accept_retry_at) {
      if (!st.accept_logged_at || now - *st.accept_logged_at > 60s) {
        std::cerr << "edge_node: accept failed: " << std::strerror(err)
                  << "; new connections wait until descriptors free up"
                  << std::endl;
        st.accept_logged_at = now;
        st.log_accept_recovery = true;
      }
      st.accept_retry_at = now + st.accept_backoff;
    } else if (now >= *st.accept_retry_at) {
      st.accept_backoff =
          std::min<caf::timespan>(max_accept_backoff, st.accept_backoff * 2);
      st.accept_retry_at = now + st.accept_backoff;
      resume_accepting(*st.doorman);
    }
  }
}

caf::behavior edge_main(edge_broker* self, const edge_config& cfg) {
  auto& st = self->state;
  st.cfg = cfg;
  st.users = {cfg.users, cfg.connect_timeout};
  st.orders = {cfg.orders, cfg.connect_timeout};
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    // Requests gathered for the lost node are answered 503 and never sent.
    if (st.users.on_down(dm)) {
      fail_pending(self, waits_on::users, "User");
      st.user_gets.reset();
      st.users.poll(self);
    } else if (st.orders.on_down(dm)) {
      fail_pending(self, waits_on::orders, "Order");
      st.order_creates.reset();
      st.orders.poll(self);
    }
  });
  return {
      [=](listen_atom, const std::string& host,
          uint16_t port) -> caf::result<uint16_t> {
        auto res = add_http_doorman(self, port, host);
        if (!res)
          return std::move(res.error());
        self->state.doorman = std::move(res->first);
        // Connect to the nodes only once the HTTP port is ours: an outgoing
        // connection could otherwise take that port as its local port.
        self->state.users.poll(self);
        self->state.orders.poll(self);
        self->delayed_send(self, tick_interval, actors::tick_atom_v);
        return res->second;
      },
      [=](const caf::io::new_connection_msg& msg) {
        on_new_connection(self, msg);
      },
      [=](caf::io::new_data_msg& msg) { on_data(self, msg); },
      [=](const caf::io::data_transferred_msg& msg) {
        on_transferred(self, msg);
      },
      [=](const caf::io::connection_closed_msg& msg) {
        drop_client(self, msg.handle, ending::gone);
      },
      [=](const caf::io::acceptor_closed_msg&) {
        // The listening socket is gone: nothing more to serve.
        self->quit();
      },
      [=](caf::flush_atom) {
        self->state.flush_scheduled = false;
        flush_batches(self);
      },
      [=](actors::tick_atom) {
        auto& st = self->state;
        st.users.poll(self);
        st.orders.poll(self);
        on_tick(self);
        auto now = clock::now();
        bool released = st.user_gets.release_if_stalled(now);
        released = st.order_creates.release_if_stalled(now) || released;
        if (released)
          flush_batches(self);
        self->delayed_send(self, tick_interval, actors::tick_atom_v);
      },
  };
}

/// Raises the soft limit on open files to the hard limit; returns the limit
/// in force.
size_t raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  return static_cast<size_t>(lim.rlim_cur);
}

} // namespace

caf::expected<std::pair<caf::actor, uint16_t>>
start_edge(caf::actor_system& sys, edge_config cfg) {
  // Keep descriptors for node links and files: past the cap a client gets
  // 503, not a failing accept.
  auto fds = raise_fd_limit();
  constexpr size_t reserve = 64;
  if (fds > reserve && cfg.max_connections > fds - reserve) {
    cfg.max_connections = fds - reserve;
    std::cout << "edge_node: at most " << cfg.max_connections
              << " connections (open file limit " << fds << ")" << std::endl;
  }
  auto edge = sys.middleman().spawn_broker(edge_main, cfg);
  caf::scoped_actor self{sys};
  caf::expected<std::pair<caf::actor, uint16_t>> result{caf::error{}};
  self->request(edge, std::chrono::seconds(10), listen_atom_v, cfg.host,
                cfg.port)
      .receive([&](uint16_t port) { result = std::make_pair(edge, port); },
               [&](caf::error& err) {
                 self->send_exit(edge, caf::exit_reason::user_shutdown);
                 result = std::move(err);
               });
  return result;
}

} // namespace microshop::http_edge
