#pragma once

#include <atomic>
#include <caf/timespan.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>

namespace microshop::nodes {

/// The connections a listener accepted that have not spoken BASP yet (with
/// TLS: have not finished the handshake, since BASP only starts after it).
/// CAF 0.17 times out only connections that sent BASP data, so without this
/// a client could hold any number of silent connections forever. At most
/// `max_pending` are kept: each new connection first closes those older than
/// `deadline`, then the oldest ones past the bound. Used from the
/// multiplexer thread only.
class handshake_watch {
public:
  using clock = std::chrono::steady_clock;

  /// One watched connection; its scribe marks it.
  struct ticket {
    explicit ticket(int fd_arg) : fd(fd_arg), since(clock::now()) {
      // nop
    }
    int fd;
    clock::time_point since;
    /// The first BASP header arrived: no longer watched.
    std::atomic<bool> started{false};
    /// The scribe is gone (its socket closed, the number free for reuse).
    std::atomic<bool> gone{false};
  };

  using ticket_ptr = std::shared_ptr<ticket>;

  handshake_watch(size_t max_pending, caf::timespan deadline)
      : max_pending_(max_pending), deadline_(deadline) {
    // nop
  }

  /// Watches the new connection on `fd` after closing stale and excess
  /// ones (shutdown: the broker then drops them as closed by the peer).
  ticket_ptr admit(int fd);

  /// How many connections are watched now.
  size_t pending() const {
    return pending_.size();
  }

private:
  size_t max_pending_;
  caf::timespan deadline_;
  std::deque<ticket_ptr> pending_;
};

} // namespace microshop::nodes
