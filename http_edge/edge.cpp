// The edge broker: glue between the client sockets (edge_clients.cpp) and
// the node calls (edge_calls.cpp).

#include "http_edge/edge.hpp"

#include "actors/atoms.hpp"
#include "http_edge/edge_state.hpp"

#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <iostream>
#include <optional>
#include <string>
#include <sys/resource.h>

CAF_ADD_ATOM(microshop, microshop::http_edge, listen_atom, "listen")

namespace microshop::http_edge {

namespace {

constexpr auto tick_interval = std::chrono::milliseconds(100);

caf::behavior edge_main(edge_broker* self, const edge_config& cfg) {
  auto& st = self->state;
  st.cfg = cfg;
  st.observer.metrics = cfg.metrics ? &st.metrics : nullptr;
  st.observer.access_log = cfg.access_log;
  // A read is one step on a user node: one message at a time makes the
  // largest batches (measured against 2, 4 and 8: the same or more req/s
  // for less CPU). An order takes three steps on two nodes (verify there,
  // write here): with three in flight the steps overlap (measured: +20 %
  // req/s and a lower p99 than with one).
  batch_limits reads;
  reads.max_in_flight = 1;
  reads.max_wait = cfg.request_timeout;
  reads.answer_within = cfg.request_timeout;
  batch_limits creates = reads;
  creates.max_in_flight = 3;
  // Sized once: the links' callbacks hold their addresses.
  auto add = [&](auto& svc, const std::vector<actors::named_address>& addrs,
                 batch_limits limits, uint8_t (*tag)(size_t)) {
    svc.nodes.reserve(addrs.size());
    for (size_t i = 0; i < addrs.size(); ++i)
      svc.nodes.emplace_back(
          actors::peer_address{addrs[i].host, addrs[i].port},
          cfg.connect_timeout,
          actors::hello{"edge", addrs[i].name, cfg.map.digest()}, limits,
          tag(i), cfg.make_connector);
  };
  add(st.users, cfg.user_nodes, reads, user_tag);
  add(st.orders, cfg.order_nodes, creates, order_tag);
  st.probe = links_probe{st.users.nodes.size() + st.orders.nodes.size(),
                         cfg.links_max_age};
  self->set_down_handler([self](caf::down_msg& dm) { on_node_down(self, dm); });
  return {
      [=](listen_atom, const std::string& host,
          uint16_t port) -> caf::result<uint16_t> {
        auto res = add_http_doorman(self, port, host);
        if (!res)
          return std::move(res.error());
        self->state.doorman = std::move(res->first);
        // Connect to the nodes only once the HTTP port is ours: an outgoing
        // connection could otherwise take that port as its local port.
        poll_nodes(self);
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
      [=](const caf::io::connection_closed_msg& msg) { on_closed(self, msg); },
      [=](const caf::io::acceptor_closed_msg&) {
        // The listening socket is gone: nothing more to serve.
        self->quit();
      },
      [=](caf::flush_atom) {
        self->state.flush_scheduled = false;
        flush_batches(self);
      },
      [=](actors::tick_atom) {
        poll_nodes(self);
        auto now = clock::now();
        on_client_tick(self, now);
        on_calls_tick(self, now);
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

/// Why `addrs` are not the addresses of the nodes of `s` in `map`, if so.
std::optional<std::string>
mismatch(const actors::shard_map& map, actors::service s,
         const std::vector<actors::named_address>& addrs) {
  auto& names = map.nodes(s);
  auto what = std::string{actors::to_string(s)};
  if (names.size() > max_nodes_per_service)
    return "the map has more than " + std::to_string(max_nodes_per_service) +
           " " + what + " nodes";
  if (addrs.size() != names.size())
    return "the map has " + std::to_string(names.size()) + " " + what +
           " nodes, but " + std::to_string(addrs.size()) +
           " addresses were given";
  for (size_t i = 0; i < names.size(); ++i)
    if (addrs[i].name != names[i])
      return "address " + std::to_string(i + 1) + " of " + what + " is for " +
             addrs[i].name + ", expected " + names[i];
  return std::nullopt;
}

} // namespace

caf::expected<std::pair<caf::actor, uint16_t>>
start_edge(caf::actor_system& sys, edge_config cfg) {
  for (auto s : {actors::service::users, actors::service::orders})
    if (auto why = mismatch(cfg.map, s,
                            s == actors::service::users ? cfg.user_nodes
                                                        : cfg.order_nodes))
      return actors::invalid(*why);
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
