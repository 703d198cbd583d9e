// The nodes' logs over real processes: JSON lines; a start line with the
// effective configuration and never a secret; no line per request at the
// default level; a bad --log-level refused; a lost link and its return.

#include "e2e/e2e.hpp"
#include "ops/log_lines.hpp"
#include "support/test_certs.hpp"

#include <csignal>
#include <fstream>

using namespace microshop::testing;
using namespace std::chrono_literals;

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in{p};
  return {std::istreambuf_iterator<char>{in}, {}};
}

/// Runs a user node with `args` (its output into `dir/out.log`) until it
/// listens, stops it with SIGTERM, checks it exits 0 and returns its output.
std::string run_user_node(const std::filesystem::path& dir,
                          std::vector<std::string> args) {
  child_process p{bin_dir() / "user_node", std::move(args), dir / "out.log"};
  BOOST_REQUIRE_MESSAGE(wait_for_listening_port(p, dir / "out.log", 0, 20s),
                        read_file(dir / "out.log"));
  p.signal(SIGTERM);
  BOOST_CHECK_EQUAL(p.wait(10s), 0);
  return read_file(dir / "out.log");
}

/// The JSON lines of every node of `c`, by node.
std::map<node, size_t> line_counts(const cluster& c) {
  std::map<node, size_t> out;
  for (auto n : c.all())
    out[n] = json_lines(c.log(n)).size();
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(logs)

BOOST_AUTO_TEST_CASE(start_shows_the_configuration_and_never_the_passphrase) {
  temp_dir dir;
  const std::string passphrase = "Pass-Phrase-7f3c-secret";
  test_ca ca{dir / "ca"};
  issue_options locked;
  locked.passphrase = passphrase;
  auto files = ca.issue("users-1", dir / "certs", locked);
  auto data = dir / "data";
  auto log =
      run_user_node(dir.path(), {"--port=0", "--data-dir=" + data.string(),
                                 "--hash-ops=1", "--hash-mem-kib=8",
                                 "--openssl.certificate=" + files.cert.string(),
                                 "--openssl.key=" + files.key.string(),
                                 "--openssl.cafile=" + ca.cert().string(),
                                 "--openssl.passphrase=" + passphrase});
  auto lines = json_lines(log);
  for (auto& j : lines)
    check_line(j, "users-1");
  auto start = find_event(lines, "start", "");
  BOOST_REQUIRE_MESSAGE(start >= 0, log);
  auto text = lines[start].dump();
  BOOST_CHECK_MESSAGE(text.find(data.string()) != std::string::npos,
                      "no data dir in " << text);
  BOOST_CHECK_MESSAGE(text.find(files.cert.string()) != std::string::npos,
                      "no certificate path in " << text);
  BOOST_CHECK_MESSAGE(text.find("hash") != std::string::npos,
                      "no hash settings in " << text);
  BOOST_CHECK_MESSAGE(log.find(passphrase) == std::string::npos,
                      "the log shows the passphrase: " << log);
  BOOST_CHECK(log.find("PRIVATE KEY") == std::string::npos);
  BOOST_CHECK_MESSAGE(find_event(lines, "listening", "") > start, log);
  BOOST_CHECK_MESSAGE(find_event(lines, "shutdown", "") > start, log);
}

BOOST_AUTO_TEST_CASE(a_bad_log_level_exits_1_naming_the_flag) {
  temp_dir dir;
  for (std::string exe : {"user_node", "order_node", "edge_node"}) {
    std::vector<std::string> argv{(bin_dir() / exe).string(),
                                  "--log-level=bogus", "--port=0"};
    if (exe != "edge_node") // the edge has no data dir
      argv.push_back("--data-dir=" + (dir / exe).string());
    auto r = run_command(argv);
    BOOST_CHECK_MESSAGE(r.code == 1, exe << " exited " << r.code);
    BOOST_CHECK_MESSAGE(r.output.find("log-level") != std::string::npos,
                        exe << ": " << r.output);
    BOOST_CHECK_MESSAGE(std::count(r.output.begin(), r.output.end(), '\n') == 1,
                        exe << ": " << r.output);
  }
}

BOOST_AUTO_TEST_CASE(warn_level_keeps_info_lines_out) {
  temp_dir dir;
  auto log =
      run_user_node(dir.path(), {"--port=0", "--log-level=warn",
                                 "--data-dir=" + (dir / "data").string()});
  for (auto& j : json_lines(log)) {
    check_line(j, "users-1");
    BOOST_CHECK_MESSAGE(str(j, "level") == "warn" || str(j, "level") == "error",
                        j.dump());
  }
}

BOOST_FIXTURE_TEST_CASE(the_default_level_writes_no_line_per_request,
                        e2e_fixture) {
  auto uid = make_user("quiet")["id"].get<std::string>();
  auto before = line_counts(nodes);
  http_connection c{http};
  int answered = 0;
  for (int round = 0; round < 125; ++round) {
    // 16 pipelined: 12 reads, 2 orders, a missing user, an unknown route.
    for (int i = 0; i < 12; ++i)
      c.send("GET", "/api/users/" + uid);
    for (int i = 0; i < 2; ++i)
      c.send("POST", "/api/orders",
             R"({"userId":")" + uid +
                 R"(","products":[{"productId":"p","quantity":1,"price":1}]})");
    c.send("GET", "/api/users/01900000-0000-7000-8000-000000000000");
    c.send("GET", "/nowhere");
    for (int i = 0; i < 16; ++i) {
      auto r = c.read();
      BOOST_REQUIRE(r);
      answered += r->status < 500;
    }
  }
  BOOST_CHECK_EQUAL(answered, 2000);
  std::this_thread::sleep_for(300ms);
  auto after = line_counts(nodes);
  for (auto n : nodes.all())
    BOOST_CHECK_MESSAGE(after[n] - before[n] <= 3,
                        to_string(n) << " wrote " << after[n] - before[n]
                                     << " lines for 2000 requests: "
                                     << events(json_lines(nodes.log(n))));
}

BOOST_FIXTURE_TEST_CASE(a_killed_user_node_is_logged_lost_then_up_again,
                        e2e_fixture) {
  auto edge_lines = [&] { return json_lines(nodes.log(node::edge)); };
  auto order_lines = [&] { return json_lines(nodes.log(node::orders)); };
  BOOST_REQUIRE(find_event(edge_lines(), "link_up", "users-1") >= 0);
  nodes.kill9(node::users);
  long lost = -1, order_lost = -1;
  BOOST_REQUIRE_MESSAGE(
      wait_until(
          [&] {
            lost = find_event(edge_lines(), "link_lost", "users-1");
            order_lost = find_event(order_lines(), "link_lost", "users-1");
            return lost >= 0 && order_lost >= 0;
          },
          10s),
      "edge: " << events(edge_lines())
               << "\norders: " << events(order_lines()));
  // Reconnect attempts fail while it is down.
  std::this_thread::sleep_for(1500ms);
  BOOST_CHECK_MESSAGE(
      find_event(edge_lines(), "reconnecting", "users-1", lost) > lost,
      events(edge_lines()));
  nodes.start(node::users);
  BOOST_CHECK_MESSAGE(wait_until(
                          [&] {
                            return find_event(edge_lines(), "link_up",
                                              "users-1", lost) > lost &&
                                   find_event(order_lines(), "link_up",
                                              "users-1",
                                              order_lost) > order_lost;
                          },
                          10s),
                      "edge: " << events(edge_lines())
                               << "\norders: " << events(order_lines()));
  for (auto& j : edge_lines())
    check_line(j, "edge");
}

BOOST_AUTO_TEST_SUITE_END()
