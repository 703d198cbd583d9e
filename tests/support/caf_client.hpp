#pragma once

#include "actors/type_ids.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <chrono>
#include <string>

namespace microshop::testing {

/// A CAF actor system in the test process that talks to real nodes over BASP.
class caf_client {
public:
  caf_client() : cfg_(make_config()), sys_(cfg_) {
    // nop
  }

  caf::actor_system& system() {
    return sys_;
  }

  /// The typed actor published at 127.0.0.1:`port`.
  template <class Handle> caf::expected<Handle> connect(uint16_t port) {
    return sys_.middleman().remote_actor<Handle>("127.0.0.1", port);
  }

  /// Sends a request and waits for the answer or the error.
  template <class T, class Handle, class... Ts>
  caf::expected<T> ask(const Handle& dst, caf::timespan timeout, Ts&&... xs) {
    caf::scoped_actor self{sys_};
    caf::expected<T> result{caf::sec::unexpected_response};
    self->request(dst, timeout, std::forward<Ts>(xs)...)
        .receive([&](T& x) { result = std::move(x); },
                 [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  /// Why `x` failed, or an empty string when it holds a value.
  template <class T> std::string why(const caf::expected<T>& x) {
    return x ? std::string{} : sys_.render(x.error());
  }

private:
  struct config : caf::actor_system_config {
    config() {
      actors::add_message_types(*this);
      load<caf::io::middleman>();
    }
  };

  static config make_config() {
    return config{};
  }

  config cfg_;
  caf::actor_system sys_;
};

} // namespace microshop::testing
