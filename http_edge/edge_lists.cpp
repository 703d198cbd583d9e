// Lists over every node of a service: one call per node through its gate,
// the pages merged by `merge_pages`, any failure the whole list's answer.

#include "http_edge/api.hpp"
#include "http_edge/edge_state.hpp"
#include "http_edge/list_merge.hpp"

#include <caf/sec.hpp>
#include <memory>
#include <string_view>
#include <utility>

namespace microshop::http_edge {

namespace {

const caf::error not_connected = caf::sec::no_route_to_receiving_node;

const actors::page& window_of(const actors::page& p) {
  return p;
}

const actors::page& window_of(const actors::order_query& q) {
  return q.window;
}

/// Answers the list with `resp` unless it is answered already.
template <class Fanout>
void finish(edge_broker* self, Fanout& fan, response resp) {
  if (fan.done)
    return;
  fan.done = true;
  complete(self, fan.ref, std::move(resp));
}

/// Node `i`'s page came in: answers the list once every node's did.
template <class Fanout, class Page>
void on_page(edge_broker* self, Fanout& fan, size_t i, Page& pg) {
  if (fan.done || fan.got[i])
    return;
  fan.pages[i] = std::move(pg);
  fan.got[i] = true;
  if (--fan.remaining > 0)
    return;
  auto merged = merge_pages(std::move(fan.pages), window_of(fan.query));
  finish(self, fan, listed(merged, fan.query));
}

template <class Page, class Nodes, class Query>
void ask_all(edge_broker* self, Nodes& svc, slot_ref ref, const Query& q,
             std::string_view service) {
  auto on_error = [service](const caf::error& err) {
    return error_to_response(err, service);
  };
  for (auto& n : svc.nodes)
    if (!n.link.connected())
      return complete(self, ref, on_error(not_connected));
  auto fan = std::make_shared<typename Nodes::fanout>(ref, q, svc.nodes.size());
  svc.lists.push_back(fan);
  for (size_t i = 0; i < svc.nodes.size() && !fan->done; ++i) {
    auto& n = svc.nodes[i];
    auto run = [self, fan, i, g = &n.gate, l = &n.link,
                on_error](uint64_t ticket) {
      if (fan->done)
        return leave(self, *g, ticket);
      if (!l->connected()) {
        finish(self, *fan, on_error(not_connected));
        return leave(self, *g, ticket);
      }
      self->request(l->handle(), self->state.cfg.request_timeout,
                    actors::list_atom_v, fan->query)
          .then(
              [=](Page& pg) {
                on_page(self, *fan, i, pg);
                leave(self, *g, ticket);
              },
              [=](caf::error& err) {
                finish(self, *fan, on_error(err));
                leave(self, *g, ticket);
              });
    };
    if (auto ticket = n.gate.enter())
      run(*ticket);
    else
      n.gate.wait({ref, std::move(run), clock::now()});
  }
}

/// Answers 503 for the lists of `svc` still waiting on node `i`.
template <class Nodes>
void fail_lists(edge_broker* self, Nodes& svc, size_t i,
                std::string_view service) {
  // Collect first: answering may dispatch requests that start new lists.
  std::vector<std::shared_ptr<typename Nodes::fanout>> waiting;
  for (auto& w : svc.lists)
    if (auto fan = w.lock(); fan && !fan->done && !fan->got[i])
      waiting.push_back(std::move(fan));
  for (auto& fan : waiting)
    finish(self, *fan, unavailable(service));
}

} // namespace

bool client_alive(edge_broker* self, const slot_ref& ref) {
  auto i = self->state.clients.find(ref.hdl);
  return i != self->state.clients.end() && i->second.conn->id() == ref.conn;
}

void leave(edge_broker* self, call_gate& gate, uint64_t ticket) {
  for (auto next = gate.leave(ticket); next; next = gate.leave(ticket)) {
    ticket = next->first;
    if (client_alive(self, next->second.ref))
      return next->second.run(ticket);
  }
}

void list_all_users(edge_broker* self, slot_ref ref, const actors::page& p) {
  ask_all<actors::user_page>(self, self->state.users, ref, p, "User");
}

void list_all_orders(edge_broker* self, slot_ref ref,
                     const actors::order_query& q) {
  ask_all<actors::order_page>(self, self->state.orders, ref, q, "Order");
}

void fail_user_lists(edge_broker* self, size_t i) {
  fail_lists(self, self->state.users, i, "User");
}

void fail_order_lists(edge_broker* self, size_t j) {
  fail_lists(self, self->state.orders, j, "Order");
}

void prune_lists(edge_broker* self) {
  auto gone = [](auto& w) {
    auto fan = w.lock();
    return !fan || fan->done;
  };
  std::erase_if(self->state.users.lists, gone);
  std::erase_if(self->state.orders.lists, gone);
}

} // namespace microshop::http_edge
