// Hostile and unlucky clients against a real three-process cluster: every
// answer reaches the connection that asked, one connection cannot take the
// edge's memory or stall other clients, slow clients meet deadlines, and the
// edge survives running out of connections and file descriptors.

#include "e2e/e2e.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace microshop::testing;
using namespace std::chrono_literals;

namespace {

/// A raw TCP client socket to 127.0.0.1.
class raw_socket {
public:
  explicit raw_socket(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    BOOST_REQUIRE(fd_ >= 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE_MESSAGE(
        ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0,
        "connect: " << std::strerror(errno));
  }

  /// Shrinks the receive buffer to `bytes` after the connection is made:
  /// the window the client already offered collapses, and the peer's
  /// output crawls (tens of KB/s on loopback) while the client reads.
  void shrink_receive_buffer(int bytes) {
    BOOST_REQUIRE(
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) == 0);
  }

  ~raw_socket() {
    if (fd_ >= 0)
      ::close(fd_);
  }

  raw_socket(const raw_socket&) = delete;
  raw_socket& operator=(const raw_socket&) = delete;

  void send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      BOOST_REQUIRE_MESSAGE(n > 0, "send: " << std::strerror(errno));
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }

  /// Sends what fits without blocking; returns the bytes sent.
  size_t send_some(std::string_view bytes) {
    auto n =
        ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    return n > 0 ? static_cast<size_t>(n) : 0;
  }

  void shutdown_write() {
    ::shutdown(fd_, SHUT_WR);
  }

  /// Closes with a reset (SO_LINGER 0), as a crashing client would.
  void reset() {
    linger lg{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    ::close(fd_);
    fd_ = -1;
  }

  /// Everything the peer sends until it closes or `timeout` passes; sets
  /// `closed` to whether it closed.
  std::string read_until_close(std::chrono::milliseconds timeout,
                               bool* closed = nullptr) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    bool eof = false;
    while (!eof) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0)
        break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0)
        break;
      char buf[65536];
      auto n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0)
        eof = true;
      else
        out.append(buf, static_cast<size_t>(n));
    }
    if (closed)
      *closed = eof;
    return out;
  }

  int fd() const {
    return fd_;
  }

private:
  int fd_ = -1;
};

size_t count_of(const std::string& text, std::string_view what) {
  size_t n = 0;
  for (auto i = text.find(what); i != std::string::npos;
       i = text.find(what, i + what.size()))
    ++n;
  return n;
}

/// Resident memory of `pid` in MiB.
double rss_mib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

/// CPU time of `pid` (user + system) in seconds.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), {});
  auto rest = all.substr(all.rfind(')') + 2);
  std::istringstream fields(rest);
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i)
    if (i == 14 || i == 15)
      ticks += std::stod(f);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string user_body(const std::string& name) {
  return nlohmann::json{{"username", name},
                        {"email", name + "@example.com"},
                        {"password", "pw-" + name + "-1"}}
      .dump();
}

std::string post_text(const std::string& target, const std::string& body) {
  return "POST " + target +
         " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

const std::string healthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

/// `GET /healthz` on a fresh connection answers within `limit`.
bool healthz_within(uint16_t port, std::chrono::milliseconds limit) {
  http_connection c{port};
  c.send("GET", "/healthz");
  auto r = c.read(limit);
  return r && r->status == 200;
}

/// Creates `n` orders of `products` lines each for `uid` over one pipelined
/// connection; requires every one to be 201.
void make_orders(uint16_t port, const std::string& uid, int n, int products) {
  raw_socket s{port};
  nlohmann::json lines = nlohmann::json::array();
  for (int i = 0; i < products; ++i)
    lines.push_back({{"productId", "sku-number-" + std::to_string(i)},
                     {"quantity", 3},
                     {"price", 12.5}});
  auto body = nlohmann::json{{"userId", uid}, {"products", lines}}.dump();
  std::string all;
  for (int i = 0; i < n; ++i)
    all += post_text("/api/orders", body);
  s.send_all(all);
  s.shutdown_write();
  auto answers = s.read_until_close(60s);
  BOOST_REQUIRE_EQUAL(count_of(answers, "HTTP/1.1 201"), size_t(n));
}

struct slow_hash_fixture : e2e_fixture {
  slow_hash_fixture() : e2e_fixture(false) {
    nodes.extra_args[node::users] = {"--hash-ops=40", "--hash-workers=1"};
    start_all();
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(edge_connections)

BOOST_FIXTURE_TEST_CASE(
    an_answer_for_a_reset_connection_never_reaches_the_next_client_on_its_socket,
    slow_hash_fixture) {
  for (int round = 0; round < 4; ++round) {
    auto a_name = "alice" + std::to_string(round);
    auto b_name = "bobby" + std::to_string(round);
    {
      raw_socket a{http};
      a.send_all(post_text("/api/users", user_body(a_name)));
      std::this_thread::sleep_for(50ms); // the edge has read A's request
      a.reset();
    }
    std::this_thread::sleep_for(20ms); // the edge has seen the reset
    http_connection b{http};
    b.send("POST", "/api/users", user_body(b_name));
    auto r = b.read(20s);
    BOOST_REQUIRE_MESSAGE(r, "B got no answer");
    BOOST_CHECK_EQUAL(r->status, 201);
    BOOST_CHECK_EQUAL(r->json().value("username", ""), b_name);
    // A's user was still created (the request was read), B never hears of it.
    BOOST_CHECK(!b.read(200ms));
  }
}

BOOST_FIXTURE_TEST_CASE(a_half_closed_client_gets_every_answer, e2e_fixture) {
  auto user = make_user("halfclose");
  auto id = user["id"].get<std::string>();
  raw_socket s{http};
  s.send_all(healthz + post_text("/api/users", user_body("halfclose2")) +
             "GET /api/users/" + id + " HTTP/1.1\r\nHost: x\r\n\r\n");
  s.shutdown_write();
  bool closed = false;
  auto all = s.read_until_close(10s, &closed);
  BOOST_CHECK(closed);
  BOOST_CHECK_EQUAL(count_of(all, "HTTP/1.1 "), 3u);
  BOOST_CHECK_NE(all.find("HTTP/1.1 201"), std::string::npos);
  BOOST_CHECK_NE(all.find("\"username\":\"halfclose2\""), std::string::npos);
  BOOST_CHECK_NE(all.find("\"username\":\"halfclose\""), std::string::npos);
  // The write happened.
  BOOST_CHECK_EQUAL(get("/api/users?limit=10").json().size(), 2u);
}

BOOST_FIXTURE_TEST_CASE(
    a_client_that_pipelines_without_reading_is_read_no_further, e2e_fixture) {
  auto edge = nodes.process(node::edge).pid();
  auto before = rss_mib(edge);
  raw_socket flood{http};
  std::string chunk;
  for (int i = 0; i < 2000; ++i)
    chunk += healthz;
  size_t sent = 0;
  auto until = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < until) {
    auto n = flood.send_some(chunk);
    sent += n;
    if (n == 0)
      std::this_thread::sleep_for(1ms);
  }
  // The client's send stalls: the edge stopped reading (TCP flow control).
  BOOST_TEST_MESSAGE("flooding client sent " << sent / healthz.size()
                                             << " requests in 3 s");
  BOOST_CHECK_LT(sent, size_t{64} << 20);
  auto during = rss_mib(edge);
  BOOST_TEST_MESSAGE("edge RSS " << before << " MiB -> " << during << " MiB");
  BOOST_CHECK_LT(during - before, 64.0);
  // Everyone else is served at once.
  for (int i = 0; i < 5; ++i)
    BOOST_CHECK(healthz_within(http, 1s));
}

BOOST_FIXTURE_TEST_CASE(pipelined_large_lists_hold_bounded_memory_on_every_node,
                        e2e_fixture) {
  auto user = make_user("lister");
  auto uid = user["id"].get<std::string>();
  // 1,000 orders of 20 products: a page of 1,000 is about 1.5 MB of JSON.
  {
    raw_socket s{http};
    nlohmann::json products = nlohmann::json::array();
    for (int i = 0; i < 20; ++i)
      products.push_back({{"productId", "sku-number-" + std::to_string(i)},
                          {"quantity", 3},
                          {"price", 12.5}});
    auto body = nlohmann::json{{"userId", uid}, {"products", products}}.dump();
    std::string all;
    for (int i = 0; i < 1000; ++i)
      all += post_text("/api/orders", body);
    s.send_all(all);
    s.shutdown_write();
    auto answers = s.read_until_close(60s);
    BOOST_REQUIRE_EQUAL(count_of(answers, "HTTP/1.1 201"), 1000u);
  }
  auto edge = nodes.process(node::edge).pid();
  auto orders = nodes.process(node::orders).pid();
  auto edge_before = rss_mib(edge);
  auto orders_before = rss_mib(orders);
  raw_socket flood{http};
  std::string list = "GET /api/orders?limit=1000 HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string chunk;
  for (int i = 0; i < 2000; ++i)
    chunk += list;
  size_t sent = 0;
  auto until = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < until && sent < chunk.size()) {
    auto n = flood.send_some(std::string_view{chunk}.substr(sent));
    sent += n;
    if (n == 0)
      std::this_thread::sleep_for(5ms);
  }
  std::this_thread::sleep_for(1s);
  auto edge_after = rss_mib(edge);
  auto orders_after = rss_mib(orders);
  BOOST_TEST_MESSAGE("edge " << edge_before << " -> " << edge_after
                             << " MiB, order node " << orders_before << " -> "
                             << orders_after << " MiB");
  BOOST_CHECK_LT(edge_after - edge_before, 64.0);
  BOOST_CHECK_LT(orders_after - orders_before, 128.0);
  BOOST_CHECK(healthz_within(http, 2s));
  BOOST_CHECK_EQUAL(request(http, "GET", "/api/orders?limit=1").status, 200);
}

struct short_idle_fixture : e2e_fixture {
  short_idle_fixture() : e2e_fixture(false) {
    nodes.extra_args[node::edge] = {"--idle-timeout=2s"};
    start_all();
  }
};

BOOST_FIXTURE_TEST_CASE(
    a_client_reading_through_a_small_window_is_served_past_the_idle_timeout,
    short_idle_fixture) {
  // A client reading through a window shrunk after connecting drains the
  // socket's queue at tens of KB/s, with no write event for CAF's stream
  // and no new request: it must get every answer. (The issue-15 hostile run
  // had such a client reset as stalled or idle while still receiving; that
  // needed ~6 MB in flight, 150 s at this pace: reproduced by hand, see the
  // note on issue 15. This one checks the same path at a test's length.)
  auto uid = make_user("window")["id"].get<std::string>();
  // Pages of 100 orders of 2 lines (~20 KB): the edge writes the answers
  // that are ready together, more than half the output limit
  // (--max-unsent-kib, 256) at once: the case that turns on reports.
  make_orders(http, uid, 100, 2);
  raw_socket s{http};
  s.shrink_receive_buffer(4096);
  std::string all;
  for (int i = 0; i < 20; ++i)
    all += "GET /api/orders?limit=100 HTTP/1.1\r\nHost: x\r\n\r\n";
  s.send_all(all);
  s.shutdown_write();
  auto t0 = std::chrono::steady_clock::now();
  bool closed = false;
  auto answers = s.read_until_close(90s, &closed);
  auto took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0);
  BOOST_TEST_MESSAGE("20 pages through a 4 KiB window in " << took.count()
                                                           << " s");
  BOOST_CHECK(closed);
  BOOST_CHECK_EQUAL(count_of(answers, "HTTP/1.1 200"), 20u);
}

struct small_output_fixture : e2e_fixture {
  small_output_fixture() : e2e_fixture(false) {
    nodes.extra_args[node::edge] = {"--max-unsent-kib=8"};
    start_all();
  }
};

BOOST_FIXTURE_TEST_CASE(
    a_pipelined_connection_whose_answers_fill_its_output_is_served_to_the_end,
    small_output_fixture) {
  // Each answer (30 orders of 20 lines, ~55 KB) passes the 8 KiB output
  // limit while more requests wait behind it on the connection.
  auto uid = make_user("bigpages")["id"].get<std::string>();
  make_orders(http, uid, 30, 20);
  raw_socket s{http};
  std::string all;
  for (int i = 0; i < 100; ++i)
    all += "GET /api/orders?limit=30 HTTP/1.1\r\nHost: x\r\n\r\n";
  s.send_all(all + healthz);
  s.shutdown_write();
  bool closed = false;
  auto answers = s.read_until_close(30s, &closed);
  BOOST_CHECK(closed);
  BOOST_CHECK_EQUAL(count_of(answers, "HTTP/1.1 200"), 101u);
  BOOST_CHECK_NE(answers.find("{\"status\":\"ok\"}"), std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(
    greedy_list_pipelines_keep_the_order_node_bounded_and_others_served,
    e2e_fixture) {
  auto uid = make_user("greedy")["id"].get<std::string>();
  make_orders(http, uid, 100, 100); // pages of ~75 orders, ~1 MB each
  auto some_order =
      get("/api/orders?limit=1").json()[0]["id"].get<std::string>();
  auto orders = nodes.process(node::orders).pid();
  auto before = rss_mib(orders);
  std::string lists;
  for (int i = 0; i < 200; ++i)
    lists += "GET /api/orders?limit=1000 HTTP/1.1\r\nHost: x\r\n\r\n";
  std::vector<std::unique_ptr<raw_socket>> greedy;
  for (int i = 0; i < 40; ++i) {
    greedy.push_back(std::make_unique<raw_socket>(http));
    greedy.back()->send_some(lists); // and never read
  }
  double peak = before;
  std::vector<std::chrono::milliseconds> waits;
  auto until = std::chrono::steady_clock::now() + 8s;
  while (std::chrono::steady_clock::now() < until) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = request(http, "GET", "/api/orders/" + some_order);
    waits.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t0));
    BOOST_CHECK_EQUAL(r.status, 200);
    peak = std::max(peak, rss_mib(orders));
    std::this_thread::sleep_for(200ms);
  }
  auto slowest = *std::max_element(waits.begin(), waits.end());
  BOOST_TEST_MESSAGE("order node RSS " << before << " -> peak " << peak
                                       << " MiB; slowest other read "
                                       << slowest.count() << " ms");
  BOOST_CHECK_LT(peak - before, 256.0);
  BOOST_CHECK_LT(slowest, 3000ms);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(edge_deadlines)

struct short_deadlines_fixture : e2e_fixture {
  short_deadlines_fixture() : e2e_fixture(false) {
    nodes.extra_args[node::edge] = {"--header-timeout=1s", "--body-timeout=1s"};
    start_all();
  }
};

BOOST_FIXTURE_TEST_CASE(slow_headers_get_408_and_are_closed,
                        short_deadlines_fixture) {
  std::vector<std::unique_ptr<raw_socket>> slow;
  for (int i = 0; i < 100; ++i) {
    slow.push_back(std::make_unique<raw_socket>(http));
    slow.back()->send_all("G");
  }
  auto start = std::chrono::steady_clock::now();
  // One more header byte per client every 300 ms: never a whole request.
  std::string rest = "ET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaa";
  for (size_t k = 0; k < 4; ++k) {
    std::this_thread::sleep_for(300ms);
    BOOST_CHECK(healthz_within(http, 500ms));
    for (auto& s : slow)
      s->send_some(rest.substr(k, 1));
  }
  size_t refused = 0;
  for (auto& s : slow) {
    bool closed = false;
    auto got = s->read_until_close(3s, &closed);
    if (closed && got.rfind("HTTP/1.1 408", 0) == 0)
      ++refused;
  }
  auto took = std::chrono::steady_clock::now() - start;
  BOOST_CHECK_EQUAL(refused, slow.size());
  BOOST_CHECK_LT(took, 4s);
}

BOOST_FIXTURE_TEST_CASE(a_slow_body_gets_408_and_is_closed,
                        short_deadlines_fixture) {
  raw_socket s{http};
  s.send_all("POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Type: "
             "application/json\r\nContent-Length: 100\r\n\r\n{\"user");
  bool closed = false;
  auto got = s.read_until_close(4s, &closed);
  BOOST_CHECK(closed);
  BOOST_CHECK_EQUAL(got.substr(0, 12), "HTTP/1.1 408");
  BOOST_CHECK_NE(got.find("Request body not received within 1 s"),
                 std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_deadline_does_not_cut_a_client_that_keeps_pace,
                        short_deadlines_fixture) {
  // Requests that each arrive whole keep the connection open past the
  // deadlines: they run per request, not per connection.
  http_connection c{http};
  for (int i = 0; i < 6; ++i) {
    c.send("GET", "/healthz");
    auto r = c.read(1s);
    BOOST_REQUIRE(r);
    BOOST_CHECK_EQUAL(r->status, 200);
    std::this_thread::sleep_for(300ms);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(edge_caps)

struct small_caps_fixture : e2e_fixture {
  small_caps_fixture() : e2e_fixture(false) {
    nodes.extra_args[node::edge] = {"--max-connections=20",
                                    "--max-buffered-mib=16"};
    start_all();
  }
};

BOOST_FIXTURE_TEST_CASE(past_the_connection_cap_a_client_gets_503_at_once,
                        small_caps_fixture) {
  std::vector<std::unique_ptr<http_connection>> held;
  for (int i = 0; i < 20; ++i) {
    held.push_back(std::make_unique<http_connection>(http));
    held.back()->send("GET", "/healthz");
    BOOST_REQUIRE(held.back()->read(2s));
  }
  http_connection extra{http};
  extra.send("GET", "/healthz");
  auto r = extra.read(2s);
  BOOST_REQUIRE(r);
  BOOST_CHECK_EQUAL(r->status, 503);
  BOOST_CHECK(r->header("retry-after"));
  BOOST_CHECK_EQUAL(e2e_fixture::error_of(*r), "Too many connections");
  BOOST_CHECK(extra.closed_by_peer(3s));
  // Those already in are served as before, and a freed place is taken.
  held[0]->send("GET", "/healthz");
  BOOST_CHECK(held[0]->read(2s));
  held.pop_back();
  BOOST_CHECK(wait_until([&] { return healthz_within(http, 500ms); }, 3s));
}

BOOST_FIXTURE_TEST_CASE(partial_bodies_past_the_memory_cap_get_503,
                        small_caps_fixture) {
  auto edge = nodes.process(node::edge).pid();
  auto before = rss_mib(edge);
  std::string head = "POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     "application/json\r\nContent-Length: 1048576\r\n\r\n";
  std::string part(900 * 1024, ' ');
  std::vector<std::unique_ptr<raw_socket>> uploads;
  for (int i = 0; i < 30; ++i) {
    uploads.push_back(std::make_unique<raw_socket>(http));
    uploads.back()->send_all(head);
    size_t sent = 0;
    auto until = std::chrono::steady_clock::now() + 2s;
    while (sent < part.size() && std::chrono::steady_clock::now() < until) {
      auto n = uploads.back()->send_some(std::string_view{part}.substr(sent));
      sent += n;
      if (n == 0)
        std::this_thread::sleep_for(1ms);
    }
  }
  std::this_thread::sleep_for(300ms);
  size_t refused = 0;
  for (auto& u : uploads) {
    bool closed = false;
    auto got = u->read_until_close(200ms, &closed);
    if (got.rfind("HTTP/1.1 503", 0) == 0) {
      ++refused;
      BOOST_CHECK_NE(got.find("Retry-After: 1"), std::string::npos);
    }
  }
  auto during = rss_mib(edge);
  BOOST_TEST_MESSAGE(refused << " of 30 partial uploads refused; edge RSS "
                             << before << " -> " << during << " MiB");
  BOOST_CHECK_GE(refused, 1u);
  BOOST_CHECK_LT(during - before, 40.0);
  BOOST_CHECK(healthz_within(http, 1s));
}

BOOST_AUTO_TEST_CASE(out_of_file_descriptors_the_edge_backs_off_and_recovers) {
  e2e_fixture f{false};
  f.nodes.extra_args[node::edge] = {"--max-connections=5000"};
  f.start_all();
  auto edge = f.nodes.process(node::edge).pid();
  rlimit lim{256, 256};
  BOOST_REQUIRE_EQUAL(::prlimit(edge, RLIMIT_NOFILE, &lim, nullptr), 0);
  rlimit mine{};
  getrlimit(RLIMIT_NOFILE, &mine);
  BOOST_REQUIRE_MESSAGE(mine.rlim_cur >= 600, "the test needs 600 fds");
  std::vector<std::unique_ptr<raw_socket>> clients;
  for (int i = 0; i < 400; ++i)
    clients.push_back(std::make_unique<raw_socket>(f.http));
  std::this_thread::sleep_for(300ms);
  auto cpu0 = cpu_seconds(edge);
  std::this_thread::sleep_for(2s);
  auto busy = (cpu_seconds(edge) - cpu0) / 2.0;
  BOOST_TEST_MESSAGE("edge CPU at its fd limit: " << busy * 100 << " %");
  BOOST_CHECK_LT(busy, 0.2);
  BOOST_CHECK_EQUAL(
      count_of(f.nodes.log(node::edge), R"("event":"accept_failed")"), 1u);
  // Free descriptors: the waiting clients are accepted and served.
  clients.erase(clients.begin(), clients.begin() + 300);
  auto& last = *clients.back();
  last.send_all(healthz);
  pollfd p{last.fd(), POLLIN, 0};
  BOOST_CHECK_EQUAL(::poll(&p, 1, 5000), 1);
  bool closed = false;
  (void)closed;
  BOOST_CHECK(healthz_within(f.http, 2s));
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

/// A cluster whose edge serves `/docs/<file>` from a directory holding one
/// 4 MiB file as Redoc's bundle.
struct big_docs_fixture : e2e_fixture {
  microshop::testing::temp_dir docs;

  big_docs_fixture() : e2e_fixture(false) {
    std::ofstream{docs.path() / "redoc.standalone.js"}
        << std::string(size_t{4} << 20, 'x');
    nodes.extra_args[node::edge] = {"--docs-dir=" + docs.path().string()};
    start_all();
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(
    pipelined_file_downloads_without_reading_hold_bounded_memory,
    big_docs_fixture) {
  auto edge = nodes.process(node::edge).pid();
  auto before = rss_mib(edge);
  // 8 clients ask for the 4 MiB file 30 times each and read nothing: the
  // edge would hold ~1 GiB if it answered them all at once.
  std::string ask;
  for (int i = 0; i < 30; ++i)
    ask += "GET /docs/redoc.standalone.js HTTP/1.1\r\nHost: x\r\n\r\n";
  std::vector<std::unique_ptr<raw_socket>> greedy;
  for (int c = 0; c < 8; ++c) {
    greedy.push_back(std::make_unique<raw_socket>(http));
    greedy.back()->send_all(ask);
  }
  std::this_thread::sleep_for(2s);
  auto during = rss_mib(edge);
  BOOST_TEST_MESSAGE("edge RSS " << before << " MiB -> " << during << " MiB");
  BOOST_CHECK_LT(during - before, 100.0);
  // One client that reads gets the file, the rest are told to read first.
  bool closed = false;
  auto all = greedy.front()->read_until_close(3s, &closed);
  BOOST_CHECK_NE(all.find("HTTP/1.1 200"), std::string::npos);
  BOOST_CHECK_NE(all.find("HTTP/1.1 503"), std::string::npos);
  BOOST_CHECK(healthz_within(http, 1s));
}
