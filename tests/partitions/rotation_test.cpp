// Certificate rotation under load: scripts/certs.sh rotate on the running
// TLS cluster, then a user node killed and restarted so that new links are
// made. Only requests that need the killed node may fail; its links come up
// with the new generation, which the nodes now serve.

#include "partitions/partitions.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

using namespace microshop::testing;
using namespace std::chrono_literals;

namespace {

/// The first PEM certificate block of `text`, or "".
std::string first_pem(const std::string& text) {
  const std::string begin = "-----BEGIN CERTIFICATE-----";
  const std::string end = "-----END CERTIFICATE-----";
  auto b = text.find(begin);
  auto e = text.find(end, b == std::string::npos ? 0 : b);
  if (b == std::string::npos || e == std::string::npos)
    return "";
  return text.substr(b, e + end.size() - b);
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The certificate `n` serves on its BASP port to a client that shows the
/// edge's certificate of `gen`.
std::string served_certificate(const cluster& c, node n,
                               const std::filesystem::path& gen) {
  auto r = run_command({"openssl", "s_client", "-connect",
                        c.address(n) + ":" + std::to_string(c.port(n)), "-cert",
                        (gen / "edge.pem").string(), "-key",
                        (gen / "edge.key").string(), "-CAfile",
                        (gen / "ca.pem").string(), "-verify_return_error"});
  BOOST_CHECK_MESSAGE(r.output.find("Verify return code: 0 (ok)") !=
                          std::string::npos,
                      to_string(n) << ": s_client: " << r.output);
  return first_pem(r.output);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(rotation, partition_fixture)

BOOST_AUTO_TEST_CASE(
    rotating_certificates_under_load_fails_only_the_killed_node) {
  auto certs = nodes.dir() / "certs";
  auto killed = node::user(2);
  traffic load{http, user_ids, order_ids, "rot"};
  std::this_thread::sleep_for(1500ms);
  auto rotated =
      run_command({"env", "MICROSHOP_HOME=" + nodes.dir().string(), "bash",
                   (source_dir() / "scripts" / "certs.sh").string(), "rotate"});
  BOOST_REQUIRE_MESSAGE(rotated.code == 0,
                        "certs.sh rotate: " << rotated.output);
  BOOST_REQUIRE_EQUAL(std::filesystem::read_symlink(certs / "current").string(),
                      "gen-2");
  // Serving on through the swap, then new links: the killed node's.
  std::this_thread::sleep_for(1500ms);
  auto t_kill = steady::now();
  nodes.kill9(killed);
  nodes.start(killed);
  auto ready_in = time_to_ready(10s);
  auto t_ready = steady::now();
  std::this_thread::sleep_for(1500ms);
  load.stop();
  auto records = load.records();
  BOOST_REQUIRE_MESSAGE(ready_in, "/readyz not 200 within 10 s of the kill");

  // Only what needs users-2 may fail, and only while it is away; a create
  // may need it for either unique key or land on it by round robin.
  int failed = 0;
  for (auto& r : records) {
    bool ok = r.status == 200 || r.status == 201;
    bool needs = r.kind == call_kind::create_user ||
                 ((r.kind == call_kind::read_user ||
                   r.kind == call_kind::create_order) &&
                  nodes.owner(node_kind::users, r.key) == killed);
    bool while_away = r.end >= t_kill && r.start < t_ready;
    if (ok)
      continue;
    ++failed;
    BOOST_CHECK_MESSAGE(needs && while_away &&
                            (r.status == 503 || r.status == 504),
                        to_string(r.kind) << " " << r.key << " got " << r.status
                                          << " " << r.body);
  }
  // The new generation is what the nodes serve: the restarted one, and one
  // that was never restarted (CAF reads the files for every connection).
  auto gen1 = certs / "gen-1";
  auto gen2 = certs / "gen-2";
  for (auto n : {killed, node::user(1), node::order(2)}) {
    auto served = served_certificate(nodes, n, gen2);
    auto name = to_string(n) + ".pem";
    BOOST_CHECK_MESSAGE(!served.empty() &&
                            served == first_pem(read_text(gen2 / name)),
                        to_string(n) << " does not serve gen-2");
    BOOST_CHECK(served != first_pem(read_text(gen1 / name)));
  }
  std::cout << "PARTITION rotation: rotated to gen-2 under load; "
            << to_string(killed) << " killed and restarted, /readyz 200 in "
            << ready_in->count() << " ms; failed requests " << failed
            << " (all needing " << to_string(killed)
            << " while away); users-2, users-1, orders-2 serve gen-2"
            << std::endl;
  check_acked("rotation", records, t_kill, t_ready);
}

BOOST_AUTO_TEST_SUITE_END()
