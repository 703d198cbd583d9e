// Authenticated clients that send BASP headers CAF 0.17 mishandles: a payload
// length near 4 GiB (CAF would allocate it) and a handshake without payload
// (CAF would read it through a null pointer). The link closes the connection;
// the node neither grows nor crashes, and keeps serving.

#include "nodes/link_systems.hpp"
#include "nodes/raw_clients.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <thread>

namespace microshop::testing {

namespace {

using namespace std::chrono_literals;

constexpr size_t max_growth = size_t{10} << 20;

/// A server node and a client node, both TLS or both plaintext.
struct guarded_link {
  explicit guarded_link(bool tls)
      : tls_(tls), server("server", files(pki.server_files())),
        client("client", files(pki.client_files())),
        port(server.publish_echo()) {
    // nop
  }

  std::optional<tls_node_files> files(tls_node_files f) const {
    return tls_ ? std::optional{f} : std::nullopt;
  }

  /// An authenticated connection, past the server's BASP handshake.
  raw_client connect() {
    return tls_ ? raw_client::tls(port, &pki.client, pki.ca.cert().string())
                : raw_client::plain(port);
  }

  /// Sends `header` on a new authenticated connection; whether the server
  /// closed it, with the growth of this process's RSS meanwhile.
  std::pair<bool, long>
  send_and_wait_for_close(std::array<uint8_t, 32> header) {
    auto before = static_cast<long>(resident_bytes());
    auto c = connect();
    BOOST_TEST_REQUIRE(c.ok(), c.error());
    BOOST_TEST_REQUIRE(c.send(header.data(), header.size()));
    auto closed = c.closed_within(5s);
    // Whatever CAF would allocate for the header, it would have by now.
    std::this_thread::sleep_for(200ms);
    return {closed, static_cast<long>(resident_bytes()) - before};
  }

  bool still_serving() {
    auto answer = client.ask_echo(port, "still");
    BOOST_TEST_MESSAGE("still serving: " << (answer ? *answer : why(answer)));
    return answer && *answer == "echo:still";
  }

  void refuses_a_header_over_the_cap() {
    BOOST_TEST_REQUIRE(port != 0);
    BOOST_TEST_REQUIRE(still_serving());
    auto [closed, growth] =
        send_and_wait_for_close(basp_header(basp_client_handshake, 0xFFFFFFF0));
    BOOST_TEST(closed);
    BOOST_TEST(growth < static_cast<long>(max_growth),
               "RSS grew by " << growth);
    BOOST_TEST(still_serving());
  }

  void refuses_a_handshake_without_payload() {
    BOOST_TEST_REQUIRE(port != 0);
    for (auto op : {basp_server_handshake, basp_client_handshake}) {
      auto [closed, growth] = send_and_wait_for_close(basp_header(op, 0));
      BOOST_TEST(closed, "operation " << int{op});
      BOOST_TEST(growth < static_cast<long>(max_growth));
    }
    BOOST_TEST(still_serving());
  }

  void refuses_a_payload_just_over_the_cap() {
    // 16 MiB + 1 on a data message: the cap, not only absurd lengths.
    auto len = static_cast<uint32_t>(nodes::default_max_payload + 1);
    auto [closed, growth] = send_and_wait_for_close(basp_header(0x02, len));
    BOOST_TEST(closed);
    BOOST_TEST(growth < static_cast<long>(max_growth));
    BOOST_TEST(still_serving());
  }

  bool tls_;
  temp_dir dir;
  link_pki pki{dir.path()};
  link_system server;
  link_system client;
  uint16_t port;
};

struct tls_guarded : guarded_link {
  tls_guarded() : guarded_link(true) {
  }
};

struct plain_guarded : guarded_link {
  plain_guarded() : guarded_link(false) {
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(basp_guard)

BOOST_FIXTURE_TEST_CASE(tls_closes_a_header_announcing_four_gib, tls_guarded) {
  refuses_a_header_over_the_cap();
}

BOOST_FIXTURE_TEST_CASE(tls_closes_a_handshake_without_payload, tls_guarded) {
  refuses_a_handshake_without_payload();
}

BOOST_FIXTURE_TEST_CASE(tls_closes_a_message_just_over_the_cap, tls_guarded) {
  refuses_a_payload_just_over_the_cap();
}

BOOST_FIXTURE_TEST_CASE(plaintext_closes_a_header_announcing_four_gib,
                        plain_guarded) {
  refuses_a_header_over_the_cap();
}

BOOST_FIXTURE_TEST_CASE(plaintext_closes_a_handshake_without_payload,
                        plain_guarded) {
  refuses_a_handshake_without_payload();
}

BOOST_FIXTURE_TEST_CASE(plaintext_closes_a_message_just_over_the_cap,
                        plain_guarded) {
  refuses_a_payload_just_over_the_cap();
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace microshop::testing
