#pragma once

// CAF 0.17's TCP policy treats `recv() == 0` as a failure and detaches the
// scribe, so a broker can no longer answer a client that half-closed after
// its requests. This scribe plugs its own policy into CAF's public stream
// template, as libcaf_openssl does for TLS. Used only by transport.cpp.

#include "http_edge/transport.hpp"

#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/native_socket.hpp>
#include <caf/io/network/stream_impl.hpp>
#include <caf/io/scribe.hpp>
#include <caf/policy/tcp.hpp>
#include <cerrno>
#include <sys/socket.h>

namespace microshop::http_edge {

/// A connection whose peer's half-close is an event, not a failure.
class http_scribe : public caf::io::scribe {
  using default_multiplexer = caf::io::network::default_multiplexer;
  using native_socket = caf::io::network::native_socket;
  using rw_state = caf::io::network::rw_state;

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
      if (owner->drained_) {
        // The last recv() returned less than it was offered: the socket was
        // empty then, and CAF's epoll is level-triggered, so what arrived
        // since is reported by the next wait. Saves the recv() that would
        // return EAGAIN after every request.
        owner->drained_ = false;
        result = 0;
        return rw_state::success;
      }
      auto n = ::recv(fd, buf, len, MSG_NOSIGNAL);
      if (n > 0) {
        result = static_cast<size_t>(n);
        owner->drained_ = result < len;
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

    /// Whether CAF's stream holds bytes of its own it is writing.
    bool writing() const {
      return state_.writing;
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
    acking_ = enable;
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

  /// Sends what the broker wrote at once, when CAF's stream is not writing
  /// and the broker does not follow the progress (`ack_writes`); what the
  /// socket does not take goes the stream's way (write interest in epoll,
  /// sent when writable). Saves the two `epoll_ctl` calls and the wake-up
  /// of that way for nearly every answer.
  void flush() override {
    auto& buf = stream_.wr_buf();
    if (!buf.empty() && !acking_ && !aborted_ && !stream_.writing()) {
      auto n = ::send(stream_.fd(), buf.data(), buf.size(), MSG_NOSIGNAL);
      if (n > 0)
        buf.erase(buf.begin(), buf.begin() + n);
      // On an error the stream's own write fails the same way and reports it.
    }
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

  /// CAF's `scribe::consume` with the bytes copied into the message instead
  /// of the read buffer swapped in cut to their size: CAF then refills that
  /// buffer to its full 16 KiB (a memset per read) before the next read.
  bool consume(caf::execution_unit* ctx, const void* buf,
               size_t num_bytes) override {
    if (detached())
      return discarding_ && !eof_;
    auto guard = parent_; // the broker lives until the handler returns
    auto first = static_cast<const char*>(buf);
    msg().buf.assign(first, first + num_bytes);
    auto more = invoke_mailbox_element(ctx);
    flush();
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

  /// The connection's socket.
  native_socket fd() const {
    return stream_.fd();
  }

  /// Whether CAF's stream holds no output (none being written or waiting).
  bool output_idle() const {
    // CAF's `wr_buf` accessor is not const; reading its size changes nothing.
    return !stream_.writing() && const_cast<stream&>(stream_).wr_buf().empty();
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
  bool drained_ = false;
  bool acking_ = false;
  bool paused_ = false;
  bool eof_ = false;
  bool discarding_ = false;
  bool aborted_ = false;
  stream stream_;
};

} // namespace microshop::http_edge
