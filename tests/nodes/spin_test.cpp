// CAF issue 1060: libcaf_openssl 0.17 keeps a connection in the write set
// while its TLS handshake waits for the peer, and the multiplexer spins. Idle
// and stalled clients must cost a TLS node (nearly) no CPU.

#include "nodes/link_systems.hpp"
#include "nodes/raw_clients.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <thread>
#include <vector>

namespace microshop::testing {

namespace {

using namespace std::chrono_literals;

constexpr auto hold = 5s;

/// The CPU this process used while 5 silent TCP clients and 5 clients
/// stalled mid TLS handshake were connected to `port` for `hold`, as a
/// fraction of one core.
double cpu_with_stalled_clients(uint16_t port) {
  std::vector<raw_client> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(raw_client::plain(port));
    clients.push_back(raw_client::stalled_tls(port));
  }
  for (auto& c : clients)
    BOOST_TEST_REQUIRE(c.ok(), c.error());
  // Lets the server accept them and answer the ClientHellos.
  std::this_thread::sleep_for(300ms);
  auto cpu0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(hold);
  auto wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  return (cpu_seconds() - cpu0) / wall;
}

/// The CPU this process uses idle for `hold`, as a fraction of one core.
double idle_cpu() {
  auto cpu0 = cpu_seconds();
  std::this_thread::sleep_for(hold);
  return (cpu_seconds() - cpu0) / std::chrono::duration<double>(hold).count();
}

struct tls_server {
  temp_dir dir;
  link_pki pki{dir.path()};
  link_system server{"server", pki.server_files()};
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(handshake_spin, tls_server)

BOOST_AUTO_TEST_CASE(stalled_handshakes_cost_a_link_node_no_cpu) {
  auto port = server.publish_echo();
  BOOST_TEST_REQUIRE(port != 0);
  auto idle = idle_cpu();
  auto busy = cpu_with_stalled_clients(port);
  BOOST_TEST_MESSAGE("link middleman: idle " << idle * 100
                                             << " %, with 10 "
                                                "stalled clients "
                                             << busy * 100 << " % of one core");
  BOOST_TEST(busy < 0.10);
  // And it still serves a real node meanwhile.
  link_system client{"client", pki.client_files()};
  auto answer = client.ask_echo(port, "hi");
  BOOST_TEST(static_cast<bool>(answer), why(answer));
}

BOOST_AUTO_TEST_CASE(measures_libcaf_openssl_own_publish) {
  // Not asserted: shows whether CAF's own module spins on this machine.
  auto port = server.publish_echo_with_caf_openssl();
  BOOST_TEST_REQUIRE(port != 0);
  auto busy = cpu_with_stalled_clients(port);
  BOOST_TEST_MESSAGE("caf::openssl::publish: with 10 stalled clients "
                     << busy * 100 << " % of one core");
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace microshop::testing
