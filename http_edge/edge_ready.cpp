// `GET /readyz` on the edge: its own links to the nodes, and each node's
// links to its peers, asked of every node it reaches in parallel with a short
// timeout; one round at a time, whose findings answer for a short while.

#include "http_edge/edge_state.hpp"

#include <caf/sec.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace microshop::http_edge {

namespace {

/// Why a node's links are not known after `err`.
std::string why_unknown(edge_broker* self, const caf::error& err) {
  if (err == caf::sec::request_timeout) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        self->state.cfg.links_timeout);
    return "did not report its links within " + std::to_string(ms.count()) +
           " ms";
  }
  return "did not report its links: " + self->system().render(err);
}

/// Every node as the edge sees it now, with what it said of its links.
response current_readiness(const edge_state& st) {
  std::vector<node_readiness> nodes;
  nodes.reserve(st.probe.size());
  auto add = [&](const auto& n) {
    auto k = nodes.size();
    nodes.push_back({n.link.name(), n.link.connected(), n.link.refusal(),
                     &st.probe.links(k)});
  };
  for (auto& n : st.users.nodes)
    add(n);
  for (auto& n : st.orders.nodes)
    add(n);
  return readiness(nodes);
}

/// Answers every `GET /readyz` waiting for the round that just ended.
void end_round(edge_broker* self) {
  auto& st = self->state;
  auto waiting = std::move(st.readiness_waiting);
  st.readiness_waiting.clear();
  auto r = current_readiness(st);
  for (auto& ref : waiting)
    complete(self, ref, r);
}

void record(edge_broker* self, uint64_t round, size_t k, node_links x) {
  if (self->state.probe.answer(round, k, std::move(x), clock::now()))
    end_round(self);
}

/// Asks each connected node of `nodes` for its links; node `i` reports as
/// `offset + i` in round `round`.
template <class Nodes>
void ask_links(edge_broker* self, const Nodes& nodes, size_t offset,
               uint64_t round) {
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto& link = nodes[i].link;
    if (!link.connected())
      continue;
    auto k = offset + i;
    self->request(link.handle(), self->state.cfg.links_timeout,
                  actors::links_atom_v)
        .then(
            [self, round, k](std::vector<actors::link_state>& links) {
              record(self, round, k, {std::move(links), {}});
            },
            [self, round, k](caf::error& err) {
              record(self, round, k, {std::nullopt, why_unknown(self, err)});
            });
  }
}

} // namespace

void answer_readiness(edge_broker* self, const slot_ref& ref) {
  auto& st = self->state;
  auto now = clock::now();
  if (st.probe.fresh(now))
    return complete(self, ref, current_readiness(st));
  st.readiness_waiting.push_back(ref);
  if (st.probe.running())
    return;
  std::vector<bool> asked;
  asked.reserve(st.probe.size());
  for (auto& n : st.users.nodes)
    asked.push_back(n.link.connected());
  for (auto& n : st.orders.nodes)
    asked.push_back(n.link.connected());
  auto round = st.probe.start(asked, now);
  if (!st.probe.running())
    return end_round(self);
  ask_links(self, st.users.nodes, 0, round);
  ask_links(self, st.orders.nodes, st.users.nodes.size(), round);
}

void readiness_node_lost(edge_broker* self, size_t k) {
  if (self->state.probe.lost(k, clock::now()))
    end_round(self);
}

} // namespace microshop::http_edge
