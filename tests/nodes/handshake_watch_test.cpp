// handshake_watch: the bound on accepted connections that have not spoken
// BASP yet, over real socket pairs (a shut-down end reads as closed).

#include "nodes/handshake_watch.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <memory>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace microshop::testing {

namespace {

using namespace std::chrono_literals;

/// A connected pair: `server` is what the watch sees, `client` the peer.
struct socket_pair {
  int server = -1;
  int client = -1;

  socket_pair() {
    int fds[2];
    BOOST_REQUIRE_EQUAL(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    server = fds[0];
    client = fds[1];
  }

  ~socket_pair() {
    ::close(server);
    ::close(client);
  }

  /// Whether the watch shut the server end down (the client reads EOF).
  bool closed() const {
    pollfd p{client, POLLIN, 0};
    if (::poll(&p, 1, 0) != 1)
      return false;
    char c;
    return ::recv(client, &c, 1, MSG_DONTWAIT) == 0;
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(handshake_watch_suite)

BOOST_AUTO_TEST_CASE(past_the_bound_the_oldest_silent_connections_close) {
  nodes::handshake_watch watch{4, 10s};
  std::vector<std::unique_ptr<socket_pair>> pairs;
  std::vector<nodes::handshake_watch::ticket_ptr> tickets;
  for (int i = 0; i < 6; ++i) {
    pairs.push_back(std::make_unique<socket_pair>());
    tickets.push_back(watch.admit(pairs.back()->server));
  }
  // Admitting the 5th closed the 1st, the 6th the 2nd.
  BOOST_CHECK(pairs[0]->closed());
  BOOST_CHECK(pairs[1]->closed());
  for (int i = 2; i < 6; ++i)
    BOOST_CHECK(!pairs[i]->closed());
  BOOST_CHECK_EQUAL(watch.pending(), 4u);
}

BOOST_AUTO_TEST_CASE(started_and_gone_connections_are_never_closed) {
  nodes::handshake_watch watch{2, 10s};
  socket_pair a, b, c, d;
  auto ta = watch.admit(a.server);
  auto tb = watch.admit(b.server);
  ta->started = true; // spoke BASP: no longer watched
  tb->gone = true;    // its scribe is gone: the number may be reused
  auto tc = watch.admit(c.server);
  auto td = watch.admit(d.server);
  BOOST_CHECK(!a.closed());
  BOOST_CHECK(!b.closed());
  BOOST_CHECK(!c.closed());
  BOOST_CHECK(!d.closed());
  BOOST_CHECK_EQUAL(watch.pending(), 2u);
}

BOOST_AUTO_TEST_CASE(silent_past_the_deadline_closes_at_the_next_arrival) {
  nodes::handshake_watch watch{64, 50ms};
  socket_pair old, fresh;
  auto t1 = watch.admit(old.server);
  std::this_thread::sleep_for(120ms);
  BOOST_CHECK(!old.closed()); // nothing happens without a new connection
  auto t2 = watch.admit(fresh.server);
  BOOST_CHECK(old.closed());
  BOOST_CHECK(!fresh.closed());
  BOOST_CHECK_EQUAL(watch.pending(), 1u);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace microshop::testing
