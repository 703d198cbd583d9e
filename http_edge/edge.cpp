// The edge broker: glue between the client sockets (edge_clients.cpp) and
// the node calls (edge_calls.cpp).

#include "http_edge/edge.hpp"

#include "actors/atoms.hpp"
#include "http_edge/edge_state.hpp"

#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <iostream>
#include <sys/resource.h>

CAF_ADD_ATOM(microshop, microshop::http_edge, listen_atom, "listen")

namespace microshop::http_edge {

namespace {

constexpr auto tick_interval = std::chrono::milliseconds(100);

caf::behavior edge_main(edge_broker* self, const edge_config& cfg) {
  auto& st = self->state;
  st.cfg = cfg;
  st.users = {cfg.users, cfg.connect_timeout};
  st.orders = {cfg.orders, cfg.connect_timeout};
  batch_limits reads;
  reads.max_in_flight = 1;
  reads.max_wait = cfg.request_timeout;
  st.user_gets = batcher<std::string>{reads};
  batch_limits creates = reads;
  creates.max_in_flight = 3;
  st.order_creates = batcher<actors::new_order>{creates};
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
        self->state.users.poll(self);
        self->state.orders.poll(self);
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
