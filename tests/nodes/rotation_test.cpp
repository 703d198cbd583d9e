// Certificate rotation at the transport: the node's files are reached through
// a `current` symlink (as scripts/certs.sh lays them out) and CAF reads them
// again for every new connection, so swapping the symlink rotates the node's
// certificate without a restart.

#include "nodes/link_systems.hpp"
#include "nodes/raw_clients.hpp"
#include "support/temp_dir.hpp"

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <mutex>
#include <thread>
#include <vector>

namespace microshop::testing {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

/// One generation of a node's files, as certs.sh makes them.
fs::path make_generation(const test_ca& ca, const fs::path& root, int n) {
  auto gen = root / ("gen-" + std::to_string(n));
  issue_options opts;
  opts.serial = std::to_string(n) + "00" + std::to_string(n);
  ca.issue("server", gen, opts);
  ca.issue("client", gen);
  fs::copy_file(ca.cert(), gen / "ca.pem");
  return gen;
}

/// Points `root/current` at `gen` atomically (ln -s + mv -T).
void point_current(const fs::path& root, const fs::path& gen) {
  auto tmp = root / "current.new";
  fs::remove(tmp);
  fs::create_directory_symlink(gen.filename(), tmp);
  fs::rename(tmp, root / "current");
}

struct rotating_node {
  temp_dir dir;
  test_ca ca{dir / "ca"};
  fs::path gen1 = make_generation(ca, dir.path(), 1);
  fs::path gen2 = make_generation(ca, dir.path(), 2);
  fs::path gen3 = make_generation(ca, dir.path(), 3);
  cert_files client_files{gen1 / "client.pem", gen1 / "client.key"};
  bool pointed = (point_current(dir.path(), gen1), true);
  link_system server{"server", tls_node_files{dir / "current/server.pem",
                                              dir / "current/server.key",
                                              dir / "current/ca.pem"}};
  link_system client{
      "client", tls_node_files{client_files.cert, client_files.key, ca.cert()}};
  uint16_t port = server.publish_echo();

  /// The serial a new connection sees now; empty when refused.
  std::string served_serial() {
    auto c = raw_client::tls(port, &client_files, ca.cert().string());
    return c.ok() ? c.peer_serial() : std::string{};
  }
};

/// Waits up to 20 s until `attempts()` reaches `n`.
template <class F> void wait_for_attempts(F&& attempts, size_t n) {
  auto deadline = clock_type::now() + 20s;
  while (attempts() < n && clock_type::now() < deadline)
    std::this_thread::sleep_for(5ms);
  BOOST_TEST(attempts() >= n);
}

/// One connection of the reconnecting client.
struct outcome {
  clock_type::time_point started;
  clock_type::time_point ended;
  bool ok = false;
  std::string serial;
  std::string error;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(rotation, rotating_node)

BOOST_AUTO_TEST_CASE(new_connections_get_the_new_certificate_after_a_swap) {
  BOOST_TEST_REQUIRE(port != 0);
  auto old_link = client.connect_echo(port);
  BOOST_TEST_REQUIRE(static_cast<bool>(old_link), why(old_link));
  std::vector<outcome> seen;
  std::mutex mtx;
  std::atomic<bool> stop{false};
  std::thread reconnecting{[&] {
    while (!stop) {
      outcome o;
      o.started = clock_type::now();
      auto c = raw_client::tls(port, &client_files, ca.cert().string());
      o.ok = c.ok();
      o.serial = c.peer_serial();
      o.error = c.error();
      o.ended = clock_type::now();
      std::lock_guard<std::mutex> guard{mtx};
      seen.push_back(std::move(o));
    }
  }};
  auto attempts = [&] {
    std::lock_guard<std::mutex> guard{mtx};
    return seen.size();
  };
  std::vector<std::pair<clock_type::time_point, std::string>> swaps;
  std::vector<std::string> serials{serial_of(gen1 / "server.pem"),
                                   serial_of(gen2 / "server.pem"),
                                   serial_of(gen3 / "server.pem")};
  for (auto& gen : {gen2, gen3}) {
    auto before = attempts();
    wait_for_attempts(attempts, before + 20);
    point_current(dir.path(), gen);
    swaps.emplace_back(clock_type::now(), serial_of(gen / "server.pem"));
  }
  wait_for_attempts(attempts, attempts() + 20);
  stop = true;
  reconnecting.join();
  size_t ok = 0;
  for (auto& o : seen) {
    BOOST_TEST((o.ok || !o.error.empty()));
    if (!o.ok)
      continue;
    ++ok;
    // A generation swapped in between the start and the end of this
    // connection; after a swap completed, never an older one.
    auto generation_at = [&](clock_type::time_point t) {
      size_t g = 0;
      while (g < swaps.size() && swaps[g].first <= t)
        ++g;
      return g;
    };
    auto from = generation_at(o.started);
    auto to = generation_at(o.ended);
    bool matches = false;
    for (auto g = from; g <= to; ++g)
      matches = matches || o.serial == serials[g];
    BOOST_TEST(matches, o.serial << " not of generations " << from + 1 << ".."
                                 << to + 1);
  }
  BOOST_TEST_MESSAGE(seen.size() << " connections, " << ok << " accepted");
  BOOST_TEST(ok * 10 >= seen.size() * 9);
  BOOST_TEST(served_serial() == serial_of(gen3 / "server.pem"));
  // The link made before the swaps keeps its session and works on.
  auto answer = client.ask(*old_link, "old");
  BOOST_TEST(static_cast<bool>(answer), why(answer));
  // And a new node link works with the new certificate.
  link_system late{"late", tls_node_files{gen3 / "client.pem",
                                          gen3 / "client.key", ca.cert()}};
  auto fresh = late.ask_echo(port, "new");
  BOOST_TEST(static_cast<bool>(fresh), why(fresh));
}

BOOST_AUTO_TEST_CASE(a_broken_generation_refuses_connections_not_the_node) {
  BOOST_TEST_REQUIRE(port != 0);
  auto old_link = client.connect_echo(port);
  BOOST_TEST_REQUIRE(static_cast<bool>(old_link), why(old_link));
  // A generation whose key is missing (a half-copied directory): libcaf
  // throws while loading it; the node must only refuse the connection.
  auto broken = dir / "gen-9";
  fs::create_directories(broken);
  fs::copy_file(gen2 / "server.pem", broken / "server.pem");
  fs::copy_file(gen2 / "ca.pem", broken / "ca.pem");
  point_current(dir.path(), broken);
  for (int i = 0; i < 3; ++i) {
    auto c = raw_client::tls(port, &client_files, ca.cert().string());
    BOOST_TEST(!c.ok());
    BOOST_TEST_MESSAGE("refused: " << c.error());
  }
  auto answer = client.ask(*old_link, "during");
  BOOST_TEST(static_cast<bool>(answer), why(answer));
  point_current(dir.path(), gen2);
  BOOST_TEST(served_serial() == serial_of(gen2 / "server.pem"));
  answer = client.ask(*old_link, "after");
  BOOST_TEST(static_cast<bool>(answer), why(answer));
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace microshop::testing
