// How the edge asks the nodes: single requests with `ask`, the hot paths
// (`GET /api/users/<id>`, `POST /api/orders`) gathered by a `batcher` per
// node into one message each.

#include "actors/idempotency.hpp"
#include "actors/request_log.hpp"
#include "http_edge/api.hpp"
#include "http_edge/edge_state.hpp"
#include "http_edge/routes.hpp"

#include <caf/sec.hpp>
#include <memory>
#include <utility>

namespace microshop::http_edge {

namespace {

response user_error(const caf::error& err) {
  return error_to_response(err, "User");
}

response order_error(const caf::error& err) {
  return error_to_response(err, "Order");
}

const caf::error not_connected = caf::sec::no_route_to_receiving_node;

/// Counts a request to the node behind `link` that timed out and logs it
/// (at most 10 lines a second) with the request ids of `slots`.
template <class Handle>
void note_failure(edge_broker* self, actors::peer_link<Handle>& link,
                  const caf::error& err, const std::vector<slot_ref>& slots) {
  if (err != caf::sec::request_timeout)
    return;
  link.count_timeout();
  // Requests already answered (503 when the link was lost, or a client
  // gone) are not logged again.
  std::vector<std::string_view> waiting;
  for (auto& s : slots) {
    auto i = self->state.clients.find(s.hdl);
    if (i == self->state.clients.end() || i->second.conn->id() != s.conn)
      continue;
    const auto& id = i->second.conn->request_id(s.seq);
    if (!id.empty() && !i->second.conn->answered(s.seq))
      waiting.emplace_back(id);
  }
  if (!waiting.empty())
    actors::log_peer_failure(link.peer_name(), {}, err, waiting);
}

/// Asks a node for a create and answers `ref` with `on_value(reply)` or
/// `on_error(err)`; the request is tagged with the node so that its loss
/// answers at once (`504`: the node had the create, see `fail_pending`).
template <class Reply, class Handle, class OnValue, class... Ts>
void ask_create(edge_broker* self, slot_ref ref, connection& c,
                actors::peer_link<Handle>& link, uint8_t tag,
                response (*on_error)(const caf::error&), OnValue on_value,
                Ts&&... xs) {
  if (!link.connected())
    return complete(self, ref, on_error(not_connected));
  c.set_tag(ref.seq, tag);
  c.mark_write_sent(ref.seq);
  self->request(link.handle(), self->state.cfg.request_timeout,
                std::forward<Ts>(xs)...)
      .then([=](Reply& reply) { complete(self, ref, on_value(reply)); },
            [=, l = &link](caf::error& err) {
              note_failure(self, *l, err, {ref});
              complete(self, ref, on_error(err));
            });
}

/// As `ask`, through `gate`: sent now if fewer than its limit are in flight
/// to the node, else when a place frees up.
template <class Reply, class Handle, class OnValue, class... Ts>
void gated_ask(edge_broker* self, call_gate& gate, slot_ref ref, connection& c,
               actors::peer_link<Handle>& link, uint8_t tag,
               response (*on_error)(const caf::error&), OnValue on_value,
               Ts... xs) {
  if (!link.connected())
    return complete(self, ref, on_error(not_connected));
  c.set_tag(ref.seq, tag);
  auto run = [self, g = &gate, l = &link, ref, on_error, on_value,
              xs...](uint64_t ticket) {
    if (!l->connected()) {
      complete(self, ref, on_error(not_connected));
      return leave(self, *g, ticket);
    }
    self->request(l->handle(), self->state.cfg.request_timeout, xs...)
        .then(
            [=](Reply& reply) {
              complete(self, ref, on_value(reply));
              leave(self, *g, ticket);
            },
            [=](caf::error& err) {
              note_failure(self, *l, err, {ref});
              complete(self, ref, on_error(err));
              leave(self, *g, ticket);
            });
  };
  if (auto ticket = gate.enter())
    run(*ticket);
  else
    gate.wait({ref, std::move(run), clock::now()});
}

/// Marks the requests of `slots` as writes a node has (see
/// `connection::mark_write_sent`).
void mark_writes_sent(edge_broker* self, const std::vector<slot_ref>& slots) {
  for (auto& s : slots) {
    auto i = self->state.clients.find(s.hdl);
    if (i != self->state.clients.end() && i->second.conn->id() == s.conn)
      i->second.conn->mark_write_sent(s.seq);
  }
}

/// Sends what `b` has gathered to the node behind `link`, as far as its
/// limits allow, and answers each request with `on_result(result)`, or
/// `on_error(err)` when the whole message failed.
template <class Result, class Item, class Handle, class Atom, class OnResult>
void send_batches(edge_broker* self, batcher<Item>& b,
                  actors::peer_link<Handle>& link, batch_kind kind, Atom atom,
                  response (*on_error)(const caf::error&), OnResult on_result) {
  while (auto m = b.next(clock::now())) {
    if (self->state.cfg.metrics)
      self->state.metrics.on_batch(kind, m->items.size());
    auto slots = std::make_shared<std::vector<slot_ref>>(std::move(m->slots));
    if (!link.connected()) {
      b.on_reply(m->ticket);
      for (auto& s : *slots)
        complete(self, s, on_error(not_connected));
      continue;
    }
    // No CAF timeout: `on_calls_tick` gives the message up after the
    // request timeout (`batch_limits::answer_within`), and an answer after
    // that, or after the node was lost, finds its ticket gone.
    if (kind == batch_kind::order_create)
      mark_writes_sent(self, *slots);
    self->request(link.handle(), caf::infinite, atom, std::move(m->items))
        .then(
            [=, &b, ticket = m->ticket](std::vector<Result>& results) {
              if (!b.on_reply(ticket))
                return;
              for (size_t i = 0; i < slots->size(); ++i) {
                auto& s = (*slots)[i];
                if (i >= results.size())
                  complete(self, s, on_error(caf::sec::unexpected_response));
                else
                  complete(self, s, on_result(results[i]));
              }
              flush_batches(self);
            },
            [=, &b, ticket = m->ticket, l = &link](caf::error& err) {
              if (!b.on_reply(ticket))
                return;
              note_failure(self, *l, err, *slots);
              for (auto& s : *slots)
                complete(self, s, on_error(err));
              flush_batches(self);
            });
  }
}

/// Gathers a request in `b`, answered through `ref`, and makes sure the
/// batch goes out after this round of socket events.
template <class Item, class Handle>
void gather(edge_broker* self, slot_ref ref, connection& c, batcher<Item>& b,
            Item x, const actors::peer_link<Handle>& link, uint8_t tag,
            response (*on_error)(const caf::error&)) {
  if (!link.connected())
    return complete(self, ref, on_error(not_connected));
  c.set_tag(ref.seq, tag);
  b.add(std::move(x), ref, clock::now());
  if (b.waiting() >= b.limits().max_items) {
    flush_batches(self);
  } else if (!self->state.flush_scheduled) {
    self->state.flush_scheduled = true;
    self->send(self, caf::flush_atom_v);
  }
}

/// The answer to a `/docs` request, unless the connection already holds
/// answers it has not read (a file answer is made at once and whole: a
/// client pipelining downloads without reading would make the edge hold
/// them all) or the edge's answer budget is spent: then 503.
response held_docs_response(edge_broker* self, const slot_ref& ref,
                            connection& c, const docs_call& x) {
  auto& st = self->state;
  auto i = st.clients.find(ref.hdl);
  size_t unsent = i == st.clients.end() ? 0 : i->second.unsent;
  size_t accounted = i == st.clients.end() ? 0 : i->second.accounted;
  auto held = c.buffered_bytes() + unsent;
  auto busy = overloaded("Too many answers held for this connection: read "
                         "them before asking for more files");
  if (held > st.cfg.conn_limits.max_unsent_bytes)
    return busy;
  auto resp = docs_response(st.cfg.docs_dir, x.path, x.head);
  if (st.buffered - accounted + held + resp.body.size() >
      st.cfg.max_buffered_bytes)
    return busy;
  return resp;
}

/// Answers now every request still waiting on the node with `tag`: 503, or
/// 504 for a create the node already had (its outcome is unknown).
void fail_pending(edge_broker* self, uint8_t tag, std::string_view service) {
  std::vector<slot_ref> waiting;
  std::vector<slot_ref> unknown;
  for (auto& [hdl, cl] : self->state.clients)
    for (auto seq : cl.conn->waiting_on(tag))
      (cl.conn->write_sent(seq) ? unknown : waiting)
          .push_back({hdl, cl.conn->id(), seq});
  for (auto& ref : waiting)
    complete(self, ref, unavailable(service));
  // A create the node had (it may have stored it before it went away, or a
  // stalled node after it is dropped): outcome unknown, as for a timeout.
  auto timed_out = caf::make_error(caf::sec::request_timeout);
  for (auto& ref : unknown)
    complete(self, ref, error_to_response(timed_out, service));
}

} // namespace

void flush_batches(edge_broker* self) {
  auto& st = self->state;
  for (auto& n : st.users.nodes)
    send_batches<actors::user_result>(
        self, n.batch, n.link, batch_kind::user_get, actors::get_atom_v,
        user_error, [](actors::user_result& r) {
          return r.err ? user_error(r.err) : found(r.value);
        });
  for (auto& n : st.orders.nodes)
    send_batches<actors::order_result>(
        self, n.batch, n.link, batch_kind::order_create, actors::create_atom_v,
        order_create_error, [](actors::order_result& r) { return created(r); });
}

void dispatch(edge_broker* self, slot_ref ref, connection& c,
              http_request& req) {
  auto& st = self->state;
  const auto& map = st.cfg.map;
  using actors::service;
  auto routed = resource::none;
  auto call = route_request(req, &routed);
  c.set_route(ref.seq, routed);
  if (auto* r = std::get_if<response>(&call))
    return complete(self, ref, std::move(*r));
  if (std::holds_alternative<readiness_call>(call))
    return answer_readiness(self, ref);
  if (auto* x = std::get_if<docs_call>(&call))
    return complete(self, ref, held_docs_response(self, ref, c, *x));
  if (std::holds_alternative<metrics_call>(call))
    return st.cfg.metrics ? answer_metrics(self, ref)
                          : complete(self, ref,
                                     error_response(404, "Metrics are off "
                                                         "(--no-metrics)"));
  const auto& rid = c.request_id(ref.seq);
  if (auto* x = std::get_if<get_user_call>(&call)) {
    auto& n = st.users.nodes[actors::node_of_id(map, service::users, x->id)];
    return gather(self, ref, c, n.batch,
                  actors::id_query{std::move(x->id), rid}, n.link, n.tag,
                  user_error);
  }
  if (auto* x = std::get_if<create_order_call>(&call)) {
    x->order.request_id = rid;
    auto& n =
        st.orders
            .nodes[actors::node_of_id(map, service::orders, x->order.user_id)];
    return gather(self, ref, c, n.batch, std::move(x->order), n.link, n.tag,
                  order_create_error);
  }
  if (auto* x = std::get_if<create_user_call>(&call)) {
    x->user.request_id = rid;
    auto& nodes = st.users.nodes;
    if (!x->key.empty()) {
      // A keyed create goes where its key's outcome is stored; only that
      // node can tell a retry from a first request.
      auto& n = nodes[actors::key_node(map, x->key)];
      return ask_create<actors::user_result>(
          self, ref, c, n.link, n.tag, user_error,
          [](actors::user_result& r) { return created(r); },
          actors::create_atom_v, std::move(x->user), std::move(x->key));
    }
    auto i = round_robin(st.users.next_create, nodes.size(),
                         [&](size_t k) { return nodes[k].link.connected(); });
    if (!i)
      return complete(self, ref, user_error(not_connected));
    return ask_create<actors::user>(
        self, ref, c, nodes[*i].link, nodes[*i].tag, user_error,
        [](actors::user& u) { return created(u); }, actors::create_atom_v,
        std::move(x->user));
  }
  if (auto* x = std::get_if<list_users_call>(&call)) {
    x->page.request_id = rid;
    if (st.users.nodes.size() > 1)
      return list_all_users(self, ref, x->page);
    auto& n = st.users.nodes.front();
    return gated_ask<actors::user_page>(
        self, n.gate, ref, c, n.link, n.tag, user_error,
        [p = x->page](actors::user_page& pg) { return listed(pg, p); },
        actors::list_atom_v, x->page);
  }
  if (auto* x = std::get_if<list_orders_call>(&call)) {
    x->query.window.request_id = rid;
    if (x->query.user_id.empty() && st.orders.nodes.size() > 1)
      return list_all_orders(self, ref, x->query);
    auto& n =
        st.orders
            .nodes[actors::node_of_id(map, service::orders, x->query.user_id)];
    return gated_ask<actors::order_page>(
        self, n.gate, ref, c, n.link, n.tag, order_error,
        [q = x->query](actors::order_page& pg) { return listed(pg, q); },
        actors::list_atom_v, x->query);
  }
  if (auto* x = std::get_if<get_order_call>(&call)) {
    auto& n = st.orders.nodes[actors::node_of_id(map, service::orders, x->id)];
    return gated_ask<actors::order>(
        self, n.gate, ref, c, n.link, n.tag, order_error,
        [](actors::order& o) { return found(o); }, actors::get_atom_v,
        actors::id_query{std::move(x->id), rid});
  }
}

void on_calls_tick(edge_broker* self, clock::time_point now) {
  auto& st = self->state;
  auto timed_out = caf::make_error(caf::sec::request_timeout);
  auto expire = [&](auto& nodes, response (*batch_error)(const caf::error&),
                    response (*read_error)(const caf::error&)) {
    for (auto& n : nodes) {
      auto expired = n.batch.on_tick(now);
      if (!expired.empty())
        note_failure(self, n.link, timed_out, expired);
      for (auto& ref : expired)
        complete(self, ref, batch_error(timed_out));
      for (auto& ref : n.gate.expire(now))
        complete(self, ref, read_error(timed_out));
    }
  };
  expire(st.users.nodes, user_error, user_error);
  expire(st.orders.nodes, order_create_error, order_error);
  prune_lists(self);
  flush_batches(self);
}

bool on_node_down(edge_broker* self, const caf::down_msg& dm) {
  auto& st = self->state;
  // Everything waiting on the lost node is answered 503 at once; requests
  // gathered for it are never sent.
  auto lost = [&](auto& n, std::string_view service) {
    // The link logs its loss and the reconnect.
    if (!n.link.on_down(dm))
      return false;
    n.batch.on_node_lost();
    n.gate.reset();
    fail_pending(self, n.tag, service == "user" ? "User" : "Order");
    n.link.poll(self);
    return true;
  };
  for (size_t i = 0; i < st.users.nodes.size(); ++i)
    if (lost(st.users.nodes[i], "user")) {
      fail_user_lists(self, i);
      readiness_node_lost(self, i);
      return true;
    }
  for (size_t j = 0; j < st.orders.nodes.size(); ++j)
    if (lost(st.orders.nodes[j], "order")) {
      fail_order_lists(self, j);
      readiness_node_lost(self, st.users.nodes.size() + j);
      return true;
    }
  return false;
}

void poll_nodes(edge_broker* self) {
  for (auto& n : self->state.users.nodes)
    n.link.poll(self);
  for (auto& n : self->state.orders.nodes)
    n.link.poll(self);
}

} // namespace microshop::http_edge
