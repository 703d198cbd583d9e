// Two actor systems in this process, linked over real sockets through the link
// middleman with mutual TLS; and clients that must not get in.

#include "nodes/link_systems.hpp"
#include "nodes/raw_clients.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

namespace microshop::testing {

namespace {

struct tls_link {
  temp_dir dir;
  link_pki pki{dir.path()};
  link_system server{"server", pki.server_files()};
  link_system client{"client", pki.client_files()};
  uint16_t port = server.publish_echo();

  /// Whether the published actor still answers a new TLS link.
  bool still_serving() {
    auto answer = client.ask_echo(port, "still");
    return answer && *answer == "echo:still";
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(tls_links, tls_link)

BOOST_AUTO_TEST_CASE(a_typed_request_crosses_a_mutual_tls_link) {
  BOOST_TEST_REQUIRE(port != 0);
  BOOST_TEST(server.settings().tls);
  auto answer = client.ask_echo(port, "hi");
  BOOST_TEST_REQUIRE(static_cast<bool>(answer), why(answer));
  BOOST_TEST(*answer == "echo:hi");
}

BOOST_AUTO_TEST_CASE(a_tls_client_with_a_certificate_of_the_ca_gets_in) {
  // The control for the refusals below: the same raw client, with the right
  // certificate, completes the handshake and sees the server's.
  auto c = raw_client::tls(port, &pki.client, pki.ca.cert().string());
  BOOST_TEST_REQUIRE(c.ok(), c.error());
  BOOST_TEST(c.peer_serial() == serial_of(pki.server.cert));
}

BOOST_AUTO_TEST_CASE(a_plain_tcp_client_gets_no_basp_and_is_dropped) {
  auto c = raw_client::plain(port);
  BOOST_TEST_REQUIRE(c.ok());
  auto h = basp_header(basp_client_handshake, 0);
  c.send(h.data(), h.size());
  BOOST_TEST(c.closed_within(std::chrono::seconds(5)));
  BOOST_TEST(still_serving());
}

BOOST_AUTO_TEST_CASE(a_tls_client_without_a_certificate_is_refused) {
  auto c = raw_client::tls(port, nullptr, pki.ca.cert().string());
  BOOST_TEST(!c.ok());
  BOOST_TEST_MESSAGE("refused: " << c.error());
  BOOST_TEST(still_serving());
}

BOOST_AUTO_TEST_CASE(a_tls_client_with_a_certificate_of_another_ca_is_refused) {
  auto c = raw_client::tls(port, &pki.stranger, pki.ca.cert().string());
  BOOST_TEST(!c.ok());
  BOOST_TEST_MESSAGE("refused: " << c.error());
  BOOST_TEST(still_serving());
}

BOOST_AUTO_TEST_CASE(refused_clients_leave_an_established_link_alone) {
  // OpenSSL keeps errors per thread; a refused handshake must not make the
  // next read of another connection on the multiplexer thread fail.
  auto peer = client.connect_echo(port);
  BOOST_TEST_REQUIRE(static_cast<bool>(peer), why(peer));
  for (int i = 0; i < 3; ++i) {
    auto stranger = raw_client::tls(port, &pki.stranger, "");
    BOOST_TEST(!stranger.ok());
    auto plain = raw_client::plain(port);
    auto h = basp_header(basp_client_handshake, 0);
    plain.send(h.data(), h.size());
    plain.closed_within(std::chrono::seconds(5));
    auto answer = client.ask(*peer, "same link");
    BOOST_TEST(static_cast<bool>(answer), why(answer));
  }
}

BOOST_AUTO_TEST_CASE(a_second_link_to_a_linked_node_leaves_both_working) {
  // The second connect is redundant for CAF (it closes it at once); the first
  // connection must survive that close.
  for (int i = 0; i < 4; ++i) {
    auto answer = client.ask_echo(port, std::to_string(i));
    BOOST_TEST(static_cast<bool>(answer),
               "attempt " << i << ": " << why(answer));
  }
}

BOOST_AUTO_TEST_CASE(a_node_with_a_certificate_of_another_ca_gets_no_link) {
  link_system stranger{
      "stranger",
      tls_node_files{pki.stranger.cert, pki.stranger.key, pki.other_ca.cert()}};
  auto answer = stranger.ask_echo(port, "hi");
  BOOST_TEST(!answer);
  BOOST_TEST(still_serving());
}

BOOST_AUTO_TEST_CASE(a_plaintext_node_gets_no_link_to_a_tls_node) {
  link_system plain{"plain"};
  auto answer = plain.ask_echo(port, "hi");
  BOOST_TEST(!answer);
  BOOST_TEST(still_serving());
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace microshop::testing
