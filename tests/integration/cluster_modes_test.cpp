// The modes of the test cluster (tests/support/cluster): mutual TLS with
// certificates from scripts/certs.sh, and a network namespace per node that
// goes away with the cluster, also when an earlier test process died.

#include "support/cluster.hpp"
#include "support/netns.hpp"
#include "support/process.hpp"

#include <boost/test/unit_test.hpp>
#include <csignal>
#include <filesystem>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

using namespace microshop::testing;
using namespace std::chrono_literals;
namespace utf = boost::unit_test;

namespace {

boost::test_tools::assertion_result as_root(utf::test_unit_id) {
  boost::test_tools::assertion_result r{::geteuid() == 0};
  r.message() << "needs root (network namespaces)";
  return r;
}

bool has_netns(const std::string& name) {
  return std::filesystem::exists("/run/netns/" + name);
}

/// The HTTP status of GET `url` ("000" when nothing answers).
std::string http_status(const std::string& url) {
  return run_command({"curl", "-s", "-m", "5", "-o", "/dev/null", "-w",
                      "%{http_code}", url})
      .output;
}

/// A pid that no process has: one of a child that exited.
pid_t dead_pid() {
  auto pid = ::fork();
  if (pid == 0)
    ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

} // namespace

BOOST_AUTO_TEST_SUITE(cluster_modes)

BOOST_AUTO_TEST_CASE(tls_mode_gives_every_node_its_certificate_from_certs_sh) {
  cluster c{{2, 1}, {.tls = true, .netns = false}};
  auto current = c.dir() / "certs" / "current";
  for (auto n : c.all()) {
    auto name = to_string(n);
    BOOST_CHECK_MESSAGE(std::filesystem::exists(current / (name + ".pem")) &&
                            std::filesystem::exists(current / (name + ".key")),
                        name);
  }
  c.start_all();
  BOOST_CHECK(wait_until(
      [&] {
        return http_status(
                   "http://127.0.0.1:" + std::to_string(c.port(node::edge)) +
                   "/readyz") == "200";
      },
      15s));
  for (auto n : c.all())
    BOOST_CHECK_MESSAGE(c.log(n).find("BASP links with mutual TLS") !=
                            std::string::npos,
                        c.log(n));
}

BOOST_AUTO_TEST_CASE(
    netns_mode_puts_every_node_in_its_own_namespace_and_removes_them,
    *utf::precondition(as_root)) {
  std::set<std::string> spaces;
  std::vector<pid_t> pids;
  {
    cluster c{{2, 1}, {.tls = true, .netns = true}};
    c.start_all();
    std::set<std::string> addresses;
    for (auto n : c.all()) {
      spaces.insert(c.netns(n));
      addresses.insert(c.address(n));
      pids.push_back(c.process(n).pid());
      auto in = run_command(
          {ip_tool(), "netns", "identify", std::to_string(c.process(n).pid())});
      BOOST_CHECK_EQUAL(in.output, c.netns(n) + "\n");
      // Its own address, and no way off the bridge.
      auto addr =
          c.run_in(n, {"ip", "-4", "-o", "addr", "show", "dev", "eth0"});
      BOOST_CHECK_MESSAGE(addr.output.find(" " + c.address(n) + "/24 ") !=
                              std::string::npos,
                          addr.output);
      BOOST_CHECK_EQUAL(c.run_in(n, {"ip", "route", "show", "default"}).output,
                        "");
    }
    BOOST_CHECK_EQUAL(addresses.size(), c.all().size());
    BOOST_CHECK_EQUAL(http_host(), c.address(node::edge));
    // The edge reaches users-2 at its address; this process reaches the edge.
    auto reach =
        c.run_in(node::edge, {"bash", "-c",
                              "exec 3<>/dev/tcp/" + c.address(node::user(2)) +
                                  "/" + std::to_string(c.port(node::user(2)))});
    BOOST_CHECK_EQUAL(reach.code, 0);
    BOOST_CHECK(wait_until(
        [&] {
          return http_status("http://" + c.address(node::edge) + ":" +
                             std::to_string(c.port(node::edge)) + "/readyz") ==
                 "200";
        },
        15s));
  }
  for (const auto& ns : spaces)
    BOOST_CHECK_MESSAGE(!has_netns(ns), ns << " left");
  for (auto pid : pids)
    BOOST_CHECK_MESSAGE(::kill(pid, 0) != 0, "node " << pid << " left");
  BOOST_CHECK_EQUAL(http_host(), "127.0.0.1");
}

BOOST_AUTO_TEST_CASE(what_a_dead_test_process_left_is_removed_by_the_next,
                     *utf::precondition(as_root)) {
  // As a test process killed mid-run leaves them: the bridge, a node's
  // namespace, and a process still running in it.
  auto stale = "mt" + std::to_string(dead_pid()) + "-0";
  auto made = netns_lib("netns_bridge", {stale});
  BOOST_REQUIRE_EQUAL(made.output, "");
  made = netns_lib("netns_add", {stale, "users-1", "10.215.255.2/24"});
  BOOST_REQUIRE_EQUAL(made.code, 0);
  auto log = std::filesystem::temp_directory_path() / (stale + ".log");
  child_process sleeper{
      ip_tool(), {"netns", "exec", stale + "-users-1", "sleep", "600"}, log};
  BOOST_REQUIRE(wait_until(
      [&] {
        return run_command({ip_tool(), "netns", "pids", stale + "-users-1"})
                   .output == std::to_string(sleeper.pid()) + "\n";
      },
      5s));
  {
    netns_net next{{"edge"}};
    BOOST_CHECK(!has_netns(stale + "-net"));
    BOOST_CHECK(!has_netns(stale + "-users-1"));
    BOOST_CHECK_NE(sleeper.wait(5s), -1);
    BOOST_CHECK(has_netns(next.netns("edge")));
  }
  std::filesystem::remove(log);
}

BOOST_AUTO_TEST_SUITE_END()
