#pragma once

#include "actors/link_state.hpp"
#include "actors/peer_link.hpp"

#include <caf/actor_clock.hpp>
#include <caf/duration.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/sec.hpp>
#include <caf/system_messages.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace microshop::actors {

/// Links to the nodes of a service, by index, and the requests waiting on
/// each: CAF 0.17 never fails a request to a peer that died, so losing a link
/// answers every request waiting on it at once with `lost`. Lives in the
/// owner's state and must not move once `poll` ran; use only from the owner.
template <class Handle> class peer_group {
public:
  peer_group() = default;

  /// `links` by index (a default-constructed link stands for a node that is
  /// not asked, e.g. the owner's own); `lost` answers the requests waiting on
  /// a link that went down, or asked while it is down.
  peer_group(std::vector<peer_link<Handle>> links, caf::error lost)
      : links_(std::move(links)), waiting_(links_.size()),
        lost_(std::move(lost)) {
    // nop
  }

  size_t size() const {
    return links_.size();
  }

  const peer_link<Handle>& link(size_t i) const {
    return links_[i];
  }

  /// The state of the link to each node of `names` (by index, as the links),
  /// but the owner's own at `self_index`: a node without a link counts as
  /// not connected.
  std::vector<link_state> states(const std::vector<std::string>& names,
                                 std::optional<size_t> self_index = {}) const {
    std::vector<link_state> out;
    out.reserve(names.size());
    for (size_t i = 0; i < names.size(); ++i) {
      if (i == self_index)
        continue;
      if (i >= links_.size()) {
        out.push_back({names[i], false, {}});
        continue;
      }
      out.push_back({names[i], links_[i].connected(), links_[i].refusal()});
    }
    return out;
  }

  /// Polls every link (see `peer_link::poll`).
  template <class Self> void poll(Self* self) {
    for (auto& l : links_)
      if (!l.name().empty() || l.connected())
        l.poll(self);
  }

  /// Forgets the handle that `dm` reports down and answers every request
  /// waiting on it with `lost`; whether `dm` was about one of the links.
  template <class Self> bool on_down(Self* self, const caf::down_msg& dm) {
    for (size_t i = 0; i < links_.size(); ++i) {
      if (!links_[i].on_down(dm))
        continue;
      auto waiting = std::move(waiting_[i]);
      waiting_[i].clear();
      for (auto& [key, w] : waiting)
        w.fail(lost_);
      links_[i].poll(self);
      return true;
    }
    return false;
  }

  /// Gives the requests of `ask` their timeouts on the owner's tick from now
  /// on instead of a CAF timer each (one timer costs CAF's clock thread two
  /// wake-ups: when it is set and when it fires, answered or not); the owner
  /// then calls `expire` on every tick.
  void expire_on_tick() {
    on_tick_ = true;
  }

  /// Answers `caf::sec::request_timeout` to every request whose timeout
  /// passed by `now` (with `expire_on_tick`; a late answer is ignored).
  void expire(caf::actor_clock::time_point now) {
    for (size_t i = 0; i < waiting_.size(); ++i) {
      std::vector<std::function<void(caf::error)>> due;
      for (auto j = waiting_[i].begin(); j != waiting_[i].end();) {
        if (j->second.deadline <= now) {
          due.push_back(std::move(j->second.fail));
          j = waiting_[i].erase(j);
        } else {
          ++j;
        }
      }
      for (auto& fail : due) {
        links_[i].count_timeout();
        fail(caf::sec::request_timeout);
      }
    }
  }

  /// Sends `xs` to the node at `i` with `timeout`; `done` receives the
  /// answer, the error, or `lost` (at once when the link is down or goes
  /// down while the request waits), exactly once.
  template <class T, class Self, class... Ts>
  void ask(Self* self, size_t i, caf::timespan timeout,
           std::function<void(caf::expected<T>)> done, Ts&&... xs) {
    if (!links_[i].connected()) {
      done(caf::expected<T>{lost_});
      return;
    }
    auto once = std::make_shared<std::function<void(caf::expected<T>)>>(
        std::move(done));
    auto answer = [once](caf::expected<T> x) {
      if (!*once)
        return;
      auto f = std::move(*once);
      *once = nullptr;
      f(std::move(x));
    };
    auto key = next_key_++;
    waiting_[i].emplace(
        key, waiter{self->clock().now() + timeout,
                    [answer](caf::error err) { answer(std::move(err)); }});
    auto caf_timeout =
        on_tick_ ? caf::duration{caf::infinite} : caf::duration{timeout};
    self->request(links_[i].handle(), caf_timeout, std::forward<Ts>(xs)...)
        .then(
            [this, i, key, answer](T& x) {
              waiting_[i].erase(key);
              answer(std::move(x));
            },
            [this, i, key, answer](caf::error& err) {
              waiting_[i].erase(key);
              if (err == caf::sec::request_timeout)
                links_[i].count_timeout();
              answer(std::move(err));
            });
  }

private:
  /// A request awaiting its answer: when it times out, and how it fails.
  struct waiter {
    caf::actor_clock::time_point deadline;
    std::function<void(caf::error)> fail;
  };

  std::vector<peer_link<Handle>> links_;
  std::vector<std::unordered_map<uint64_t, waiter>> waiting_;
  caf::error lost_;
  uint64_t next_key_ = 0;
  bool on_tick_ = false;
};

} // namespace microshop::actors
