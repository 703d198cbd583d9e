#pragma once

// CAF actor systems in the test process whose BASP links run through
// microshop's link middleman, as a node's do.

#include "nodes/transport.hpp"
#include "support/test_certs.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>
#include <caf/typed_actor.hpp>
#include <filesystem>
#include <optional>
#include <string>

namespace microshop::testing {

/// A typed actor that answers "echo:" and what it was given.
using echo_actor = caf::typed_actor<
    caf::replies_to<caf::get_atom, std::string>::with<std::string>>;

/// Why `x` failed; empty when it holds a value (its `error()` would crash).
template <class T> std::string why(const caf::expected<T>& x) {
  return x ? std::string{} : caf::to_string(x.error());
}

/// The TLS files of one side of a link.
struct tls_node_files {
  std::filesystem::path cert;
  std::filesystem::path key;
  std::filesystem::path cafile;
};

/// One side of a link: an actor system with the middleman and, given files,
/// libcaf_openssl's manager, set up by `nodes::choose_links` as a node is.
class link_system {
public:
  /// TLS with `files` when given, plaintext (loopback) otherwise.
  explicit link_system(std::string name,
                       const std::optional<tls_node_files>& files = {});
  ~link_system();
  link_system(const link_system&) = delete;
  link_system& operator=(const link_system&) = delete;

  caf::actor_system& system() {
    return *sys_;
  }

  const nodes::link_settings& settings() const {
    return settings_;
  }

  /// Publishes an echo actor on 127.0.0.1 (a free port) through a link
  /// middleman; its port, 0 on failure.
  uint16_t publish_echo();

  /// Publishes an echo actor on 127.0.0.1 with libcaf_openssl's own
  /// `caf::openssl::publish` (TLS systems only); its port, 0 on failure.
  uint16_t publish_echo_with_caf_openssl();

  /// The echo actor at 127.0.0.1:`port`, through a new link middleman.
  caf::expected<echo_actor> connect_echo(uint16_t port);

  /// Asks `peer` to echo `what`; its answer, or why not.
  caf::expected<std::string> ask(const echo_actor& peer,
                                 const std::string& what);

  /// Connects to 127.0.0.1:`port` through a new link middleman and asks the
  /// echo actor there; its answer, or why not.
  caf::expected<std::string> ask_echo(uint16_t port, const std::string& what);

private:
  struct config : caf::actor_system_config {
    config();
  };

  std::string name_;
  config cfg_;
  nodes::link_settings settings_;
  std::optional<caf::actor_system> sys_;
  std::optional<nodes::listener> listener_;
  echo_actor echo_;
};

/// A CA and node certificates under `dir` for the link tests: the CA, a
/// "server" and a "client" certificate, and a second CA with a certificate of
/// its own ("stranger").
struct link_pki {
  explicit link_pki(const std::filesystem::path& dir);

  test_ca ca;
  cert_files server;
  cert_files client;
  test_ca other_ca;
  cert_files stranger;

  /// The server's TLS files.
  tls_node_files server_files() const;

  /// The client's TLS files.
  tls_node_files client_files() const;
};

} // namespace microshop::testing
