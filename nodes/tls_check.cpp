#include "nodes/tls_check.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <string_view>

namespace microshop::nodes {

namespace {

template <class T, void (*Free)(T*)> struct freer {
  void operator()(T* p) const {
    Free(p);
  }
};
using ctx_ptr = std::unique_ptr<SSL_CTX, freer<SSL_CTX, SSL_CTX_free>>;
using store_ctx_ptr =
    std::unique_ptr<X509_STORE_CTX, freer<X509_STORE_CTX, X509_STORE_CTX_free>>;
using bio_ptr = std::unique_ptr<BIO, freer<BIO, BIO_free_all>>;

/// The last OpenSSL error of this thread as text (and the queue cleared).
std::string openssl_error() {
  std::string out;
  while (auto e = ERR_get_error()) {
    std::array<char, 256> buf{};
    ERR_error_string_n(e, buf.data(), buf.size());
    out = buf.data();
  }
  return out.empty() ? std::string{"unknown error"} : out;
}

int passphrase_cb(char* buf, int size, int, void* user) {
  auto* pass = static_cast<const std::string*>(user);
  auto n = std::min<size_t>(pass->size(), static_cast<size_t>(size));
  std::copy_n(pass->data(), n, buf);
  return static_cast<int>(n);
}

bool under_system_store(const std::string& path) {
  std::error_code ec;
  auto real = std::filesystem::weakly_canonical(path, ec).string();
  for (std::string_view dir :
       {"/etc/ssl/", "/etc/pki/", "/usr/share/ca-certificates/",
        "/usr/lib/ssl/", "/etc/ca-certificates/",
        "/usr/local/share/ca-certificates/"})
    if (real.starts_with(dir))
      return true;
  return false;
}

/// The number of certificates in the PEM file at `path`; -1 when unreadable.
int certificate_count(const std::string& path) {
  bio_ptr bio{BIO_new_file(path.c_str(), "r")};
  if (!bio)
    return -1;
  int n = 0;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_free(x);
    ++n;
  }
  ERR_clear_error();
  return n;
}

/// "certificate, key" etc.: which of the three required files `f` lacks.
std::string missing_names(const tls_files& f) {
  std::string out;
  for (auto [given, name] : {std::pair{!f.certificate.empty(), "certificate"},
                             std::pair{!f.key.empty(), "key"},
                             std::pair{!f.cafile.empty(), "cafile"}})
    if (!given)
      out += (out.empty() ? "" : ", ") + std::string{name};
  return out;
}

} // namespace

std::optional<std::string> check_tls_files(const tls_files& f) {
  if (!f.capath.empty())
    return "--openssl.capath is not accepted: CAF checks no host names, so a "
           "CA directory such as /etc/ssl/certs would admit any publicly "
           "signed certificate; give the cluster's own CA with "
           "--openssl.cafile";
  if (f.certificate.empty() || f.key.empty() || f.cafile.empty())
    return std::string{"TLS needs all of --openssl.certificate, "
                       "--openssl.key and --openssl.cafile (missing: "} +
           missing_names(f) + ")";
  for (auto [file, flag] :
       {std::pair{&f.certificate, "certificate"}, std::pair{&f.key, "key"},
        std::pair{&f.cafile, "cafile"}}) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*file, ec))
      return std::string{"cannot read --openssl."} + flag + " " + *file + ": " +
             (std::filesystem::exists(*file, ec) ? "not a regular file"
                                                 : "no such file");
  }
  if (under_system_store(f.cafile))
    return "--openssl.cafile " + f.cafile +
           " is in a system certificate store: give the cluster's own CA";
  auto cas = certificate_count(f.cafile);
  if (cas < 0)
    return "cannot read --openssl.cafile " + f.cafile;
  if (cas == 0)
    return "--openssl.cafile " + f.cafile + " holds no certificate";
  if (cas > max_cluster_cas)
    return "--openssl.cafile " + f.cafile + " holds " + std::to_string(cas) +
           " certificates, more than a cluster CA (a system store?)";
  ctx_ptr ctx{SSL_CTX_new(TLS_method())};
  if (!ctx)
    return "cannot create a TLS context: " + openssl_error();
  auto pass = f.passphrase;
  SSL_CTX_set_default_passwd_cb(ctx.get(), passphrase_cb);
  SSL_CTX_set_default_passwd_cb_userdata(ctx.get(), &pass);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), f.certificate.c_str()) != 1)
    return "cannot load --openssl.certificate " + f.certificate + ": " +
           openssl_error();
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), f.key.c_str(), SSL_FILETYPE_PEM) !=
      1) {
    // OpenSSL compares the key with the certificate while loading it.
    auto e = ERR_peek_last_error();
    if (ERR_GET_LIB(e) == ERR_LIB_X509 &&
        ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
      return "--openssl.key " + f.key +
             " does not match --openssl.certificate: " + openssl_error();
    return "cannot load --openssl.key " + f.key + ": " + openssl_error();
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return "--openssl.key does not match --openssl.certificate: " +
           openssl_error();
  if (SSL_CTX_load_verify_locations(ctx.get(), f.cafile.c_str(), nullptr) != 1)
    return "cannot load --openssl.cafile " + f.cafile + ": " + openssl_error();
  store_ctx_ptr verify{X509_STORE_CTX_new()};
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(ctx.get(), &chain);
  if (!verify ||
      X509_STORE_CTX_init(verify.get(), SSL_CTX_get_cert_store(ctx.get()),
                          SSL_CTX_get0_certificate(ctx.get()), chain) != 1)
    return "cannot verify the certificate: " + openssl_error();
  if (X509_verify_cert(verify.get()) != 1)
    return "--openssl.certificate " + f.certificate +
           " does not verify against --openssl.cafile " + f.cafile + ": " +
           X509_verify_cert_error_string(
               X509_STORE_CTX_get_error(verify.get()));
  return std::nullopt;
}

} // namespace microshop::nodes
