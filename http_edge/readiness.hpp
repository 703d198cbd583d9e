#pragma once

// `GET /readyz`: the edge's own links to the nodes and each node's links to
// its peers, as one JSON body; and the probe that asks the nodes for their
// links in rounds, at most one at a time, keeping what a round found for a
// short while (docs/api.md, "/readyz").

#include "actors/link_state.hpp"
#include "http_edge/response.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace microshop::http_edge {

/// What a node said of its own links: the links, or why they are not known.
struct node_links {
  std::optional<std::vector<actors::link_state>> links;
  /// Why `links` is not known (e.g. the node did not answer in time).
  std::string unknown;
};

/// One node as `GET /readyz` shows it.
struct node_readiness {
  std::string_view name;
  bool connected = false;
  /// Why the node last refused the edge's hello; empty if it did not.
  std::string_view refusal;
  /// What the node said of its links, shown for a connected node; none: not
  /// asked, neither shown nor required.
  const node_links* links = nullptr;
};

/// 200 {"status":"ready","nodes":{"<name>":{"connected":true,"links":[{
/// "name":"<peer>","connected":true},...]},...}} when every node is
/// connected and every link it reported is up; else 503 with "error" first
/// naming what is down, "connected":false on a node the edge cannot reach
/// (with the "error" of its refused hello), "error" on a connected node whose
/// links are not known, "connected":false and the refusal as "error" on a
/// link, and "down": the same names as a list.
response readiness(const std::vector<node_readiness>& nodes);

/// Rounds of asking every node the edge reaches for its links: at most one
/// round runs; a round's findings count as current for `max_age` after it
/// ended. Plain state over a clock the caller reads; the edge sends the
/// requests (each with a finite timeout) and reports the answers.
class links_probe {
public:
  using clock = std::chrono::steady_clock;

  links_probe() = default;

  links_probe(size_t nodes, clock::duration max_age);

  size_t size() const {
    return links_.size();
  }

  /// Whether no round runs, the last one ended at most `max_age` before
  /// `now`, and no node was lost since it started.
  bool fresh(clock::time_point now) const;

  /// Whether a round waits for answers.
  bool running() const {
    return waiting_ > 0;
  }

  /// Starts a round that asks node `i` when `asked[i]` (one flag per node;
  /// a node not asked keeps no links); returns the round's number. A round
  /// that asks no node has ended at `now`.
  uint64_t start(const std::vector<bool>& asked, clock::time_point now);

  /// Records node `i`'s answer to round `round`; whether it ended the round.
  /// An answer to another round, or a second answer, changes nothing.
  bool answer(uint64_t round, size_t i, node_links x, clock::time_point now);

  /// Records that node `i` was lost: what the rounds so far found no longer
  /// counts as current (a node that comes back is a new one, which its peers
  /// must reach again), and the running round, if it waits on `i`, has its
  /// answer; whether that ended the round.
  bool lost(size_t i, clock::time_point now);

  /// What node `i` said in the last round.
  const node_links& links(size_t i) const {
    return links_[i];
  }

private:
  std::vector<node_links> links_;
  std::vector<bool> pending_;
  size_t waiting_ = 0;
  uint64_t round_ = 0;
  /// Whether a node was lost since the last round started.
  bool lost_since_start_ = false;
  clock::duration max_age_{};
  std::optional<clock::time_point> ended_at_;
};

} // namespace microshop::http_edge
