#pragma once

// Where the nodes listen unless told otherwise: the one place of the default
// ports (scripts/cluster.sh repeats them for the shell).

#include <cstdint>
#include <string_view>

namespace microshop::actors::defaults {

/// The address every node listens on and looks for its peers at.
constexpr std::string_view host = "127.0.0.1";

/// The user node's BASP port.
constexpr uint16_t user_node_port = 7101;

/// The order node's BASP port.
constexpr uint16_t order_node_port = 7102;

/// The edge's HTTP port.
constexpr uint16_t http_port = 8080;

} // namespace microshop::actors::defaults
