#pragma once

// What the Idempotency-Key tests share: keyed POSTs, bodies, and the check
// that an answer is the replay of an earlier one.

#include "actors/idempotency.hpp"
#include "actors/shard_map.hpp"
#include "e2e/e2e.hpp"

#include <string>
#include <utility>
#include <vector>

namespace microshop::testing {

using headers = std::vector<std::pair<std::string, std::string>>;

/// A POST /api/users body.
inline std::string user_json(const std::string& name, const std::string& email,
                             const std::string& password = "password-1") {
  return nlohmann::json{
      {"username", name}, {"email", email}, {"password", password}}
      .dump();
}

/// A POST /api/orders body: one line of `quantity` x `product` at `price`.
inline std::string order_json(const std::string& user_id,
                              const std::string& product = "tea",
                              int quantity = 2, double price = 1.25) {
  return nlohmann::json{
      {"userId", user_id},
      {"products",
       {{{"productId", product}, {"quantity", quantity}, {"price", price}}}}}
      .dump();
}

struct idempotency_fixture : e2e_fixture {
  explicit idempotency_fixture(bool start = true) : e2e_fixture(start) {
  }

  /// POST of `body` to `target` with `Idempotency-Key: key`.
  http_response post_keyed(const std::string& target, const std::string& body,
                           const std::string& key) {
    return checked(request(
        http, "POST", target, body,
        {{"Content-Type", "application/json"}, {"Idempotency-Key", key}}));
  }

  /// POST with exactly the headers `hs`.
  http_response post_with(const std::string& target, const std::string& body,
                          const headers& hs) {
    return checked(request(http, "POST", target, body, hs));
  }

  /// The user node that owns the user key `key` (where its create goes).
  node key_owner(const std::string& key) const {
    auto map = actors::shard_map::parse(nodes.map_text());
    BOOST_REQUIRE(map);
    return node::user(static_cast<int>(actors::key_node(*map, key)) + 1);
  }

  /// The number of items of the list at `target` (one page of at most 1000).
  size_t count(const std::string& target) {
    auto r = get_list(target);
    BOOST_REQUIRE_EQUAL(r.status, 200);
    return r.json().size();
  }

  /// Whether `r` says it is a replay.
  static bool is_replay(const http_response& r) {
    auto h = r.header("idempotent-replayed");
    return h && *h == "true";
  }

  /// Checks that `again` is the replay of `first`: same status, body and
  /// Location, marked replayed, the header exposed to browsers.
  static void check_replay(const http_response& first,
                           const http_response& again) {
    BOOST_CHECK_EQUAL(again.status, first.status);
    BOOST_CHECK_EQUAL(again.body, first.body);
    auto l1 = first.header("location");
    auto l2 = again.header("location");
    BOOST_CHECK_EQUAL(l1 != nullptr, l2 != nullptr);
    if (l1 && l2)
      BOOST_CHECK_EQUAL(*l1, *l2);
    BOOST_CHECK_MESSAGE(is_replay(again),
                        "not marked replayed: " << again.status << " "
                                                << again.body);
    auto expose = again.header("access-control-expose-headers");
    BOOST_CHECK(expose &&
                expose->find("Idempotent-Replayed") != std::string::npos);
    BOOST_CHECK(!is_replay(first));
  }
};

} // namespace microshop::testing
