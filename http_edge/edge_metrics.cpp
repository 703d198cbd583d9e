// GET /metrics: the edge's own metrics, its view of each node link, and what
// every node reports of itself over CAF (asked at each scrape, so nothing
// runs between scrapes).

#include "actors/log.hpp"
#include "actors/node_metrics.hpp"
#include "http_edge/edge_state.hpp"
#include "http_edge/metrics_text.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace microshop::http_edge {

namespace {

/// The families nodes report: type and help, by name.
struct family_info {
  std::string_view type;
  std::string_view help;
};

const std::map<std::string_view, family_info>& node_families() {
  static const std::map<std::string_view, family_info> families{
      {"microshop_store_size_bytes",
       {"gauge", "Bytes of a node's store (live SST files and memtables), by "
                 "column family."}},
      {"microshop_store_keys",
       {"gauge", "Keys in a node's store (RocksDB's estimate), by column "
                 "family."}},
      {"microshop_store_write_stalls_total",
       {"counter", "Times RocksDB slowed down or stopped a node's writes."}},
      {"microshop_store_writes_stopped",
       {"gauge", "1 while RocksDB stops a node's writes."}},
      {"microshop_store_errors_total",
       {"counter", "Storage errors of a node's store."}},
      {"microshop_hash_queue_length",
       {"gauge", "User creates waiting for a password hash worker."}},
      {"microshop_hash_workers_idle",
       {"gauge", "Password hash workers with nothing to do."}},
      {"microshop_peer_link_up",
       {"gauge", "1 while a node's link to a peer node is up."}},
      {"microshop_peer_reconnects_total",
       {"counter", "Times a node's link to a peer node came back."}},
      {"microshop_peer_request_timeouts_total",
       {"counter", "A node's requests to a peer node that got no answer in "
                   "time."}},
  };
  return families;
}

/// One scrape: the samples of each node (users first, then orders) as they
/// come in.
struct scrape_round {
  slot_ref ref;
  std::vector<std::optional<actors::metric_samples>> reports;
  size_t pending = 0;
};

std::string node_label(const std::string& name) {
  return "node=\"" + actors::label_value(name) + '"';
}

response render(edge_broker* self, scrape_round& round) {
  auto& st = self->state;
  metrics_text out;
  size_t in_flight = 0;
  for (auto& [hdl, cl] : st.clients)
    in_flight += cl.conn->unanswered();
  st.metrics.write(out, st.clients.size(), in_flight);
  std::vector<std::string> names;
  struct link_view {
    bool up;
    uint64_t reconnects;
    uint64_t timeouts;
  };
  std::vector<link_view> links;
  for (auto& n : st.users.nodes) {
    names.push_back(n.link.name());
    links.push_back(
        {n.link.connected(), n.link.reconnects(), n.link.timeouts()});
  }
  for (auto& n : st.orders.nodes) {
    names.push_back(n.link.name());
    links.push_back(
        {n.link.connected(), n.link.reconnects(), n.link.timeouts()});
  }
  out.family("microshop_node_link_up", "gauge",
             "1 while the edge's link to a node is up.");
  for (size_t k = 0; k < names.size(); ++k)
    out.sample("microshop_node_link_up", node_label(names[k]),
               uint64_t{links[k].up ? 1u : 0u});
  out.family("microshop_node_reconnects_total", "counter",
             "Times the edge's link to a node came back after it was lost.");
  for (size_t k = 0; k < names.size(); ++k)
    out.sample("microshop_node_reconnects_total", node_label(names[k]),
               links[k].reconnects);
  out.family("microshop_node_request_timeouts_total", "counter",
             "Requests of the edge to a node that got no answer in time.");
  for (size_t k = 0; k < names.size(); ++k)
    out.sample("microshop_node_request_timeouts_total", node_label(names[k]),
               links[k].timeouts);
  out.family("microshop_node_report_ok", "gauge",
             "1 when the node reported its metrics for this scrape.");
  for (size_t k = 0; k < names.size(); ++k)
    out.sample("microshop_node_report_ok", node_label(names[k]),
               uint64_t{round.reports[k] ? 1u : 0u});
  // The nodes' samples, grouped by family (the format wants each family's
  // samples together).
  std::map<std::string, std::vector<std::pair<std::string, double>>> families;
  for (size_t k = 0; k < round.reports.size(); ++k) {
    if (!round.reports[k])
      continue;
    for (auto& s : *round.reports[k]) {
      auto labels = node_label(names[k]);
      if (!s.labels.empty())
        labels += ',' + s.labels;
      families[s.name].emplace_back(std::move(labels), s.value);
    }
  }
  const auto& known = node_families();
  for (auto& [name, samples] : families) {
    auto i = known.find(name);
    if (i == known.end())
      continue; // a newer node's family this edge cannot describe
    out.family(name, i->second.type, i->second.help);
    for (auto& [labels, value] : samples)
      out.sample(name, labels, value);
  }
  response r{200, out.take(), {}};
  r.content_type = std::string{metrics_content_type};
  return r;
}

} // namespace

void edge_observer::on_answer(resource r, method_label m, int status,
                              std::chrono::steady_clock::duration d,
                              std::string_view request_id) {
  if (metrics)
    metrics->on_answer(r, m, status, d);
  if (access_log)
    actors::log_line{actors::log_level::info, "access"}
        .field("method", method_name(m))
        .field("route", route_template(r))
        .field("status", status)
        .field("duration_ms",
               std::chrono::duration<double, std::milli>(d).count())
        .field("request_id", request_id);
}

void answer_metrics(edge_broker* self, const slot_ref& ref) {
  auto& st = self->state;
  auto round = std::make_shared<scrape_round>();
  round->ref = ref;
  round->reports.resize(st.users.nodes.size() + st.orders.nodes.size());
  auto finish = [self, round] {
    if (--round->pending == 0)
      complete(self, round->ref, render(self, *round));
  };
  // Held until every request below is sent, so that a quick answer cannot
  // finish the round early.
  round->pending = 1;
  auto ask = [&](auto& link, size_t k) {
    if (!link.connected())
      return;
    ++round->pending;
    self->request(link.handle(), st.cfg.metrics_timeout, actors::metrics_atom_v)
        .then(
            [round, k, finish](actors::metric_samples& s) {
              round->reports[k] = std::move(s);
              finish();
            },
            [finish](caf::error&) { finish(); });
  };
  size_t k = 0;
  for (auto& n : st.users.nodes)
    ask(n.link, k++);
  for (auto& n : st.orders.nodes)
    ask(n.link, k++);
  finish();
}

} // namespace microshop::http_edge
