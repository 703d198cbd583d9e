// The modes of a test cluster: TLS (certificates from scripts/certs.sh) and
// netns (a namespace per node, from scripts/netns_lib.sh).

#include "support/cluster.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>

namespace microshop::testing {

namespace {

/// Whether env `name` is "1"; fails the test unless it is unset, "" or "0".
bool env_flag(const char* name) {
  auto v = std::getenv(name);
  if (!v || !*v || std::string_view{v} == "0")
    return false;
  BOOST_REQUIRE_MESSAGE(std::string_view{v} == "1",
                        name << "=" << v << ": want 1 or 0");
  return true;
}

} // namespace

cluster_mode test_mode() {
  return {env_flag("MICROSHOP_TEST_TLS"), env_flag("MICROSHOP_TEST_NETNS")};
}

void cluster::make_certs() const {
  std::vector<std::string> argv{
      "env", "MICROSHOP_HOME=" + dir_.path().string(), "bash",
      (source_dir() / "scripts" / "certs.sh").string(), "make"};
  for (auto n : all())
    argv.push_back(to_string(n));
  auto r = run_command(argv);
  BOOST_REQUIRE_MESSAGE(r.code == 0, "scripts/certs.sh make: " << r.output);
}

void cluster::make_net() {
  std::vector<std::string> names;
  for (auto n : all())
    names.push_back(to_string(n));
  net_ = std::make_unique<netns_net>(names);
  // Every node has an address of its own: no port is taken in advance.
  for (auto n : all())
    ports_[n] = n.kind == node_kind::edge ? 8080 : 7101;
  set_http_host(net_->address("edge"));
}

std::vector<std::string> cluster::transport_args(node n) const {
  if (!mode_.tls)
    return mode_.netns ? std::vector<std::string>{"--insecure"}
                       : std::vector<std::string>{};
  auto certs = dir_.path() / "certs" / "current";
  auto name = to_string(n);
  return {"--openssl.certificate=" + (certs / (name + ".pem")).string(),
          "--openssl.key=" + (certs / (name + ".key")).string(),
          "--openssl.cafile=" + (certs / "ca.pem").string()};
}

std::string cluster::address(node n) const {
  return net_ ? net_->address(to_string(n)) : "127.0.0.1";
}

const netns_net& cluster::net() const {
  BOOST_REQUIRE_MESSAGE(net_, "the cluster is not in netns mode");
  return *net_;
}

std::string cluster::netns(node n) const {
  return net().netns(to_string(n));
}

command_result cluster::run_in(node n,
                               const std::vector<std::string>& argv) const {
  return net().run_in(to_string(n), argv);
}

} // namespace microshop::testing
