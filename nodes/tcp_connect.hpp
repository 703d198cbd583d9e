#pragma once

#include <caf/expected.hpp>
#include <caf/io/network/native_socket.hpp>
#include <caf/timespan.hpp>
#include <cstdint>
#include <string>

namespace microshop::nodes {

/// Opens a TCP connection to `host:port` (a name or a numeric address, every
/// address it resolves to in turn) that gives up after `timeout` in total:
/// unlike CAF 0.17's blocking `connect`, a host that drops packets costs
/// `timeout`, not the kernel's SYN timeout. Returns a connected non-blocking
/// socket with TCP_NODELAY and close-on-exec set, or
/// `sec::cannot_connect_to_node` with the reason (refused, timed out,
/// unresolvable) in its context.
caf::expected<caf::io::network::native_socket>
tcp_connect(const std::string& host, uint16_t port, caf::timespan timeout);

} // namespace microshop::nodes
