#pragma once

#include "actors/peer_link.hpp"
#include "nodes/link_middleman.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace microshop::nodes {

/// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost).
bool is_loopback(const std::string& host);

/// What a node's flags ask of its BASP links.
struct link_flags {
  bool insecure = false;
  caf::timespan connect_timeout = std::chrono::seconds(1);
};

/// Decides how the BASP links of `node` run, from CAF's `openssl.*` options
/// in `cfg` and `flags`; `hosts` are every address it listens on or
/// connects to. TLS when certificates are given (checked by
/// `check_tls_files`; loads `caf::openssl::manager` into `cfg`, so call
/// before the actor system exists); plaintext with `--insecure`, or without
/// certificates when every host is loopback (a line on stdout says so).
/// The error is the one line to print before exiting 1.
caf::expected<link_settings>
choose_links(caf::actor_system_config& cfg, const link_flags& flags,
             const std::string& node, const std::vector<std::string>& hosts);

/// Where a node listens for BASP links, and the middleman actor that does.
struct listener {
  uint16_t port = 0;
  /// Keep it as long as the node serves.
  caf::io::middleman_actor middleman;
};

/// Publishes `whom` (with the message types `sigs`) on `host:port` through a
/// link middleman of `s` (`port` 0: a free one).
caf::expected<listener> publish_links(caf::actor_system& sys,
                                      caf::strong_actor_ptr whom,
                                      std::set<std::string> sigs,
                                      const std::string& host, uint16_t port,
                                      const link_settings& s);

/// Makes one link middleman of `s` per peer link.
actors::connector_factory link_connectors(link_settings s);

} // namespace microshop::nodes
