// The merge against nodes whose clocks are apart and whose creates commit
// out of id order: a client that follows `Link` (or polls `after` the last
// id it saw) sees every record exactly once, in id order.

#include "http_edge/list_merge.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

using namespace microshop;
using namespace microshop::http_edge;

namespace {

/// Fixed-width text: ids compare as their times do.
std::string stamp(long t) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%010ld", t);
  return buf;
}

/// A node as the merge sees it: ids from its own clock (`now + skew`), each
/// visible only once committed, a few steps after it was taken.
struct sim_node {
  int index = 0;
  long skew = 0;
  /// Items a page may hold before the limit (as the order node's size
  /// budget stops a page early).
  size_t budget = 1000;
  int seq = 0;
  /// Taken and not yet committed: id and when it commits.
  std::vector<std::pair<std::string, long>> pending;
  std::vector<std::string> committed; // kept sorted

  std::string create(long now, long commit_at) {
    char tail[16];
    std::snprintf(tail, sizeof(tail), "-%d-%05d", index, seq++);
    auto id = stamp(now + skew) + tail;
    pending.emplace_back(id, commit_at);
    return id;
  }

  void commit_due(long now) {
    std::erase_if(pending, [&](auto& p) {
      if (p.second > now)
        return false;
      committed.insert(
          std::upper_bound(committed.begin(), committed.end(), p.first),
          p.first);
      return true;
    });
  }

  /// The node's page: visible items after `after` below its watermark (the
  /// smallest id in flight, else its clock), at most `limit`.
  actors::user_page list(long now, const actors::page& w) const {
    actors::user_page out;
    out.watermark = stamp(now + skew);
    for (auto& p : pending)
      out.watermark = std::min(out.watermark, p.first);
    auto i = std::upper_bound(committed.begin(), committed.end(), w.after);
    for (; i != committed.end() && *i < out.watermark; ++i) {
      if (out.items.size() == std::min<size_t>(w.limit, budget)) {
        out.full = true;
        break;
      }
      out.items.push_back({*i, "", "", 0});
    }
    out.more = i != committed.end() || !pending.empty();
    return out;
  }
};

/// Runs `nodes` for `steps` of creates, then lets them settle; a poller asks
/// after the last id it saw every step (following `more` while pages come
/// back non-empty). Returns what it saw and everything created.
std::pair<std::vector<std::string>, std::vector<std::string>>
run(std::vector<sim_node> nodes, int steps, uint32_t limit, unsigned seed) {
  std::mt19937 rng{seed};
  std::vector<std::string> created;
  std::vector<std::string> seen;
  std::string after;
  for (long now = 0; now < steps + 100; ++now) {
    for (auto& n : nodes) {
      if (now < steps && rng() % 3 != 0)
        for (unsigned k = rng() % 4; k > 0; --k)
          created.push_back(n.create(now, now + rng() % 6));
      n.commit_due(now);
    }
    for (int round = 0; round < 50; ++round) {
      actors::page w{after, limit};
      std::vector<actors::user_page> pages;
      for (auto& n : nodes)
        pages.push_back(n.list(now, w));
      auto merged = merge_pages(std::move(pages), w);
      for (auto& u : merged.items)
        seen.push_back(u.id);
      if (!merged.items.empty())
        after = merged.items.back().id;
      if (!merged.more || merged.items.empty())
        break;
    }
  }
  std::sort(created.begin(), created.end());
  return {seen, created};
}

std::vector<sim_node> nodes_with_skews(std::vector<long> skews) {
  std::vector<sim_node> out;
  for (size_t i = 0; i < skews.size(); ++i) {
    sim_node n;
    n.index = static_cast<int>(i);
    n.skew = skews[i];
    out.push_back(n);
  }
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(list_poll)

BOOST_AUTO_TEST_CASE(a_poller_sees_every_record_once_with_clocks_apart) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    for (uint32_t limit : {1u, 3u, 100u}) {
      auto nodes = nodes_with_skews({0, 40, -25});
      nodes[seed % 3].budget = 2; // one node's pages stop early
      auto [seen, created] = run(nodes, 200, limit, seed);
      BOOST_REQUIRE(!created.empty());
      BOOST_CHECK_MESSAGE(seen == created,
                          "seed " << seed << ", limit " << limit << ": saw "
                                  << seen.size() << " of " << created.size());
    }
  }
}

BOOST_AUTO_TEST_CASE(one_node_alone_is_polled_as_before) {
  auto [seen, created] = run(nodes_with_skews({7}), 200, 5, 3);
  BOOST_CHECK(seen == created);
}

BOOST_AUTO_TEST_CASE(the_lowest_bound_is_what_keeps_a_poller_whole) {
  // A node far behind holds the others back until its clock passes their
  // ids: before that, the poller sees none of theirs.
  auto nodes = nodes_with_skews({1000, 0});
  nodes[0].create(0, 0);
  nodes[0].commit_due(0);
  actors::page w{"", 10};
  std::vector<actors::user_page> pages;
  for (auto& n : nodes)
    pages.push_back(n.list(0, w));
  auto merged = merge_pages(std::move(pages), w);
  BOOST_CHECK(merged.items.empty());
  BOOST_CHECK(merged.more);
}

BOOST_AUTO_TEST_SUITE_END()
