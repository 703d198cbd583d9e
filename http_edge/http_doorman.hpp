#pragma once

// In CAF 0.17 a failing `accept` is only logged inside the acceptor, which
// then spins on the level-triggered listening socket. This doorman plugs its
// own policy into CAF's public acceptor template and creates `http_scribe`s.
// Used only by transport.cpp.

#include "http_edge/http_scribe.hpp"
#include "http_edge/transport.hpp"

#include <caf/io/doorman.hpp>
#include <caf/io/network/acceptor_impl.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/native_socket.hpp>
#include <cerrno>
#include <sys/socket.h>

namespace microshop::http_edge {

/// A listening socket that stops watching itself when `accept` runs out of
/// file descriptors, instead of spinning on the level-triggered event.
class http_doorman : public caf::io::doorman {
  using default_multiplexer = caf::io::network::default_multiplexer;
  using native_socket = caf::io::network::native_socket;

public:
  struct policy {
    http_doorman* owner;

    bool try_accept(native_socket& result, native_socket fd) {
      result = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (result >= 0)
        return true;
      result = caf::io::network::invalid_native_socket;
      switch (errno) {
      case EAGAIN:
      case ECONNABORTED:
      case EINTR:
        return true;
      case EMFILE:
      case ENFILE:
      case ENOBUFS:
      case ENOMEM:
        owner->exhausted_ = errno;
        owner->pause();
        return false;
      default:
        return false;
      }
    }
  };

  class acceptor : public caf::io::network::acceptor_impl<policy> {
  public:
    using super = caf::io::network::acceptor_impl<policy>;
    using super::super;

    void rearm() {
      caf::io::network::event_handler::activate();
    }
  };

  http_doorman(default_multiplexer& mx, native_socket fd)
      : caf::io::doorman(caf::io::network::accept_hdl_from_socket(fd)),
        acceptor_(mx, fd, policy{this}) {
    // nop
  }

  bool new_connection() override {
    if (detached())
      return false;
    auto& mx = acceptor_.backend();
    auto sptr = caf::make_counted<http_scribe>(mx, acceptor_.accepted_socket());
    auto hdl = sptr->hdl();
    accepted_ = sptr;
    parent()->add_scribe(sptr);
    auto more = caf::io::doorman::new_connection(&mx, hdl);
    accepted_ = nullptr;
    return more;
  }

  void graceful_shutdown() override {
    acceptor_.graceful_shutdown();
    detach(&acceptor_.backend(), false);
  }

  void launch() override {
    acceptor_.start(this);
  }

  std::string addr() const override {
    auto x = caf::io::network::local_addr_of_fd(acceptor_.fd());
    return x ? *x : std::string{};
  }

  uint16_t port() const override {
    auto x = caf::io::network::local_port_of_fd(acceptor_.fd());
    return x ? *x : 0;
  }

  void add_to_loop() override {
    acceptor_.activate(this);
    acceptor_.rearm();
  }

  void remove_from_loop() override {
    acceptor_.passivate();
  }

  void pause() {
    acceptor_.passivate();
  }

  http_scribe_ptr accepted_;
  int exhausted_ = 0;

private:
  acceptor acceptor_;
};

} // namespace microshop::http_edge
