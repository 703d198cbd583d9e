#pragma once

#include <filesystem>
#include <string>

struct x509_st;

namespace microshop::testing {

/// A certificate and its private key, as PEM files.
struct cert_files {
  std::filesystem::path cert;
  std::filesystem::path key;
};

/// How `test_ca::issue` makes a node certificate.
struct issue_options {
  /// Validity in days from now; negative: already expired.
  int days = 30;
  /// The serial number in hex; empty: a random one.
  std::string serial;
  /// Encrypts the key (AES-256) with it when not empty.
  std::string passphrase;
};

/// A certificate authority (EC P-256, basicConstraints CA:TRUE) made with the
/// openssl CLI in a directory that the caller owns; it issues node
/// certificates as scripts/certs.sh does (EKU serverAuth and clientAuth).
/// Throws `std::runtime_error` when an openssl command fails.
class test_ca {
public:
  /// Makes `dir/<name>.pem` and `dir/<name>.key` (`dir` is created).
  test_ca(std::filesystem::path dir, std::string name = "test-ca");

  /// The CA certificate.
  const std::filesystem::path& cert() const {
    return files_.cert;
  }

  /// The CA's private key.
  const std::filesystem::path& key() const {
    return files_.key;
  }

  /// Issues a certificate for CN `cn` as `dir/<file>.pem` and `dir/<file>.key`
  /// (`file` empty: `cn`).
  cert_files issue(const std::string& cn, const std::filesystem::path& dir,
                   const issue_options& opts = {},
                   const std::string& file = {}) const;

private:
  std::filesystem::path dir_;
  cert_files files_;
};

/// Makes a fresh EC P-256 private key at `path` (one that matches no
/// certificate).
void make_key(const std::filesystem::path& path);

/// The serial number of the first certificate in the PEM file `pem`, in
/// upper-case hex without leading zeros; empty when unreadable.
std::string serial_of(const std::filesystem::path& pem);

/// The serial number of `cert` in upper-case hex (as `serial_of`); empty
/// for null.
std::string serial_hex(const x509_st* cert);

/// Runs `command` in a shell with stdout and stderr to `log`; throws
/// `std::runtime_error` (with the log's tail) unless it exits 0.
void run_checked(const std::string& command, const std::filesystem::path& log);

} // namespace microshop::testing
