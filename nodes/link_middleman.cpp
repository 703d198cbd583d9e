#include "nodes/link_middleman.hpp"

#include "actors/log.hpp"
#include "nodes/tcp_connect.hpp"

#include <caf/detail/socket_guard.hpp>
#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor_impl.hpp>
#include <caf/io/network/doorman_impl.hpp>
#include <caf/openssl/session.hpp>
#include <caf/sec.hpp>
#include <exception>
#include <iostream>
#include <openssl/err.h>
#include <unistd.h>

namespace microshop::nodes {

namespace {

using caf::io::network::default_multiplexer;
using caf::io::network::native_socket;

/// A TLS session for `fd` or null; libcaf_openssl throws when it cannot read
/// the certificate files (e.g. mid-rotation), which must not end the node.
caf::openssl::session_ptr tls_session(caf::actor_system& sys, native_socket fd,
                                      bool accepted) {
  try {
    ERR_clear_error(); // see tls_stream in link_scribe.cpp
    return caf::openssl::make_session(sys, fd, accepted);
  } catch (const std::exception& e) {
    actors::log_line::limited(actors::log_level::error, "tls_session_failed")
        .field("connection", accepted ? "new" : "outgoing")
        .field("error", e.what());
    return nullptr;
  }
}

/// A doorman whose connections run as `link_settings` say.
class link_doorman : public caf::io::network::doorman_impl {
public:
  link_doorman(default_multiplexer& mpx, native_socket fd, link_settings s)
      : doorman_impl(mpx, fd), settings_(std::move(s)),
        watch_(settings_.max_pending_handshakes, settings_.handshake_timeout) {
    // nop
  }

  bool new_connection() override {
    if (detached())
      return false;
    auto& mpx = acceptor_.backend();
    auto fd = acceptor_.accepted_socket();
    caf::detail::socket_guard guard{fd};
    caf::io::network::nonblocking(fd, true);
    caf::io::network::tcp_nodelay(fd, true);
    auto watched = watch_.admit(fd);
    caf::io::scribe_ptr scribe;
    if (settings_.tls) {
      auto session = tls_session(parent()->system(), fd, true);
      if (!session) {
        watched->gone = true; // the guard closes the socket now
        return false;
      }
      scribe = make_tls_scribe(mpx, fd, std::move(session), settings_.limits,
                               std::move(watched));
    } else {
      scribe = make_plain_scribe(mpx, fd, settings_.limits, std::move(watched));
    }
    guard.release();
    auto hdl = scribe->hdl();
    parent()->add_scribe(std::move(scribe));
    return doorman::new_connection(&mpx, hdl);
  }

private:
  link_settings settings_;
  handshake_watch watch_;
};

class link_middleman : public caf::io::middleman_actor_impl {
public:
  link_middleman(caf::actor_config& cfg, caf::actor broker, link_settings s)
      : middleman_actor_impl(cfg, std::move(broker)), settings_(std::move(s)) {
    // nop
  }

  const char* name() const override {
    return "microshop.link_middleman";
  }

protected:
  caf::expected<caf::io::scribe_ptr> connect(const std::string& host,
                                             uint16_t port) override {
    auto fd = tcp_connect(host, port, settings_.connect_timeout);
    if (!fd)
      return std::move(fd.error());
    if (!settings_.tls)
      return make_plain_scribe(mpx(), *fd, settings_.limits);
    auto session = tls_session(system(), *fd, false);
    if (!session) {
      ::close(*fd);
      return caf::make_error(caf::sec::cannot_connect_to_node,
                             "no TLS session");
    }
    return make_tls_scribe(mpx(), *fd, std::move(session), settings_.limits);
  }

  caf::expected<caf::io::doorman_ptr> open(uint16_t port, const char* addr,
                                           bool reuse) override {
    auto fd = caf::io::network::new_tcp_acceptor_impl(port, addr, reuse);
    if (!fd)
      return std::move(fd.error());
    return caf::make_counted<link_doorman>(mpx(), *fd, settings_);
  }

private:
  default_multiplexer& mpx() {
    return static_cast<default_multiplexer&>(system().middleman().backend());
  }

  link_settings settings_;
};

} // namespace

caf::io::middleman_actor spawn_link_middleman(caf::actor_system& sys,
                                              const link_settings& s) {
  auto broker =
      sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
  return sys.spawn<link_middleman, caf::detached + caf::hidden>(
      std::move(broker), s);
}

} // namespace microshop::nodes
