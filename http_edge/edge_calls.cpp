// How the edge asks the nodes: single requests with `ask`, the hot paths
// (`GET /api/users/<id>`, `POST /api/orders`) gathered by a `batcher` per
// node into one message each.

#include "http_edge/api.hpp"
#include "http_edge/edge_state.hpp"
#include "http_edge/routes.hpp"

#include <caf/sec.hpp>
#include <iostream>
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

/// Asks a node and answers `ref` with `on_value(reply)` or `on_error(err)`;
/// the request is tagged with the node so that its loss answers 503 at once.
template <class Reply, class Handle, class OnValue, class... Ts>
void ask(edge_broker* self, slot_ref ref, connection& c,
         const actors::peer_link<Handle>& link, waits_on node,
         response (*on_error)(const caf::error&), OnValue on_value,
         Ts&&... xs) {
  if (!link.connected())
    return complete(self, ref, on_error(not_connected));
  c.set_tag(ref.seq, static_cast<uint8_t>(node));
  self->request(link.handle(), self->state.cfg.request_timeout,
                std::forward<Ts>(xs)...)
      .then([=](Reply& reply) { complete(self, ref, on_value(reply)); },
            [=](caf::error& err) { complete(self, ref, on_error(err)); });
}

/// Whether the connection that sent the request at `ref` is still there.
bool client_alive(edge_broker* self, const slot_ref& ref) {
  auto i = self->state.clients.find(ref.hdl);
  return i != self->state.clients.end() && i->second.conn->id() == ref.conn;
}

/// Ends the call with `ticket` at `gate` and sends the next waiting one
/// whose client is still there (an abandoned call costs the node nothing).
void leave(edge_broker* self, call_gate& gate, uint64_t ticket) {
  for (auto next = gate.leave(ticket); next; next = gate.leave(ticket)) {
    ticket = next->first;
    if (client_alive(self, next->second.ref))
      return next->second.run(ticket);
  }
}

/// As `ask`, through `gate`: sent now if fewer than its limit are in flight
/// to the node, else when a place frees up.
template <class Reply, class Handle, class OnValue, class... Ts>
void gated_ask(edge_broker* self, call_gate& gate, slot_ref ref, connection& c,
               const actors::peer_link<Handle>& link, waits_on node,
               response (*on_error)(const caf::error&), OnValue on_value,
               Ts... xs) {
  if (!link.connected())
    return complete(self, ref, on_error(not_connected));
  c.set_tag(ref.seq, static_cast<uint8_t>(node));
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
              complete(self, ref, on_error(err));
              leave(self, *g, ticket);
            });
  };
  if (auto ticket = gate.enter())
    run(*ticket);
  else
    gate.wait({ref, std::move(run), clock::now()});
}

/// Sends what `b` has gathered to the node behind `link`, as far as its
/// limits allow, and answers each request with `on_value(result.value)` or
/// `on_error(result.err)`.
template <class Result, class Item, class Handle, class Atom, class OnValue>
void send_batches(edge_broker* self, batcher<Item>& b,
                  const actors::peer_link<Handle>& link, Atom atom,
                  response (*on_error)(const caf::error&), OnValue on_value) {
  while (auto m = b.next(clock::now())) {
    auto slots = std::make_shared<std::vector<slot_ref>>(std::move(m->slots));
    if (!link.connected()) {
      b.on_reply(m->ticket);
      for (auto& s : *slots)
        complete(self, s, on_error(not_connected));
      continue;
    }
    auto done = [self, &b, ticket = m->ticket] {
      b.on_reply(ticket);
      flush_batches(self);
    };
    self->request(link.handle(), self->state.cfg.request_timeout, atom,
                  std::move(m->items))
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

/// Gathers a request in `b`, answered through `ref`, and makes sure the
/// batch goes out after this round of socket events.
template <class Item, class Handle>
void gather(edge_broker* self, slot_ref ref, connection& c, batcher<Item>& b,
            Item x, const actors::peer_link<Handle>& link, waits_on node,
            response (*on_error)(const caf::error&)) {
  if (!link.connected())
    return complete(self, ref, on_error(not_connected));
  c.set_tag(ref.seq, static_cast<uint8_t>(node));
  b.add(std::move(x), ref, clock::now());
  if (b.waiting() >= b.limits().max_items) {
    flush_batches(self);
  } else if (!self->state.flush_scheduled) {
    self->state.flush_scheduled = true;
    self->send(self, caf::flush_atom_v);
  }
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

} // namespace

void flush_batches(edge_broker* self) {
  auto& st = self->state;
  send_batches<actors::user_result>(self, st.user_gets, st.users,
                                    actors::get_atom_v, user_error,
                                    [](actors::user& u) { return found(u); });
  send_batches<actors::order_result>(
      self, st.order_creates, st.orders, actors::create_atom_v,
      order_create_error, [](actors::order& o) { return created(o); });
}

void dispatch(edge_broker* self, slot_ref ref, connection& c,
              http_request& req) {
  auto& st = self->state;
  auto call = route_request(req);
  if (auto* r = std::get_if<response>(&call))
    return complete(self, ref, std::move(*r));
  if (std::holds_alternative<readiness_call>(call))
    return complete(self, ref,
                    readiness(st.users.connected(), st.orders.connected()));
  if (auto* x = std::get_if<get_user_call>(&call))
    return gather(self, ref, c, st.user_gets, std::move(x->id), st.users,
                  waits_on::users, user_error);
  if (auto* x = std::get_if<create_order_call>(&call))
    return gather(self, ref, c, st.order_creates, std::move(x->order),
                  st.orders, waits_on::orders, order_create_error);
  if (auto* x = std::get_if<create_user_call>(&call))
    return ask<actors::user>(
        self, ref, c, st.users, waits_on::users, user_error,
        [](actors::user& u) { return created(u); }, actors::create_atom_v,
        std::move(x->user));
  if (auto* x = std::get_if<list_users_call>(&call))
    return gated_ask<actors::user_page>(
        self, st.user_reads, ref, c, st.users, waits_on::users, user_error,
        [p = x->page](actors::user_page& pg) { return listed(pg, p); },
        actors::list_atom_v, x->page);
  if (auto* x = std::get_if<list_orders_call>(&call))
    return gated_ask<actors::order_page>(
        self, st.order_reads, ref, c, st.orders, waits_on::orders, order_error,
        [q = x->query](actors::order_page& pg) { return listed(pg, q); },
        actors::list_atom_v, x->query);
  if (auto* x = std::get_if<get_order_call>(&call))
    return gated_ask<actors::order>(
        self, st.order_reads, ref, c, st.orders, waits_on::orders, order_error,
        [](actors::order& o) { return found(o); }, actors::get_atom_v,
        std::move(x->id));
}

void on_calls_tick(edge_broker* self, clock::time_point now) {
  auto& st = self->state;
  auto timed_out = caf::make_error(caf::sec::request_timeout);
  for (auto& ref : st.user_gets.on_tick(now))
    complete(self, ref, user_error(timed_out));
  for (auto& ref : st.order_creates.on_tick(now))
    complete(self, ref, order_create_error(timed_out));
  for (auto& ref : st.user_reads.expire(now))
    complete(self, ref, user_error(timed_out));
  for (auto& ref : st.order_reads.expire(now))
    complete(self, ref, order_error(timed_out));
  flush_batches(self);
}

bool on_node_down(edge_broker* self, const caf::down_msg& dm) {
  auto& st = self->state;
  // Everything waiting on the lost node is answered 503 at once; requests
  // gathered for it are never sent.
  auto lost = [&](auto& link, auto& batch, call_gate& reads, waits_on node,
                  std::string_view service) {
    if (!link.on_down(dm))
      return false;
    std::cerr << "edge_node: lost the " << service
              << " node; answering 503 and reconnecting" << std::endl;
    batch.on_node_lost();
    reads.reset();
    fail_pending(self, node, service == "user" ? "User" : "Order");
    link.poll(self);
    return true;
  };
  return lost(st.users, st.user_gets, st.user_reads, waits_on::users, "user") ||
         lost(st.orders, st.order_creates, st.order_reads, waits_on::orders,
              "order");
}

} // namespace microshop::http_edge
