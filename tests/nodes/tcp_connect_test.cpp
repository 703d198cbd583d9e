// tcp_connect: a connect to a peer is bounded by its timeout, also when the
// peer's packets are dropped (a cut network), not the kernel's SYN timeout.

#include "nodes/tcp_connect.hpp"
#include "support/process.hpp"

#include <boost/test/unit_test.hpp>
#include <caf/sec.hpp>
#include <cstdlib>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace microshop::testing {

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

/// A listening socket on 127.0.0.1 (a free port).
struct listener {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  uint16_t port = 0;

  listener() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len);
    ::listen(fd, 8);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }

  ~listener() {
    ::close(fd);
  }
};

std::string text(const caf::error& err) {
  return caf::to_string(err);
}

/// The outcome of one connect, and how long it took.
struct attempt {
  caf::expected<caf::io::network::native_socket> fd{caf::sec::runtime_error};
  clock_type::duration took{};
};

attempt connect_to(const std::string& host, uint16_t port,
                   caf::timespan timeout) {
  attempt a;
  auto t0 = clock_type::now();
  a.fd = nodes::tcp_connect(host, port, timeout);
  a.took = clock_type::now() - t0;
  if (a.fd)
    ::close(*a.fd);
  return a;
}

} // namespace

BOOST_AUTO_TEST_SUITE(tcp_connect)

BOOST_AUTO_TEST_CASE(connects_with_a_non_blocking_close_on_exec_socket) {
  listener l;
  auto fd = nodes::tcp_connect("127.0.0.1", l.port, 1s);
  BOOST_TEST_REQUIRE(static_cast<bool>(fd), (fd ? "" : text(fd.error())));
  BOOST_TEST((::fcntl(*fd, F_GETFL) & O_NONBLOCK) != 0);
  BOOST_TEST((::fcntl(*fd, F_GETFD) & FD_CLOEXEC) != 0);
  int nodelay = 0;
  socklen_t len = sizeof(nodelay);
  ::getsockopt(*fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len);
  BOOST_TEST(nodelay != 0);
  ::close(*fd);
}

BOOST_AUTO_TEST_CASE(resolves_a_name) {
  listener l;
  auto a = connect_to("localhost", l.port, 1s);
  BOOST_TEST(static_cast<bool>(a.fd));
}

BOOST_AUTO_TEST_CASE(a_refused_port_fails_at_once) {
  held_port closed;
  auto a = connect_to("127.0.0.1", closed.port(), 5s);
  BOOST_TEST_REQUIRE(!a.fd);
  BOOST_TEST((a.fd.error() == caf::sec::cannot_connect_to_node));
  BOOST_TEST(text(a.fd.error()).find("refused") != std::string::npos,
             text(a.fd.error()));
  BOOST_TEST(a.took < 1s);
}

BOOST_AUTO_TEST_CASE(an_unknown_name_fails_with_the_reason) {
  auto a = connect_to("no-such-node.invalid", 4242, 2s);
  BOOST_TEST_REQUIRE(!a.fd);
  BOOST_TEST((a.fd.error() == caf::sec::cannot_connect_to_node));
  BOOST_TEST(text(a.fd.error()).find("no-such-node.invalid:4242") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_peer_whose_packets_are_dropped_costs_the_timeout_only) {
  if (::geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: needs root for a network namespace");
    return;
  }
  // A thread of its own in a fresh network namespace (it vanishes with the
  // thread: nothing to clean up, also after a crash) whose loopback drops
  // every packet to port 4243 and refuses 4244.
  attempt dropped;
  attempt refused;
  std::string setup_error;
  std::thread t{[&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      setup_error = "unshare(CLONE_NEWNET) failed";
      return;
    }
    // Children inherit this thread's namespace.
    auto rc = std::system(
        "ip link set lo up && "
        "nft add table inet microshop_test && "
        "nft 'add chain inet microshop_test input "
        "{ type filter hook input priority 0; policy accept; }' && "
        "nft add rule inet microshop_test input tcp dport 4243 drop");
    if (rc != 0) {
      setup_error = "ip/nft setup failed: " + std::to_string(rc);
      return;
    }
    refused = connect_to("127.0.0.1", 4244, 2s);
    dropped = connect_to("127.0.0.1", 4243, 300ms);
  }};
  t.join();
  BOOST_TEST_REQUIRE(setup_error.empty(), setup_error);
  // The control: the namespace answers on other ports.
  BOOST_TEST(!refused.fd);
  BOOST_TEST(refused.took < 200ms);
  BOOST_TEST_REQUIRE(!dropped.fd);
  BOOST_TEST(text(dropped.fd.error())
                     .find("no answer within the connect "
                           "timeout") != std::string::npos,
             text(dropped.fd.error()));
  BOOST_TEST(dropped.took >= 290ms);
  BOOST_TEST(dropped.took < 800ms,
             std::chrono::duration_cast<std::chrono::milliseconds>(dropped.took)
                     .count()
                 << " ms");
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace microshop::testing
