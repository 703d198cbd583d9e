#include "nodes/link_scribe.hpp"

#include "actors/log.hpp"

#include <caf/io/network/interfaces.hpp>
#include <caf/io/network/scribe_impl.hpp>
#include <caf/io/network/stream.hpp>
#include <caf/io/receive_policy.hpp>
#include <iostream>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>

namespace microshop::nodes {

namespace {

using caf::io::network::default_multiplexer;
using caf::io::network::native_socket;
using caf::io::network::operation;
using caf::io::network::rw_state;

/// Closes `fd` for reading and writing (the next read sees the end of the
/// stream and the broker drops the connection as if the peer had closed it)
/// and logs why (`basp_refused`).
void refuse(native_socket fd, const std::string& why) {
  auto peer = caf::io::network::remote_addr_of_fd(fd);
  actors::log_line::limited(actors::log_level::warn, "basp_refused")
      .field("peer", peer ? *peer : std::string{"?"})
      .field("reason", why);
  ::shutdown(fd, SHUT_RDWR);
}

/// Follows BASP's alternation of 32-byte headers and payloads on one
/// connection and stops, before CAF 0.17's broker sees them, the headers it
/// mishandles: a payload over the cap (CAF allocates `payload_len` bytes at
/// once) and a handshake without payload (CAF reads the missing payload
/// through a null pointer and the node crashes); until a first handshake has
/// arrived whole, only a handshake of at most `max_handshake` bytes.
class basp_guard {
public:
  static constexpr size_t header_size = 32;

  explicit basp_guard(handshake_watch::ticket_ptr watched)
      : watched_(std::move(watched)) {
    // nop
  }

  ~basp_guard() {
    if (watched_)
      watched_->gone = true;
  }

  basp_guard(const basp_guard&) = delete;
  basp_guard& operator=(const basp_guard&) = delete;

  /// Whether the `n` bytes at `buf` may reach the broker; else the
  /// connection on `fd` is refused.
  bool admit(const void* buf, size_t n, native_socket fd,
             const link_limits& limits) {
    if (refused_)
      return false; // nothing after a refusal reaches the broker (or the log)

    if (payload_next_) {
      payload_next_ = false;
      greeted(); // a whole handshake arrived
      return true;
    }
    if (n != header_size)
      return true; // not BASP's framing: the broker rejects it itself
    auto* b = static_cast<const uint8_t*>(buf);
    auto op = b[0];
    uint32_t len = (uint32_t{b[4]} << 24) | (uint32_t{b[5]} << 16) |
                   (uint32_t{b[6]} << 8) | uint32_t{b[7]};
    constexpr uint8_t server_handshake = 0x00;
    constexpr uint8_t client_handshake = 0x01;
    bool handshake = op == server_handshake || op == client_handshake;
    if (!greeted_ && (!handshake || len > limits.max_handshake)) {
      // Every BASP connection opens with a small handshake: before one has
      // arrived whole, nothing larger is read (an unauthenticated plaintext
      // client could otherwise make the node hold max_payload per connection).
      refused_ = true;
      refuse(fd, handshake ? "a handshake of " + std::to_string(len) +
                                 " bytes is over the cap of " +
                                 std::to_string(limits.max_handshake)
                           : std::string{"no BASP handshake first"});
      return false;
    }
    if (len > limits.max_payload) {
      refused_ = true;
      refuse(fd, "a message of " + std::to_string(len) +
                     " bytes is over the cap of " +
                     std::to_string(limits.max_payload));
      return false;
    }
    if (handshake && len == 0) {
      refused_ = true;
      refuse(fd, "a handshake without payload");
      return false;
    }
    payload_next_ = len > 0;
    return true;
  }

private:
  /// The first handshake arrived whole: the connection is no longer watched.
  void greeted() {
    if (greeted_)
      return;
    greeted_ = true;
    if (watched_)
      watched_->started = true;
  }

  bool greeted_ = false;
  bool refused_ = false;
  bool payload_next_ = false;
  handshake_watch::ticket_ptr watched_;
};

/// CAF's plaintext scribe with the BASP header guard.
class plain_scribe : public caf::io::network::scribe_impl {
public:
  plain_scribe(default_multiplexer& mpx, native_socket fd, link_limits limits,
               handshake_watch::ticket_ptr watched)
      : scribe_impl(mpx, fd), limits_(std::move(limits)),
        guard_(std::move(watched)) {
    // nop
  }

  bool consume(caf::execution_unit* ctx, const void* buf, size_t n) override {
    // A refused connection reads on until the end of the stream, and the
    // broker then drops it as closed.
    return !guard_.admit(buf, n, stream_.fd(), limits_) ||
           scribe_impl::consume(ctx, buf, n);
  }

private:
  link_limits limits_;
  basp_guard guard_;
};

/// A stream over a TLS session that is its own I/O policy. A write that
/// makes no progress while the socket is writable means TLS waits to read
/// (the handshake is not done yet): the stream then leaves the write set
/// ("parks") until the next read event instead of being woken again at once.
class tls_stream : public caf::io::network::stream {
public:
  tls_stream(default_multiplexer& mpx, native_socket fd,
             caf::openssl::session_ptr session)
      : stream(mpx, fd), session_(std::move(session)) {
    // nop
  }

  void handle_event(operation op) override {
    stalled_ = false;
    handle_event_impl(op, *this);
    if (op == operation::write && stalled_ && writable()) {
      parked_ = true;
      backend().del(operation::write, fd(), this);
    } else if (op == operation::read && parked_) {
      parked_ = false;
      backend().add(operation::write, fd(), this);
    }
  }

  void removed_from_loop(operation op) override {
    // A parked stream keeps its writer: the write resumes after a read.
    if (op == operation::write && parked_)
      return;
    if (op == operation::read && parked_) {
      parked_ = false;
      stream::removed_from_loop(operation::write);
    }
    stream::removed_from_loop(op);
  }

  // -- the I/O policy of `handle_event_impl` ---------------------------------

  // OpenSSL keeps its errors in a queue per thread, and libcaf_openssl reads
  // the result of every call with SSL_get_error without emptying it first:
  // an error left by another connection of this multiplexer thread (a
  // refused handshake, a peer that closed) made the next SSL_read of a
  // healthy link fail, and the link dropped. Each call starts from an empty
  // queue.

  rw_state read_some(size_t& result, native_socket fd, void* buf, size_t len) {
    ERR_clear_error();
    return session_->read_some(result, fd, buf, len);
  }

  rw_state write_some(size_t& result, native_socket fd, const void* buf,
                      size_t len) {
    ERR_clear_error();
    auto state = session_->write_some(result, fd, buf, len);
    if (state == rw_state::success && result == 0 && len > 0)
      stalled_ = true;
    return state;
  }

  bool must_read_more(native_socket fd, size_t threshold) {
    return session_->must_read_more(fd, threshold);
  }

private:
  /// Whether the socket could take data now (so a stalled write waits for
  /// TLS to read, not for the socket).
  bool writable() const {
    pollfd p{fd(), POLLOUT, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLOUT) != 0;
  }

  caf::openssl::session_ptr session_;
  bool stalled_ = false;
  bool parked_ = false;
};

/// libcaf_openssl's scribe over `tls_stream`, with the payload cap.
class tls_scribe : public caf::io::scribe {
public:
  tls_scribe(default_multiplexer& mpx, native_socket fd,
             caf::openssl::session_ptr session, link_limits limits,
             handshake_watch::ticket_ptr watched)
      : scribe(caf::io::network::conn_hdl_from_socket(fd)),
        stream_(mpx, fd, std::move(session)), limits_(std::move(limits)),
        guard_(std::move(watched)) {
    // nop
  }

  void configure_read(caf::io::receive_policy::config config) override {
    stream_.configure_read(config);
    if (!launched_)
      launch();
  }

  bool consume(caf::execution_unit* ctx, const void* buf, size_t n) override {
    return !guard_.admit(buf, n, stream_.fd(), limits_) ||
           scribe::consume(ctx, buf, n);
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
    stream_.activate(this);
  }

  void remove_from_loop() override {
    stream_.passivate();
  }

private:
  void launch() {
    launched_ = true;
    stream_.start(this);
    // Schedules the scribe while the handshake still needs SSL_connect or
    // SSL_accept (as libcaf_openssl does).
    stream_.force_empty_write(this);
  }

  bool launched_ = false;
  tls_stream stream_;
  link_limits limits_;
  basp_guard guard_;
};

} // namespace

caf::io::scribe_ptr make_plain_scribe(default_multiplexer& mpx,
                                      native_socket fd,
                                      const link_limits& limits,
                                      handshake_watch::ticket_ptr watched) {
  return caf::make_counted<plain_scribe>(mpx, fd, limits, std::move(watched));
}

caf::io::scribe_ptr make_tls_scribe(default_multiplexer& mpx, native_socket fd,
                                    caf::openssl::session_ptr session,
                                    const link_limits& limits,
                                    handshake_watch::ticket_ptr watched) {
  return caf::make_counted<tls_scribe>(mpx, fd, std::move(session), limits,
                                       std::move(watched));
}

} // namespace microshop::nodes
