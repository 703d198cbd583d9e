#pragma once

#include "actors/atoms.hpp"
#include "actors/defaults.hpp"
#include "actors/errc.hpp"
#include "actors/hello.hpp"
#include "actors/log.hpp"

#include <algorithm>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/node_id.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>

namespace microshop::actors {

/// Where a peer node publishes its actor.
struct peer_address {
  std::string host{defaults::host};
  uint16_t port = 0;
};

/// Makes the middleman actor that one peer link connects through: one per
/// link, so that a connect hanging on one peer never holds up another.
using connector_factory =
    std::function<caf::io::middleman_actor(caf::actor_system&)>;

/// One typed handle to an actor published on another node. `poll` connects
/// asynchronously through the middleman (never blocking the owner), then
/// sends the link's `hello` (when it has one: `hello.expected_node` not
/// empty) and counts as connected only once the peer accepted it; the owner
/// monitors the handle, and after a `down_msg` the link reconnects with
/// exponential backoff: a restarted node is a new CAF node, so the old handle
/// is never reused. A refused hello is printed to stderr once per distinct
/// reason and retried with backoff. Lives in the owner's state and must not
/// move once `poll` ran (its callbacks hold `this`); use only from the owner.
template <class Handle> class peer_link {
public:
  using clock = std::chrono::steady_clock;

  peer_link() = default;

  /// A link to `addr` that connects through a connector from
  /// `make_connector` (made at the first `poll`; empty: through the system's
  /// own middleman actor).
  peer_link(peer_address addr, caf::timespan connect_timeout,
            hello greeting = {}, connector_factory make_connector = {})
      : addr_(std::move(addr)), connect_timeout_(connect_timeout),
        hello_(std::move(greeting)),
        make_connector_(std::move(make_connector)) {
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

  /// The node name this link expects (empty without a hello).
  const std::string& name() const {
    return hello_.expected_node;
  }

  /// Why the peer last refused the hello; empty once it accepted one.
  const std::string& refusal() const {
    return refusal_;
  }

  /// Starts a connect attempt unless connected, connecting, or backing off.
  template <class Self> void poll(Self* self) {
    if (fixed_ || handle_ || connecting_ || clock::now() < next_attempt_)
      return;
    connecting_ = true;
    if (!connector_)
      connector_ = make_connector_ ? owned(make_connector_(self->system()))
                                   : self->system().middleman().actor_handle();
    self->request(connector_, connect_timeout_, caf::connect_atom_v, addr_.host,
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
              auto h = caf::actor_cast<Handle>(std::move(ptr));
              if (hello_.expected_node.empty())
                return accept(self, std::move(h));
              greet(self, std::move(h));
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
    log_line{log_level::warn, "link_lost"}
        .field("peer", peer_name())
        .field("reason", caf::to_string(dm.reason));
    log_line{log_level::info, "reconnecting"}.field("peer", peer_name());
    return true;
  }

  /// How often the link came back after the first time it was up.
  uint64_t reconnects() const {
    return ups_ > 1 ? ups_ - 1 : 0;
  }

  /// Counts a request over this link that got no answer in time.
  void count_timeout() {
    ++timeouts_;
  }

  /// Requests over this link that got no answer in time.
  uint64_t timeouts() const {
    return timeouts_;
  }

  /// The peer's node name, or its address when the link expects none.
  std::string peer_name() const {
    if (!hello_.expected_node.empty())
      return hello_.expected_node;
    return addr_.host + ":" + std::to_string(addr_.port);
  }

private:
  template <class Self> void accept(Self* self, Handle h) {
    handle_ = std::move(h);
    self->monitor(handle_);
    backoff_ = initial_backoff;
    refusal_.clear();
    ++ups_;
    if (!fixed_)
      log_line{log_level::info, "link_up"}
          .field("peer", peer_name())
          .field("address", addr_.host + ":" + std::to_string(addr_.port))
          .field("reconnects", reconnects());
  }

  /// Sends the hello on `h`; accepts `h` once the peer agrees.
  template <class Self> void greet(Self* self, Handle h) {
    connecting_ = true;
    self->request(h, connect_timeout_, hello_atom_v, hello_)
        .then(
            [this, self, h](const std::string&) {
              connecting_ = false;
              accept(self, h);
            },
            [this](caf::error& err) {
              connecting_ = false;
              if (is(err, errc::misconfigured)) {
                auto why = error_text(err);
                if (why != refusal_)
                  log_line{log_level::error, "link_refused"}
                      .field("peer", hello_.expected_node)
                      .field("address",
                             addr_.host + ":" + std::to_string(addr_.port))
                      .field("reason", why);
                refusal_ = std::move(why);
              }
              back_off();
            });
  }

  /// Returns `mm` and stops it once this link (and every copy) is gone.
  caf::io::middleman_actor owned(caf::io::middleman_actor mm) {
    connector_owner_ = std::shared_ptr<void>(nullptr, [mm](void*) {
      caf::anon_send_exit(mm, caf::exit_reason::user_shutdown);
    });
    return mm;
  }

  static constexpr caf::timespan initial_backoff =
      std::chrono::milliseconds(50);
  static constexpr caf::timespan max_backoff = std::chrono::milliseconds(1000);

  void back_off() {
    next_attempt_ = clock::now() + backoff_;
    backoff_ = std::min(max_backoff, backoff_ * 2);
  }

  peer_address addr_;
  caf::timespan connect_timeout_ = std::chrono::seconds(2);
  hello hello_;
  connector_factory make_connector_;
  caf::io::middleman_actor connector_;
  std::shared_ptr<void> connector_owner_;
  std::string refusal_;
  Handle handle_;
  bool fixed_ = false;
  bool connecting_ = false;
  uint64_t ups_ = 0;
  uint64_t timeouts_ = 0;
  caf::timespan backoff_ = initial_backoff;
  clock::time_point next_attempt_{};
};

} // namespace microshop::actors
