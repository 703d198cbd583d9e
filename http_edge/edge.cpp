#include "http_edge/edge.hpp"

#include "actors/ids.hpp"
#include "actors/order_api.hpp"
#include "actors/user_api.hpp"
#include "actors/validation.hpp"
#include "http_edge/api.hpp"
#include "http_edge/router.hpp"
#include "persistence/errc.hpp"

#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>

CAF_ADD_ATOM(microshop, microshop::http_edge, listen_atom, "listen")

namespace microshop::http_edge {

namespace {

using caf::io::connection_handle;
using clock = std::chrono::steady_clock;
using persistence::errc;

constexpr auto tick_interval = std::chrono::milliseconds(100);

/// Which node a pending response waits for.
enum class waits_on { nothing, users, orders };

/// A response slot: requests on one connection are answered in order.
struct slot {
  bool ready = false;
  bool keep_alive = true;
  waits_on node = waits_on::nothing;
  response resp;
};

struct connection {
  explicit connection(request_limits limits) : parser(limits) {
    // nop
  }
  request_parser parser;
  uint64_t next_seq = 0;
  uint64_t next_out = 0;
  std::map<uint64_t, slot> slots;
  /// No further requests are read (after Connection: close or an error).
  bool closing = false;
  clock::time_point last_rx = clock::now();
};

/// At most this many requests go in one message.
constexpr size_t max_batch = 256;
/// A message unanswered this long no longer holds back the next one, so that
/// a stalled node delays gathered requests by about this, not by a timeout.
constexpr auto stall_after = std::chrono::milliseconds(100);

/// Where the answer to one request goes.
struct slot_ref {
  connection_handle hdl;
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

struct edge_state {
  edge_config cfg;
  actors::peer_link<actors::user_actor> users;
  actors::peer_link<actors::order_actor> orders;
  std::unordered_map<connection_handle, std::unique_ptr<connection>> conns;
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

/// Sends what is ready, in order; closes the connection after a response
/// that ends it.
void flush_ready(edge_broker* self, connection_handle hdl, connection& c) {
  auto& buf = self->wr_buf(hdl);
  bool close = false;
  for (auto i = c.slots.find(c.next_out); i != c.slots.end() && i->second.ready;
       i = c.slots.find(c.next_out)) {
    auto& s = i->second;
    close = !s.keep_alive;
    write_response(s.resp, !close, buf);
    c.slots.erase(i);
    ++c.next_out;
    if (close)
      break;
  }
  self->flush(hdl);
  if (close) {
    self->close(hdl);
    self->state.conns.erase(hdl);
  }
}

/// Fills slot `seq` of `hdl` unless the connection or slot is gone or
/// already answered (a late reply after a node was declared down).
void complete(edge_broker* self, connection_handle hdl, uint64_t seq,
              response resp) {
  auto ci = self->state.conns.find(hdl);
  if (ci == self->state.conns.end())
    return;
  auto& c = *ci->second;
  auto si = c.slots.find(seq);
  if (si == c.slots.end() || si->second.ready)
    return;
  si->second.ready = true;
  si->second.node = waits_on::nothing;
  si->second.resp = std::move(resp);
  if (seq == c.next_out)
    flush_ready(self, hdl, c);
}

/// Maps a failed call to the user service or the order service.
response user_error(const caf::error& err) {
  return error_to_response(err, "User");
}

response order_error(const caf::error& err) {
  return error_to_response(err, "Order");
}

/// Asks a node and completes the slot with `on_value(reply)` or
/// `on_error(err)`; the slot remembers the node so that its loss answers 503
/// at once.
template <class Reply, class Handle, class OnValue, class... Ts>
void ask(edge_broker* self, connection_handle hdl, uint64_t seq,
         const actors::peer_link<Handle>& link, waits_on node,
         response (*on_error)(const caf::error&), OnValue on_value,
         Ts&&... xs) {
  if (!link.connected()) {
    complete(self, hdl, seq, on_error(caf::sec::no_route_to_receiving_node));
    return;
  }
  self->state.conns.at(hdl)->slots.at(seq).node = node;
  self->request(link.handle(), self->state.cfg.request_timeout,
                std::forward<Ts>(xs)...)
      .then([=](Reply& reply) { complete(self, hdl, seq, on_value(reply)); },
            [=](caf::error& err) { complete(self, hdl, seq, on_error(err)); });
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
        complete(self, s.hdl, s.seq,
                 on_error(caf::sec::no_route_to_receiving_node));
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
                  complete(self, s.hdl, s.seq,
                           on_error(caf::sec::unexpected_response));
                else if (results[i].err)
                  complete(self, s.hdl, s.seq, on_error(results[i].err));
                else
                  complete(self, s.hdl, s.seq, on_value(results[i].value));
              }
              done();
            },
            [=](caf::error& err) {
              for (auto& s : *slots)
                complete(self, s.hdl, s.seq, on_error(err));
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

/// Adds a request to `b`, answered through slot `seq` of `hdl`, and makes
/// sure the batch goes out this round.
template <class Item, class Handle>
void gather(edge_broker* self, connection_handle hdl, uint64_t seq,
            batch<Item>& b, Item x, const actors::peer_link<Handle>& link,
            waits_on node, response (*on_error)(const caf::error&)) {
  if (!link.connected()) {
    complete(self, hdl, seq, on_error(caf::sec::no_route_to_receiving_node));
    return;
  }
  self->state.conns.at(hdl)->slots.at(seq).node = node;
  b.items.push_back(std::move(x));
  b.slots.push_back({hdl, seq});
  if (b.items.size() >= max_batch) {
    flush_batches(self);
  } else if (!self->state.flush_scheduled) {
    self->state.flush_scheduled = true;
    self->send(self, caf::flush_atom_v);
  }
}

response preflight(const http_request& req, resource r) {
  response resp{204};
  resp.headers.emplace_back("Access-Control-Allow-Methods",
                            std::string{allowed_methods(r)});
  auto requested = req.header("access-control-request-headers");
  resp.headers.emplace_back("Access-Control-Allow-Headers",
                            requested ? *requested : "Content-Type");
  resp.headers.emplace_back("Access-Control-Max-Age", "600");
  return resp;
}

response readiness(const edge_state& st) {
  bool ready = st.users.connected() && st.orders.connected();
  auto connected = [](bool up) { return up ? "true" : "false"; };
  response r{ready ? 200 : 503};
  r.body = "{";
  if (!ready)
    r.body += "\"error\":\"Not ready: a node is not connected\",";
  r.body += ready ? "\"status\":\"ready\"" : "\"status\":\"not ready\"";
  r.body += ",\"nodes\":{\"users\":{\"connected\":";
  r.body += connected(st.users.connected());
  r.body += "},\"orders\":{\"connected\":";
  r.body += connected(st.orders.connected());
  r.body += "}}}";
  return r;
}

/// Validates a POST body's media type and parses it.
template <class Parse>
auto parse_body(const http_request& req, Parse parse)
    -> std::pair<decltype(parse(req.body)), std::optional<response>> {
  if (!is_json_content_type(req.header("content-type")))
    return {caf::error{},
            error_response(415, "Content-Type must be application/json")};
  auto x = parse(req.body);
  if (!x)
    return {std::move(x),
            error_response(400, persistence::error_text(x.error()))};
  if (auto err = actors::validate(*x)) {
    auto resp = persistence::is(err, errc::user_not_found)
                    ? error_response(400, "User not found")
                    : error_response(400, persistence::error_text(err));
    return {std::move(x), std::move(resp)};
  }
  return {std::move(x), std::nullopt};
}

/// Answers one request, now or when a node replies.
void dispatch(edge_broker* self, connection_handle hdl, uint64_t seq,
              http_request& req) {
  auto& st = self->state;
  auto rt = match(req.target);
  auto done = [&](response r) { complete(self, hdl, seq, std::move(r)); };
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
    return done(readiness(st));
  case resource::users:
    if (post) {
      auto [x, fail] = parse_body(req, parse_new_user);
      if (fail)
        return done(std::move(*fail));
      return ask<actors::user>(
          self, hdl, seq, st.users, waits_on::users, user_error,
          [](actors::user& u) { return created(u); }, actors::create_atom_v,
          std::move(*x));
    } else {
      auto p = parse_page(rt.query);
      if (!p)
        return done(error_response(400, persistence::error_text(p.error())));
      return ask<actors::user_page>(
          self, hdl, seq, st.users, waits_on::users, user_error,
          [p = *p](actors::user_page& x) { return listed(x, p); },
          actors::list_atom_v, *p);
    }
  case resource::user:
    if (!actors::is_valid_id(rt.id))
      return done(error_response(404, "User not found"));
    return gather(self, hdl, seq, st.user_gets, std::move(rt.id), st.users,
                  waits_on::users, user_error);
  case resource::orders:
    if (post) {
      auto [x, fail] = parse_body(req, parse_new_order);
      if (fail)
        return done(std::move(*fail));
      return gather(self, hdl, seq, st.order_creates, std::move(*x), st.orders,
                    waits_on::orders, order_create_error);
    } else {
      auto q = parse_order_query(rt.query);
      if (!q)
        return done(error_response(400, persistence::error_text(q.error())));
      return ask<actors::order_page>(
          self, hdl, seq, st.orders, waits_on::orders, order_error,
          [q = *q](actors::order_page& x) { return listed(x, q); },
          actors::list_atom_v, *q);
    }
  case resource::order:
    if (!actors::is_valid_id(rt.id))
      return done(error_response(404, "Order not found"));
    return ask<actors::order>(
        self, hdl, seq, st.orders, waits_on::orders, order_error,
        [](actors::order& o) { return found(o); }, actors::get_atom_v,
        std::move(rt.id));
  case resource::none:
    break;
  }
}

/// Answers 503 now for every request still waiting on `node`.
void fail_pending(edge_broker* self, waits_on node, std::string_view service) {
  std::vector<std::pair<connection_handle, uint64_t>> waiting;
  for (auto& [hdl, c] : self->state.conns)
    for (auto& [seq, s] : c->slots)
      if (!s.ready && s.node == node)
        waiting.emplace_back(hdl, seq);
  for (auto& [hdl, seq] : waiting)
    complete(self, hdl, seq, unavailable(service));
}

void on_data(edge_broker* self, caf::io::new_data_msg& msg) {
  auto ci = self->state.conns.find(msg.handle);
  if (ci == self->state.conns.end())
    return;
  auto& c = *ci->second;
  c.last_rx = clock::now();
  if (c.closing)
    return;
  std::vector<http_request> requests;
  auto failed = c.parser.feed(msg.buf.data(), msg.buf.size(), requests);
  auto hdl = msg.handle;
  for (auto& req : requests) {
    auto seq = c.next_seq++;
    c.slots[seq].keep_alive = req.keep_alive;
    if (!req.keep_alive)
      c.closing = true;
    dispatch(self, hdl, seq, req);
    // A response that closed the connection also destroyed `c`.
    if (self->state.conns.count(hdl) == 0 || c.closing)
      break;
  }
  if (failed != 0 && self->state.conns.count(hdl) != 0 && !c.closing) {
    c.closing = true;
    auto seq = c.next_seq++;
    c.slots[seq].keep_alive = false;
    auto text = failed == 413   ? "Request body exceeds 1 MiB"
                : failed == 431 ? "Request headers exceed 8 KiB"
                                : "Malformed HTTP request";
    complete(self, hdl, seq, error_response(failed, text));
  }
}

void sweep_idle(edge_broker* self) {
  auto now = clock::now();
  std::vector<connection_handle> idle;
  for (auto& [hdl, c] : self->state.conns)
    if (c->slots.empty() && now - c->last_rx > self->state.cfg.idle_timeout)
      idle.push_back(hdl);
  for (auto hdl : idle) {
    self->close(hdl);
    self->state.conns.erase(hdl);
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
        auto res = self->add_tcp_doorman(port, host.c_str(), true);
        if (!res)
          return std::move(res.error());
        // Connect to the nodes only once the HTTP port is ours: an outgoing
        // connection could otherwise take that port as its local port.
        self->state.users.poll(self);
        self->state.orders.poll(self);
        self->delayed_send(self, tick_interval, actors::tick_atom_v);
        return res->second;
      },
      [=](const caf::io::new_connection_msg& msg) {
        self->state.conns.emplace(
            msg.handle, std::make_unique<connection>(self->state.cfg.limits));
        self->configure_read(
            msg.handle, caf::io::receive_policy::at_most(size_t{16} * 1024));
      },
      [=](caf::io::new_data_msg& msg) { on_data(self, msg); },
      [=](const caf::io::connection_closed_msg& msg) {
        self->state.conns.erase(msg.handle);
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
        sweep_idle(self);
        auto now = clock::now();
        bool released = st.user_gets.release_if_stalled(now);
        released = st.order_creates.release_if_stalled(now) || released;
        if (released)
          flush_batches(self);
        self->delayed_send(self, tick_interval, actors::tick_atom_v);
      },
  };
}

} // namespace

caf::expected<std::pair<caf::actor, uint16_t>>
start_edge(caf::actor_system& sys, const edge_config& cfg) {
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
