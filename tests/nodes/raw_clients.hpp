#pragma once

// Clients that speak to a BASP port below CAF: plain TCP, TLS through OpenSSL
// (with or without a certificate), and hand-made BASP headers; and the
// process's own resource use, to see what they cost the server.

#include "support/test_certs.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace microshop::testing {

/// A blocking TCP connection to 127.0.0.1:`port`; -1 when refused.
int tcp_connect_blocking(uint16_t port);

/// A BASP header (32 bytes, network byte order) of operation `op` announcing
/// `payload_len` bytes of payload.
std::array<uint8_t, 32> basp_header(uint8_t op, uint32_t payload_len);

/// BASP's operations that the tests send.
constexpr uint8_t basp_server_handshake = 0x00;
constexpr uint8_t basp_client_handshake = 0x01;

/// One client connection to 127.0.0.1:`port`, plaintext or TLS.
class raw_client {
public:
  /// A plaintext TCP connection (`ok()` false when refused).
  static raw_client plain(uint16_t port);

  /// A TLS connection that presents `own` (none when null) and verifies the
  /// server against `cafile` (no verification when empty); `ok()` when the
  /// TLS handshake, the server's check of our certificate included, worked.
  static raw_client tls(uint16_t port, const cert_files* own,
                        const std::string& cafile);

  /// A TLS connection that sends its ClientHello and then stalls.
  static raw_client stalled_tls(uint16_t port);

  raw_client(raw_client&&) noexcept;
  raw_client& operator=(raw_client&&) noexcept;
  ~raw_client();

  /// Whether the connection (and its TLS handshake) is up.
  bool ok() const {
    return ok_;
  }

  /// Why not `ok()`.
  const std::string& error() const {
    return error_;
  }

  /// The serial number (upper-case hex) of the server's certificate.
  std::string peer_serial() const;

  /// Sends `n` bytes; whether all went out.
  bool send(const void* buf, size_t n);

  /// Reads and discards until the server closes the connection; whether it
  /// did within `timeout`.
  bool closed_within(std::chrono::milliseconds timeout);

private:
  raw_client() = default;
  struct tls_state;
  int fd_ = -1;
  bool ok_ = false;
  std::string error_;
  std::unique_ptr<tls_state> tls_;
};

/// The resident set size of this process in bytes.
size_t resident_bytes();

/// User plus system CPU time this process used so far, in seconds.
double cpu_seconds();

} // namespace microshop::testing
