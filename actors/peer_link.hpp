#pragma once

#include "actors/defaults.hpp"

#include <algorithm>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/node_id.hpp>
#include <caf/system_messages.hpp>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <utility>

namespace microshop::actors {

/// Where a peer node publishes its actor.
struct peer_address {
  std::string host{defaults::host};
  uint16_t port = 0;
};

/// One typed handle to an actor published on another node. `poll` connects
/// asynchronously through the middleman (never blocking the owner), the owner
/// monitors the handle, and after a `down_msg` the link reconnects with
/// exponential backoff: a restarted node is a new CAF node, so the old handle
/// is never reused. Lives in the owner's state; use only from the owner.
template <class Handle> class peer_link {
public:
  using clock = std::chrono::steady_clock;

  peer_link() = default;

  peer_link(peer_address addr, caf::timespan connect_timeout)
      : addr_(std::move(addr)), connect_timeout_(connect_timeout) {
    // nop
  }

  /// A link to `fixed` that never connects anywhere: once `fixed` is down,
  /// the link stays disconnected (for tests with a fake in the same system).
  explicit peer_link(Handle fixed) : handle_(std::move(fixed)), fixed_(true) {
    // nop
  }

  /// Whether the link holds a live handle.
  bool connected() const {
    return handle_ != nullptr;
  }

  /// The live handle; valid only while `connected()`.
  const Handle& handle() const {
    return handle_;
  }

  /// Starts a connect attempt unless connected, connecting, or backing off.
  template <class Self> void poll(Self* self) {
    if (fixed_ || handle_ || connecting_ || clock::now() < next_attempt_)
      return;
    connecting_ = true;
    auto mm = self->system().middleman().actor_handle();
    self->request(mm, connect_timeout_, caf::connect_atom_v, addr_.host,
                  addr_.port)
        .then(
            [this, self](const caf::node_id&, caf::strong_actor_ptr& ptr,
                         const std::set<std::string>& ifs) {
              connecting_ = false;
              auto expected = self->system().template message_types<Handle>();
              if (!ptr || !std::includes(ifs.begin(), ifs.end(),
                                         expected.begin(), expected.end())) {
                back_off();
                return;
              }
              handle_ = caf::actor_cast<Handle>(std::move(ptr));
              self->monitor(handle_);
              backoff_ = initial_backoff;
            },
            [this](caf::error&) {
              connecting_ = false;
              back_off();
            });
  }

  /// Forgets the handle when `dm` reports it down; returns whether it did.
  bool on_down(const caf::down_msg& dm) {
    if (!handle_ || dm.source != handle_.address())
      return false;
    handle_ = nullptr;
    next_attempt_ = clock::now();
    return true;
  }

private:
  static constexpr caf::timespan initial_backoff =
      std::chrono::milliseconds(50);
  static constexpr caf::timespan max_backoff = std::chrono::milliseconds(1000);

  void back_off() {
    next_attempt_ = clock::now() + backoff_;
    backoff_ = std::min(max_backoff, backoff_ * 2);
  }

  peer_address addr_;
  caf::timespan connect_timeout_ = std::chrono::seconds(2);
  Handle handle_;
  bool fixed_ = false;
  bool connecting_ = false;
  caf::timespan backoff_ = initial_backoff;
  clock::time_point next_attempt_{};
};

} // namespace microshop::actors
