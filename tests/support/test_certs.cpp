#include "support/test_certs.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdexcept>
#include <sys/wait.h>
#include <utility>

namespace microshop::testing {

namespace fs = std::filesystem;

namespace {

/// `s` in single quotes for the shell.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string{"'\\''"} : std::string(1, c);
  return out + "'";
}

std::string quoted(const fs::path& p) {
  return quoted(p.string());
}

constexpr const char* ec_key = "-newkey ec -pkeyopt ec_paramgen_curve:P-256";

} // namespace

void run_checked(const std::string& command, const fs::path& log) {
  auto rc = std::system((command + " >" + quoted(log) + " 2>&1").c_str());
  if (rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0)
    return;
  std::ifstream in{log};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  if (text.size() > 400)
    text = text.substr(text.size() - 400);
  throw std::runtime_error("command failed: " + command + ": " + text);
}

test_ca::test_ca(fs::path dir, std::string name) : dir_(std::move(dir)) {
  fs::create_directories(dir_);
  files_ = {dir_ / (name + ".pem"), dir_ / (name + ".key")};
  run_checked(std::string{"openssl req -x509 -new "} + ec_key +
                  " -nodes -keyout " + quoted(files_.key) + " -out " +
                  quoted(files_.cert) + " -days 3650 -subj " +
                  quoted("/CN=" + name) +
                  " -addext 'basicConstraints=critical,CA:TRUE'"
                  " -addext 'keyUsage=critical,keyCertSign,cRLSign'",
              dir_ / (name + ".log"));
}

cert_files test_ca::issue(const std::string& cn, const fs::path& dir,
                          const issue_options& opts,
                          const std::string& file) const {
  fs::create_directories(dir);
  auto base = file.empty() ? cn : file;
  cert_files out{dir / (base + ".pem"), dir / (base + ".key")};
  auto csr = dir / (base + ".csr");
  auto ext = dir / (base + ".ext");
  auto log = dir / (base + ".log");
  std::ofstream{ext} << "basicConstraints=CA:FALSE\n"
                        "keyUsage=critical,digitalSignature,keyAgreement\n"
                        "extendedKeyUsage=serverAuth,clientAuth\n";
  auto key_opts = opts.passphrase.empty()
                      ? std::string{" -nodes"}
                      : " -passout " + quoted("pass:" + opts.passphrase);
  run_checked(std::string{"openssl req -new "} + ec_key + key_opts +
                  " -keyout " + quoted(out.key) + " -out " + quoted(csr) +
                  " -subj " + quoted("/CN=" + cn),
              log);
  auto serial =
      opts.serial.empty() ? std::string{} : " -set_serial 0x" + opts.serial;
  run_checked("openssl x509 -req -in " + quoted(csr) + " -CA " +
                  quoted(files_.cert) + " -CAkey " + quoted(files_.key) +
                  serial + " -days " + std::to_string(opts.days) +
                  " -extfile " + quoted(ext) + " -out " + quoted(out.cert),
              log);
  fs::remove(csr);
  fs::remove(ext);
  return out;
}

void make_key(const fs::path& path) {
  run_checked("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256"
              " -out " +
                  quoted(path),
              path.string() + ".log");
}

std::string serial_of(const fs::path& pem) {
  auto* f = std::fopen(pem.c_str(), "r");
  if (f == nullptr)
    return {};
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  auto out = serial_hex(x);
  X509_free(x);
  return out;
}

std::string serial_hex(const X509* cert) {
  if (cert == nullptr)
    return {};
  std::string out;
  if (auto* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = BN_bn2hex(bn)) {
      out = hex;
      OPENSSL_free(hex);
    }
    BN_free(bn);
  }
  return out;
}

} // namespace microshop::testing
