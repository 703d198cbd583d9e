#pragma once

// What the user and order nodes report for GET /metrics, built from their
// store's statistics and their links (plain functions, no actor system).

#include "actors/metric_sample.hpp"
#include "actors/peer_group.hpp"
#include "persistence/records.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace microshop::actors {

/// `text` as a Prometheus label value: backslash, double quote and line
/// feed escaped.
std::string label_value(std::string_view text);

/// Appends the samples of a store: `microshop_store_size_bytes` and
/// `microshop_store_keys` per column family,
/// `microshop_store_write_stalls_total`, `microshop_store_writes_stopped` and
/// `microshop_store_errors_total`.
void add_store_samples(metric_samples& out, const persistence::store_stats& s);

/// Appends the samples of one link to a peer node: `microshop_peer_link_up`,
/// `microshop_peer_reconnects_total`, `microshop_peer_request_timeouts_total`
/// (label `peer`).
void add_peer_samples(metric_samples& out, const std::string& peer, bool up,
                      uint64_t reconnects, uint64_t timeouts);

/// Appends the samples of every link of `g` to the nodes `names` (by index,
/// as the links) but the owner's own at `self_index` (none: all).
template <class Handle>
void add_peer_group_samples(metric_samples& out, const peer_group<Handle>& g,
                            const std::vector<std::string>& names,
                            size_t self_index = static_cast<size_t>(-1)) {
  for (size_t i = 0; i < names.size() && i < g.size(); ++i) {
    if (i == self_index)
      continue;
    const auto& l = g.link(i);
    add_peer_samples(out, names[i], l.connected(), l.reconnects(),
                     l.timeouts());
  }
}

} // namespace microshop::actors
