#pragma once

#include "nodes/handshake_watch.hpp"

#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/native_socket.hpp>
#include <caf/io/scribe.hpp>
#include <caf/openssl/session.hpp>
#include <cstddef>
#include <string>

namespace microshop::nodes {

/// The largest BASP payload a link reads by default: far above the largest
/// message microshop sends (a page of 1,000 orders is ~300 KB), far below
/// what would hurt a node.
constexpr size_t default_max_payload = size_t{16} << 20;

/// What every BASP connection of a node enforces.
struct link_limits {
  /// A read larger than this closes the connection instead (CAF 0.17 sizes
  /// the read of a BASP payload from the header's unchecked `payload_len`).
  size_t max_payload = default_max_payload;
  /// The largest first message (a BASP handshake: ~1 KB for our nodes) read
  /// before a connection has sent one whole.
  size_t max_handshake = size_t{64} << 10;
  /// The node's name, for the line printed when a connection is closed.
  std::string node;
};

/// A scribe for the plaintext BASP connection on `fd` that closes the
/// connection on a BASP header CAF 0.17 mishandles (a payload over
/// `limits.max_payload`, a handshake without payload); marks `watched` (an
/// accepted connection's ticket, or null) at its first header.
caf::io::scribe_ptr
make_plain_scribe(caf::io::network::default_multiplexer& mpx,
                  caf::io::network::native_socket fd, const link_limits& limits,
                  handshake_watch::ticket_ptr watched = nullptr);

/// A scribe for the TLS connection on `fd` (its handshake driven by `session`)
/// with the checks of `make_plain_scribe`. Unlike libcaf_openssl's own
/// scribe it does not spin while the handshake waits for the peer (CAF issue
/// 1060, fixed upstream only in 0.18.4): a write that TLS cannot make before
/// it reads stops asking for write events until the socket is readable.
caf::io::scribe_ptr
make_tls_scribe(caf::io::network::default_multiplexer& mpx,
                caf::io::network::native_socket fd,
                caf::openssl::session_ptr session, const link_limits& limits,
                handshake_watch::ticket_ptr watched = nullptr);

} // namespace microshop::nodes
