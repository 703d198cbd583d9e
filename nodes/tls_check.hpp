#pragma once

#include <optional>
#include <string>

namespace microshop::nodes {

/// The TLS files of a node, as CAF's `openssl.*` options name them.
struct tls_files {
  std::string certificate;
  std::string key;
  std::string cafile;
  std::string capath;
  std::string passphrase;

  /// Whether any of them is given.
  bool any() const {
    return !certificate.empty() || !key.empty() || !cafile.empty() ||
           !capath.empty() || !passphrase.empty();
  }
};

/// The largest number of certificates a cluster CA file may hold (old and
/// new CA during a rotation, with room); a system store holds ~140.
constexpr int max_cluster_cas = 4;

/// Why `f` cannot secure a node's links, in one line; nothing when it can:
/// certificate, key and CA file are all given, no CA directory (`capath`:
/// CAF's module checks no host names, so a system store would admit any
/// publicly signed certificate), the CA file is not a system store (not
/// under /etc/ssl, /etc/pki, /usr/share/ca-certificates, /usr/lib/ssl, and at
/// most `max_cluster_cas` certificates), the key opens (with the passphrase)
/// and matches the certificate, and the certificate verifies against the CA
/// file now.
std::optional<std::string> check_tls_files(const tls_files& f);

} // namespace microshop::nodes
