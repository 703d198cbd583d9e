// How a node process starts and stops: flags, config file, failures.

#include "support/cluster.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <csignal>
#include <fstream>

using namespace microshop::testing;
using namespace std::chrono_literals;

namespace {

struct node_run {
  temp_dir dir;

  child_process run(const std::string& exe, std::vector<std::string> args) {
    return child_process{bin_dir() / exe, std::move(args), dir / "out.log"};
  }

  /// The one line a failing node printed, or what it printed in full.
  std::string output() const {
    std::ifstream in{dir / "out.log"};
    return {std::istreambuf_iterator<char>{in}, {}};
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(node_process, node_run)

BOOST_AUTO_TEST_CASE(help_lists_the_options_and_exits_0) {
  auto p = run("order_node", {"--help"});
  BOOST_CHECK_EQUAL(p.wait(10s), 0);
  for (auto flag : {"--users-port", "--verify-timeout", "--data-dir",
                    "--sync-writes", "--config-file"})
    BOOST_CHECK_MESSAGE(output().find(flag) != std::string::npos, flag);
}

BOOST_AUTO_TEST_CASE(a_bad_flag_exits_1_with_a_one_line_reason) {
  auto p = run("user_node", {"--no-such-flag=1"});
  BOOST_CHECK_EQUAL(p.wait(10s), 1);
  auto out = output();
  BOOST_CHECK(out.find("no-such-flag") != std::string::npos);
  BOOST_CHECK_EQUAL(std::count(out.begin(), out.end(), '\n'), 1);
}

BOOST_AUTO_TEST_CASE(an_idempotency_ttl_out_of_range_exits_1_saying_so) {
  // Values that overflowed CAF's nanosecond timespan started nodes with a
  // wrapped TTL; each is refused now, on both store nodes.
  for (std::string node : {"user_node", "order_node"}) {
    for (std::string ttl : {"5124120h", "0s", "-1s", "1.5h", "24", "3651d",
                            "99999999999ms", "garbage"}) {
      auto p = run(node, {"--idempotency-ttl=" + ttl,
                          "--data-dir=" + (dir / ("ttl-" + node)).string()});
      BOOST_CHECK_EQUAL(p.wait(10s), 1);
      auto out = output();
      BOOST_CHECK_MESSAGE(out.find("--idempotency-ttl must be") !=
                              std::string::npos,
                          node << " " << ttl << ": " << out);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_port_in_use_exits_1_naming_the_port) {
  held_port busy{true};
  auto port = std::to_string(busy.port());
  auto p = run("user_node",
               {"--port=" + port, "--data-dir=" + (dir / "a").string()});
  BOOST_CHECK_EQUAL(p.wait(10s), 1);
  BOOST_CHECK_MESSAGE(output().find("cannot listen on 127.0.0.1:" + port) !=
                          std::string::npos,
                      output());
}

BOOST_AUTO_TEST_CASE(an_unusable_data_dir_exits_1_naming_the_path) {
  std::ofstream{dir / "file"} << "x";
  auto p =
      run("order_node", {"--port=0", "--data-dir=" + (dir / "file").string()});
  BOOST_CHECK_EQUAL(p.wait(10s), 1);
  BOOST_CHECK(output().find((dir / "file").string()) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(
    reads_its_options_from_a_config_file_and_stops_on_sigterm) {
  // port=0: the node binds a port of the kernel's choosing and prints it.
  std::ofstream{dir / "node.ini"} << "[global]\nport=0"
                                  << "\ndata-dir=\"" << (dir / "users").string()
                                  << "\"\nhash-ops=1\n";
  auto p = run("user_node", {"--config-file=" + (dir / "node.ini").string()});
  auto port = wait_for_listening_port(p, dir / "out.log", 0, 10s);
  BOOST_REQUIRE_MESSAGE(port != 0, output());
  BOOST_CHECK(port_open(port));
  BOOST_CHECK(std::filesystem::exists(dir / "users" / "CURRENT"));
  p.signal(SIGTERM);
  BOOST_CHECK_EQUAL(p.wait(10s), 0);
  BOOST_CHECK(output().find("store closed") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(test_cluster)

BOOST_AUTO_TEST_CASE(
    a_node_keeps_the_port_it_printed_when_it_first_started_across_kill9) {
  cluster c;
  c.start(node::users);
  auto port = c.port(node::users);
  auto line = "user_node listening on 127.0.0.1:" + std::to_string(port);
  BOOST_CHECK_MESSAGE(c.log(node::users).find(line) != std::string::npos,
                      c.log(node::users));
  c.kill9(node::users);
  c.start(node::users);
  BOOST_CHECK_EQUAL(c.port(node::users), port);
  auto log = c.log(node::users);
  BOOST_CHECK_MESSAGE(log.find(line) != log.rfind(line), log);
  BOOST_CHECK(port_open(port));
}

BOOST_AUTO_TEST_CASE(
    a_peer_needed_before_it_started_gets_a_port_that_refuses_until_it_starts) {
  cluster c;
  c.start(node::orders);
  auto users = c.port(node::users);
  BOOST_CHECK(!port_open(users));
  c.start(node::users);
  BOOST_CHECK_EQUAL(c.port(node::users), users);
  BOOST_CHECK(port_open(users));
}

BOOST_AUTO_TEST_SUITE_END()
