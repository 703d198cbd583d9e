// Fills a user store and an order store directly (the nodes must be
// stopped), for benchmarks at a given data size, and writes the user ids to a
// file. Preloaded users share one Argon2id hash: computing a million would
// take hours and measure nothing. With --measure-hash it instead prints the
// milliseconds one hash takes at the given cost.

#include "actors/ids.hpp"
#include "actors/money.hpp"
#include "actors/password.hpp"
#include "actors/wire_mapping.hpp"
#include "nodes/node_main.hpp"
#include "persistence/order_store.hpp"
#include "persistence/user_store.hpp"

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

namespace {

using namespace microshop;

class preload_config : public caf::actor_system_config {
public:
  std::string data_dir = "var/data";
  size_t users = 1000;
  size_t orders_per_user = 10;
  std::string ids_out = "user_ids.txt";
  bool measure_hash = false;
  uint64_t hash_ops = 2;
  size_t hash_mem_kib = size_t{19} * 1024;
  size_t hash_workers = 2;

  preload_config() {
    opt_group{custom_options_, "global"}
        .add(data_dir, "data-dir", "holds users/ and orders/ (nodes stopped)")
        .add(users, "users", "users to add")
        .add(orders_per_user, "orders-per-user", "orders to add per user")
        .add(ids_out, "ids-out", "file to write the user ids to")
        .add(measure_hash, "measure-hash", "print ms per Argon2id hash, exit")
        .add(hash_ops, "hash-ops", "Argon2id passes (t)")
        .add(hash_mem_kib, "hash-mem-kib", "Argon2id memory in KiB (m)")
        .add(hash_workers, "hash-workers",
             "with --measure-hash: hashes running at once, as on the node");
  }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

} // namespace

int main(int argc, char** argv) {
  preload_config cfg;
  if (auto err = cfg.parse(argc, argv))
    return nodes::fail("preload", caf::actor_system_config::render(err));
  if (cfg.cli_helptext_printed)
    return 0;
  actors::pwhash_cost cost{cfg.hash_ops, cfg.hash_mem_kib * 1024};
  if (cfg.measure_hash) {
    // Time per hash as the node's hash workers see it: all of them at once.
    constexpr int per_thread = 10;
    std::atomic<bool> ok{true};
    std::vector<std::thread> threads;
    auto t0 = std::chrono::steady_clock::now();
    for (size_t t = 0; t < std::max<size_t>(cfg.hash_workers, 1); ++t)
      threads.emplace_back([&] {
        for (int i = 0; i < per_thread; ++i)
          if (!actors::hash_password("benchmark-password", cost))
            ok = false;
      });
    for (auto& t : threads)
      t.join();
    if (!ok)
      return nodes::fail("preload", "hashing failed");
    std::cout << seconds_since(t0) * 1000.0 / per_thread << std::endl;
    return 0;
  }
  auto users = persistence::user_store::open(cfg.data_dir + "/users");
  if (!users)
    return nodes::fail("preload", users.error().detail);
  auto orders = persistence::order_store::open(cfg.data_dir + "/orders");
  if (!orders)
    return nodes::fail("preload", orders.error().detail);
  auto hash = actors::hash_password("preloaded-password", cost);
  if (!hash)
    return nodes::fail("preload", "hashing failed");
  std::ofstream ids{cfg.ids_out};
  std::mt19937_64 rng{42};
  auto t0 = std::chrono::steady_clock::now();
  size_t n_orders = 0;
  for (size_t i = 0; i < cfg.users; ++i) {
    persistence::user_record u;
    u.id = actors::new_id();
    u.username = "pre" + std::to_string(i) + "_" + u.id.substr(24);
    u.email = u.username + "@preload.example.com";
    u.password_hash = *hash;
    u.created_ms = actors::id_time_ms(u.id);
    if (auto err = users->insert(u))
      return nodes::fail("preload", err.detail);
    ids << u.id << '\n';
    for (size_t j = 0; j < cfg.orders_per_user; ++j) {
      actors::order o;
      o.id = actors::new_id();
      o.user_id = u.id;
      auto lines = 1 + rng() % 4;
      for (size_t k = 0; k < lines; ++k)
        o.products.push_back({"sku-" + std::to_string(rng() % 10000),
                              static_cast<int64_t>(1 + rng() % 5),
                              static_cast<int64_t>(99 + rng() % 20000)});
      o.total_cents = actors::total_cents(o.products);
      o.status = "pending";
      o.created_ms = actors::id_time_ms(o.id);
      if (auto err = orders->insert(actors::to_record(std::move(o))))
        return nodes::fail("preload", err.detail);
      ++n_orders;
    }
  }
  // Settle the LSM trees so that the benchmark does not measure the
  // compactions a bulk load leaves behind.
  if (auto err = users->compact())
    return nodes::fail("preload", err.detail);
  if (auto err = orders->compact())
    return nodes::fail("preload", err.detail);
  std::cout << "preloaded " << cfg.users << " users and " << n_orders
            << " orders in " << seconds_since(t0) << " s" << std::endl;
  return 0;
}
