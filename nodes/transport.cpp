#include "nodes/transport.hpp"

#include "actors/errc.hpp"
#include "actors/log.hpp"
#include "nodes/tls_check.hpp"

#include <arpa/inet.h>
#include <caf/atom.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/scoped_actor.hpp>
#include <iostream>

namespace microshop::nodes {

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1")
    return true;
  in_addr a{};
  if (::inet_pton(AF_INET, host.c_str(), &a) == 1)
    return (ntohl(a.s_addr) >> 24) == 127;
  return false;
}

caf::expected<link_settings>
choose_links(caf::actor_system_config& cfg, const link_flags& flags,
             const std::string& node, const std::vector<std::string>& hosts) {
  link_settings s;
  s.connect_timeout = flags.connect_timeout;
  s.limits.node = node;
  tls_files f{cfg.openssl_certificate, cfg.openssl_key, cfg.openssl_cafile,
              cfg.openssl_capath, cfg.openssl_passphrase};
  if (f.any()) {
    if (flags.insecure)
      return actors::invalid("--insecure and --openssl.* both given: choose "
                             "TLS (certificates) or plaintext (--insecure)");
    if (auto why = check_tls_files(f))
      return actors::invalid(*why);
    cfg.load<caf::openssl::manager>();
    s.tls = true;
    std::cout << node << ": BASP links with mutual TLS (CA " << f.cafile << ")"
              << std::endl;
    return s;
  }
  if (flags.insecure) {
    actors::log_line{actors::log_level::warn, "insecure_links"}.field(
        "message", node + ": WARNING: --insecure: BASP links in plaintext, "
                          "unauthenticated; anyone who reaches a node's port "
                          "can call it");
    return s;
  }
  for (auto& h : hosts)
    if (!is_loopback(h))
      return actors::invalid(
          "refusing plaintext BASP on " + (h.empty() ? "all addresses" : h) +
          " without --insecure: give --openssl.certificate, --openssl.key "
          "and --openssl.cafile (scripts/certs.sh makes them)");
  std::cout << node << ": plaintext BASP (no certificates), loopback only"
            << std::endl;
  return s;
}

caf::expected<listener> publish_links(caf::actor_system& sys,
                                      caf::strong_actor_ptr whom,
                                      std::set<std::string> sigs,
                                      const std::string& host, uint16_t port,
                                      const link_settings& s) {
  auto mm = spawn_link_middleman(sys, s);
  caf::scoped_actor self{sys};
  caf::expected<listener> result{caf::sec::runtime_error};
  self->request(mm, caf::infinite, caf::publish_atom_v, port, std::move(whom),
                std::move(sigs), host, true)
      .receive(
          [&](uint16_t actual) {
            result = listener{actual, mm};
          },
          [&](caf::error& err) { result = std::move(err); });
  return result;
}

actors::connector_factory link_connectors(link_settings s) {
  return [s = std::move(s)](caf::actor_system& sys) {
    return spawn_link_middleman(sys, s);
  };
}

} // namespace microshop::nodes
