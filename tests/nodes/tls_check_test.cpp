// The start-up checks of a node's TLS files and the choice between TLS and
// plaintext links: plain functions, no actor system.

#include "nodes/tls_check.hpp"
#include "nodes/transport.hpp"
#include "support/temp_dir.hpp"
#include "support/test_certs.hpp"

#include <boost/test/unit_test.hpp>
#include <caf/io/middleman.hpp>
#include <filesystem>
#include <fstream>

namespace microshop::testing {

namespace {

namespace fs = std::filesystem;

struct pki {
  temp_dir dir;
  test_ca ca{dir / "ca"};
  cert_files node = ca.issue("users-1", dir / "gen-1");

  nodes::tls_files good() const {
    return {node.cert.string(), node.key.string(), ca.cert().string(), "", ""};
  }

  /// The reason `check_tls_files` gives for `f` (empty: none).
  static std::string why(const nodes::tls_files& f) {
    auto r = nodes::check_tls_files(f);
    return r ? *r : std::string{};
  }

  /// A file with the certificates of `n` fresh CAs.
  fs::path bundle_of(int n) const {
    auto out = dir / ("bundle-" + std::to_string(n) + ".pem");
    std::ofstream os{out};
    for (int i = 0; i < n; ++i) {
      test_ca extra{dir / "extra", "extra-" + std::to_string(i)};
      std::ifstream in{extra.cert()};
      os << in.rdbuf();
    }
    return out;
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(tls_files_check, pki)

BOOST_AUTO_TEST_CASE(accepts_a_certificate_of_the_cluster_ca_with_its_key) {
  BOOST_TEST(why(good()) == "");
}

BOOST_AUTO_TEST_CASE(needs_all_three_files) {
  auto f = good();
  f.key.clear();
  BOOST_TEST(contains(why(f), "needs all of"));
  BOOST_TEST(contains(why(f), "missing: key"));
  f = good();
  f.cafile.clear();
  BOOST_TEST(contains(why(f), "missing: cafile"));
}

BOOST_AUTO_TEST_CASE(names_a_file_that_does_not_exist) {
  auto f = good();
  f.certificate = (dir / "nope.pem").string();
  BOOST_TEST(contains(why(f), "cannot read --openssl.certificate"));
  BOOST_TEST(contains(why(f), "no such file"));
  f = good();
  f.key = (dir / "nope.key").string();
  BOOST_TEST(contains(why(f), "cannot read --openssl.key"));
  f = good();
  f.cafile = (dir / "nope-ca.pem").string();
  BOOST_TEST(contains(why(f), "cannot read --openssl.cafile"));
  f = good();
  f.cafile = dir.path().string();
  BOOST_TEST(contains(why(f), "not a regular file"));
}

BOOST_AUTO_TEST_CASE(refuses_a_ca_directory) {
  auto f = good();
  f.capath = "/etc/ssl/certs";
  BOOST_TEST(contains(why(f), "--openssl.capath is not accepted"));
}

BOOST_AUTO_TEST_CASE(refuses_a_system_store_also_behind_a_symlink) {
  auto f = good();
  f.cafile = "/etc/ssl/certs/ca-certificates.crt";
  BOOST_TEST(contains(why(f), "system certificate store"));
  fs::create_symlink(f.cafile, dir / "innocent.pem");
  f.cafile = (dir / "innocent.pem").string();
  BOOST_TEST(contains(why(f), "system certificate store"));
}

BOOST_AUTO_TEST_CASE(refuses_a_ca_file_of_more_than_four_certificates) {
  auto f = good();
  f.cafile = bundle_of(5).string();
  BOOST_TEST(contains(why(f), "holds 5 certificates"));
  std::ofstream{dir / "empty.pem"} << "";
  f.cafile = (dir / "empty.pem").string();
  BOOST_TEST(contains(why(f), "holds no certificate"));
}

BOOST_AUTO_TEST_CASE(accepts_the_cluster_ca_among_up_to_four) {
  // A rotation to a new CA: old and new in one file.
  auto bundle = bundle_of(3);
  std::ofstream{bundle, std::ios::app} << std::ifstream{ca.cert()}.rdbuf();
  auto f = good();
  f.cafile = bundle.string();
  BOOST_TEST(why(f) == "");
}

BOOST_AUTO_TEST_CASE(refuses_a_key_that_does_not_match) {
  auto f = good();
  make_key(dir / "other.key");
  f.key = (dir / "other.key").string();
  BOOST_TEST(contains(why(f), "does not match"), why(f));
}

BOOST_AUTO_TEST_CASE(refuses_a_certificate_of_another_ca) {
  test_ca other{dir / "other", "other-ca"};
  auto stranger = other.issue("users-1", dir / "other");
  auto f = good();
  f.certificate = stranger.cert.string();
  f.key = stranger.key.string();
  BOOST_TEST(contains(why(f), "does not verify against --openssl.cafile"));
}

BOOST_AUTO_TEST_CASE(refuses_an_expired_certificate) {
  issue_options expired;
  expired.days = -1;
  auto old = ca.issue("users-1", dir / "old", expired);
  auto f = good();
  f.certificate = old.cert.string();
  f.key = old.key.string();
  BOOST_TEST(contains(why(f), "expired"));
}

BOOST_AUTO_TEST_CASE(opens_an_encrypted_key_with_its_passphrase_only) {
  issue_options locked;
  locked.passphrase = "s3cret";
  auto node2 = ca.issue("users-2", dir / "locked", locked);
  nodes::tls_files f{node2.cert.string(), node2.key.string(),
                     ca.cert().string(), "", "s3cret"};
  BOOST_TEST(why(f) == "");
  f.passphrase = "wrong";
  BOOST_TEST(contains(why(f), "cannot load --openssl.key"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(loopback)

BOOST_AUTO_TEST_CASE(knows_loopback_addresses) {
  for (auto host : {"127.0.0.1", "127.255.3.4", "localhost", "::1"})
    BOOST_TEST(nodes::is_loopback(host), host);
}

BOOST_AUTO_TEST_CASE(everything_else_is_not_loopback) {
  for (auto host :
       {"", "0.0.0.0", "::", "10.214.0.2", "128.0.0.1", "localhost.example",
        "127.0.0.1.example", "::ffff:10.0.0.1"})
    BOOST_TEST(!nodes::is_loopback(host), host);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

struct link_choice : pki {
  struct config : caf::actor_system_config {
    config() {
      load<caf::io::middleman>();
    }
  };
  config cfg;

  void give_files(const nodes::tls_files& f) {
    cfg.openssl_certificate = f.certificate;
    cfg.openssl_key = f.key;
    cfg.openssl_cafile = f.cafile;
  }

  caf::expected<nodes::link_settings> choose(bool insecure,
                                             std::vector<std::string> hosts) {
    nodes::link_flags flags;
    flags.insecure = insecure;
    flags.connect_timeout = std::chrono::milliseconds(250);
    return nodes::choose_links(cfg, flags, "users-1", hosts);
  }

  static std::string error_of(const caf::expected<nodes::link_settings>& x) {
    return x ? std::string{} : caf::to_string(x.error());
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(choose_links, link_choice)

BOOST_AUTO_TEST_CASE(certificates_mean_tls_on_any_address) {
  give_files(good());
  auto modules = cfg.module_factories.size();
  auto s = choose(false, {"10.214.0.2", "0.0.0.0"});
  BOOST_TEST_REQUIRE(static_cast<bool>(s), error_of(s));
  BOOST_TEST(s->tls);
  BOOST_TEST(cfg.module_factories.size() == modules + 1); // openssl manager
  BOOST_TEST(s->connect_timeout == std::chrono::milliseconds(250));
  BOOST_TEST(s->limits.node == "users-1");
  BOOST_TEST(s->limits.max_payload == nodes::default_max_payload);
}

BOOST_AUTO_TEST_CASE(bad_certificates_stop_the_node_with_the_reason) {
  auto f = good();
  make_key(dir / "other.key");
  f.key = (dir / "other.key").string();
  give_files(f);
  auto s = choose(false, {"127.0.0.1"});
  BOOST_TEST(contains(error_of(s), "does not match"));
}

BOOST_AUTO_TEST_CASE(certificates_and_insecure_together_are_refused) {
  give_files(good());
  auto s = choose(true, {"127.0.0.1"});
  BOOST_TEST(contains(error_of(s), "--insecure and --openssl.* both given"));
}

BOOST_AUTO_TEST_CASE(a_passphrase_alone_counts_as_asking_for_tls) {
  cfg.openssl_passphrase = "x";
  auto s = choose(false, {"127.0.0.1"});
  BOOST_TEST(contains(error_of(s), "needs all of"));
}

BOOST_AUTO_TEST_CASE(no_certificates_on_loopback_only_is_plaintext) {
  auto modules = cfg.module_factories.size();
  auto s = choose(false, {"127.0.0.1", "localhost", "::1"});
  BOOST_TEST_REQUIRE(static_cast<bool>(s), error_of(s));
  BOOST_TEST(!s->tls);
  BOOST_TEST(cfg.module_factories.size() == modules);
}

BOOST_AUTO_TEST_CASE(no_certificates_refuses_any_other_address) {
  auto s = choose(false, {"127.0.0.1", "10.214.0.3"});
  BOOST_TEST(contains(error_of(s),
                      "refusing plaintext BASP on 10.214.0.3 without "
                      "--insecure"));
  s = choose(false, {""});
  BOOST_TEST(contains(error_of(s), "on all addresses"));
  s = choose(false, {"0.0.0.0"});
  BOOST_TEST(!s);
}

BOOST_AUTO_TEST_CASE(insecure_allows_plaintext_anywhere) {
  auto s = choose(true, {"10.214.0.2", ""});
  BOOST_TEST_REQUIRE(static_cast<bool>(s), error_of(s));
  BOOST_TEST(!s->tls);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace microshop::testing
