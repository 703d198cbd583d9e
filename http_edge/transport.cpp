#include "http_edge/transport.hpp"

#include <caf/io/doorman.hpp>
#include <caf/io/network/acceptor_impl.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/native_socket.hpp>
#include <caf/io/network/stream_impl.hpp>
#include <caf/io/scribe.hpp>
#include <caf/policy/tcp.hpp>
#include <cerrno>
#include <netinet/in.h>
#include <sys/socket.h>

// CAF 0.17's TCP policy treats `recv() == 0` as a failure and detaches the
// scribe, so a broker can no longer answer a client that half-closed after
// its requests; and a failing `accept` is only logged inside the acceptor,
// which then spins on the level-triggered listening socket. This file plugs
// its own policies into CAF's public scribe and doorman templates, as
// libcaf_openssl does for TLS.

namespace microshop::http_edge {

namespace {

using caf::io::network::default_multiplexer;
using caf::io::network::native_socket;
using caf::io::network::rw_state;

} // namespace

/// A connection whose peer's half-close is an event, not a failure.
class http_scribe : public caf::io::scribe {
public:
  /// TCP as CAF's policy, except that EOF stops reading and is reported to
  /// the broker as a `new_data_msg` with an empty buffer.
  struct policy {
    http_scribe* owner;

    rw_state read_some(size_t& result, native_socket fd, void* buf,
                       size_t len) {
      if (owner->discarding_) {
        // After `close_gracefully`: drain what the client still sends.
        return caf::policy::tcp::read_some(result, fd, buf, len);
      }
      auto n = ::recv(fd, buf, len, MSG_NOSIGNAL);
      if (n > 0) {
        result = static_cast<size_t>(n);
        return rw_state::success;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        result = 0;
        return rw_state::success;
      }
      if (n < 0)
        return rw_state::failure;
      result = 0;
      owner->on_eof();
      return rw_state::indeterminate;
    }

    rw_state write_some(size_t& result, native_socket fd, const void* buf,
                        size_t len) {
      return caf::policy::tcp::write_some(result, fd, buf, len);
    }

    static constexpr bool must_read_more(native_socket, size_t) {
      return false;
    }
  };

  /// CAF's stream with the protected `activate` of its event handler
  /// reachable, to re-arm reading while a removal is still queued.
  class stream : public caf::io::network::stream_impl<policy> {
  public:
    using super = caf::io::network::stream_impl<policy>;
    using super::super;

    void rearm() {
      caf::io::network::event_handler::activate();
    }
  };

  http_scribe(default_multiplexer& mx, native_socket fd)
      : caf::io::scribe(caf::io::network::conn_hdl_from_socket(fd)),
        stream_(mx, fd, policy{this}) {
    caf::io::network::keepalive(fd, true);
  }

  void configure_read(caf::io::receive_policy::config config) override {
    stream_.configure_read(config);
    if (!launched_) {
      launched_ = true;
      stream_.start(this);
    }
  }

  void ack_writes(bool enable) override {
    stream_.ack_writes(enable);
  }

  std::vector<char>& wr_buf() override {
    return stream_.wr_buf();
  }

  std::vector<char>& rd_buf() override {
    return stream_.rd_buf();
  }

  void graceful_shutdown() override {
    // Reached through the broker's `close`: FIN once the output is sent,
    // then drain the input until the client closes (or `abort`).
    discarding_ = true;
    if (paused_) {
      paused_ = false;
      add_to_loop();
    }
    stream_.graceful_shutdown();
    detach(&stream_.backend(), false);
  }

  void flush() override {
    stream_.flush(this);
  }

  std::string addr() const override {
    auto x = caf::io::network::remote_addr_of_fd(stream_.fd());
    return x ? *x : std::string{};
  }

  uint16_t port() const override {
    auto x = caf::io::network::remote_port_of_fd(stream_.fd());
    return x ? *x : 0;
  }

  void add_to_loop() override {
    if (eof_ || aborted_)
      return;
    stream_.activate(this);
    stream_.rearm();
  }

  void remove_from_loop() override {
    stream_.passivate();
  }

  bool consume(caf::execution_unit* ctx, const void* buf,
               size_t num_bytes) override {
    if (detached())
      return discarding_ && !eof_;
    auto more = caf::io::scribe::consume(ctx, buf, num_bytes);
    return more && !paused_ && !eof_;
  }

  void pause() {
    if (paused_)
      return;
    paused_ = true;
    stream_.passivate();
  }

  void resume() {
    if (!paused_)
      return;
    paused_ = false;
    add_to_loop();
  }

  bool paused() const {
    return paused_;
  }

  void abort_now() {
    if (aborted_)
      return;
    aborted_ = true;
    // RST instead of FIN, and no more reading: the socket closes as soon as
    // CAF drops the stream (its pending write fails at once).
    linger lg{1, 0};
    ::setsockopt(stream_.fd(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    caf::io::network::shutdown_both(stream_.fd());
    stream_.passivate();
    if (!detached())
      detach(&stream_.backend(), false);
  }

  bool open() const {
    return !aborted_ && !(eof_ && discarding_);
  }

private:
  void on_eof() {
    eof_ = true;
    stream_.passivate();
    if (discarding_ || detached())
      return;
    // An empty `new_data_msg` tells the broker that the client half-closed.
    caf::io::scribe::consume(&stream_.backend(), nullptr, 0);
  }

  bool launched_ = false;
  bool paused_ = false;
  bool eof_ = false;
  bool discarding_ = false;
  bool aborted_ = false;
  stream stream_;
};

/// A listening socket that stops watching itself when `accept` runs out of
/// file descriptors, instead of spinning on the level-triggered event.
class http_doorman : public caf::io::doorman {
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

caf::expected<std::pair<http_doorman_ptr, uint16_t>>
add_http_doorman(caf::io::abstract_broker* self, uint16_t port,
                 const std::string& host) {
  auto fd = caf::io::network::new_tcp_acceptor_impl(port, host.c_str(), true);
  if (!fd)
    return std::move(fd.error());
  auto& mx = static_cast<default_multiplexer&>(self->backend());
  auto ptr = caf::make_counted<http_doorman>(mx, *fd);
  auto bound = ptr->port();
  self->add_doorman(ptr);
  return std::make_pair(std::move(ptr), bound);
}

void intrusive_ptr_add_ref(http_scribe* x) {
  x->ref();
}

void intrusive_ptr_release(http_scribe* x) {
  x->deref();
}

void intrusive_ptr_add_ref(http_doorman* x) {
  x->ref();
}

void intrusive_ptr_release(http_doorman* x) {
  x->deref();
}

caf::io::connection_handle handle_of(const http_scribe& x) {
  return x.hdl();
}

caf::io::accept_handle handle_of(const http_doorman& x) {
  return x.hdl();
}

http_scribe_ptr take_accepted(http_doorman& x) {
  return std::move(x.accepted_);
}

void pause_accepting(http_doorman& x) {
  x.pause();
}

void resume_accepting(http_doorman& x) {
  x.exhausted_ = 0;
  x.add_to_loop();
}

int accept_exhausted(const http_doorman& x) {
  return x.exhausted_;
}

void pause_reading(http_scribe& x) {
  x.pause();
}

void resume_reading(http_scribe& x) {
  x.resume();
}

bool reading_paused(const http_scribe& x) {
  return x.paused();
}

void close_gracefully(caf::io::abstract_broker* self, http_scribe& x) {
  self->close(x.hdl());
}

void abort(http_scribe& x) {
  x.abort_now();
}

bool is_open(const http_scribe& x) {
  return x.open();
}

} // namespace microshop::http_edge
