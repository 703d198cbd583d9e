#include "nodes/link_systems.hpp"

#include <caf/actor_cast.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <chrono>
#include <stdexcept>

namespace microshop::testing {

using namespace std::chrono_literals;

namespace {

/// Answers "<prefix><what>" (a spawn argument: CAF 0.17 binds a reference to
/// the null argument tuple of an argument-less spawn, which UBSan reports).
echo_actor::behavior_type echo(std::string prefix) {
  return {
      [prefix](caf::get_atom, const std::string& what) {
        return prefix + what;
      },
  };
}

} // namespace

link_system::config::config() {
  load<caf::io::middleman>();
}

link_system::link_system(std::string name,
                         const std::optional<tls_node_files>& files)
    : name_(std::move(name)) {
  if (files) {
    cfg_.openssl_certificate = files->cert.string();
    cfg_.openssl_key = files->key.string();
    cfg_.openssl_cafile = files->cafile.string();
  }
  auto links = nodes::choose_links(cfg_, {}, name_, {"127.0.0.1"});
  if (!links)
    throw std::runtime_error(name_ + ": " + caf::to_string(links.error()));
  settings_ = *links;
  sys_.emplace(cfg_);
}

link_system::~link_system() {
  if (listener_)
    caf::anon_send_exit(listener_->middleman, caf::exit_reason::user_shutdown);
  if (echo_)
    caf::anon_send_exit(echo_, caf::exit_reason::user_shutdown);
}

uint16_t link_system::publish_echo() {
  echo_ = sys_->spawn(echo, std::string{"echo:"});
  auto sigs = sys_->message_types(echo_);
  auto l =
      nodes::publish_links(*sys_, caf::actor_cast<caf::strong_actor_ptr>(echo_),
                           std::move(sigs), "127.0.0.1", 0, settings_);
  if (!l)
    return 0;
  listener_ = *l;
  return listener_->port;
}

uint16_t link_system::publish_echo_with_caf_openssl() {
  echo_ = sys_->spawn(echo, std::string{"echo:"});
  auto port = caf::openssl::publish(echo_, 0, "127.0.0.1", true);
  return port ? *port : 0;
}

caf::expected<echo_actor> link_system::connect_echo(uint16_t port) {
  auto mm = nodes::spawn_link_middleman(*sys_, settings_);
  caf::scoped_actor self{*sys_};
  caf::expected<echo_actor> result{caf::sec::runtime_error};
  self->request(mm, 10s, caf::connect_atom_v, std::string{"127.0.0.1"}, port)
      .receive(
          [&](caf::node_id&, caf::strong_actor_ptr& ptr,
              std::set<std::string>&) {
            if (ptr)
              result = caf::actor_cast<echo_actor>(std::move(ptr));
            else
              result = caf::make_error(caf::sec::no_actor_published_at_port);
          },
          [&](caf::error& err) { result = std::move(err); });
  self->send_exit(mm, caf::exit_reason::user_shutdown);
  return result;
}

caf::expected<std::string> link_system::ask(const echo_actor& peer,
                                            const std::string& what) {
  caf::scoped_actor self{*sys_};
  caf::expected<std::string> result{caf::sec::runtime_error};
  self->request(peer, 5s, caf::get_atom_v, what)
      .receive([&](std::string& answer) { result = std::move(answer); },
               [&](caf::error& err) { result = std::move(err); });
  return result;
}

caf::expected<std::string> link_system::ask_echo(uint16_t port,
                                                 const std::string& what) {
  auto peer = connect_echo(port);
  if (!peer)
    return std::move(peer.error());
  return ask(*peer, what);
}

link_pki::link_pki(const std::filesystem::path& dir)
    : ca(dir / "ca"), server(ca.issue("server", dir / "nodes")),
      client(ca.issue("client", dir / "nodes")),
      other_ca(dir / "other", "other-ca"),
      stranger(other_ca.issue("stranger", dir / "other")) {
  // nop
}

tls_node_files link_pki::server_files() const {
  return {server.cert, server.key, ca.cert()};
}

tls_node_files link_pki::client_files() const {
  return {client.cert, client.key, ca.cert()};
}

} // namespace microshop::testing
