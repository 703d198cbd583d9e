#include "nodes/raw_clients.hpp"

#include "support/test_certs.hpp"

#include <cerrno>
#include <csignal>
#include <fstream>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace microshop::testing {

struct raw_client::tls_state {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  ~tls_state() {
    SSL_free(ssl);
    SSL_CTX_free(ctx);
  }
};

namespace {

std::string ssl_error() {
  std::string out;
  while (auto e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    out = buf;
  }
  return out.empty() ? std::string{"connection closed"} : out;
}

} // namespace

int tcp_connect_blocking(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::array<uint8_t, 32> basp_header(uint8_t op, uint32_t payload_len) {
  std::array<uint8_t, 32> h{};
  h[0] = op;
  for (int i = 0; i < 4; ++i)
    h[4 + i] = static_cast<uint8_t>(payload_len >> (24 - 8 * i));
  return h;
}

raw_client raw_client::plain(uint16_t port) {
  // OpenSSL writes with write(2): a server that closes mid-handshake would
  // end this process with SIGPIPE instead of failing the handshake.
  static const bool sigpipe_ignored = std::signal(SIGPIPE, SIG_IGN) != SIG_ERR;
  static_cast<void>(sigpipe_ignored);
  raw_client c;
  c.fd_ = tcp_connect_blocking(port);
  c.ok_ = c.fd_ >= 0;
  if (!c.ok_)
    c.error_ = "connection refused";
  return c;
}

raw_client raw_client::tls(uint16_t port, const cert_files* own,
                           const std::string& cafile) {
  auto c = plain(port);
  if (!c.ok_)
    return c;
  c.ok_ = false;
  c.tls_ = std::make_unique<tls_state>();
  auto& t = *c.tls_;
  t.ctx = SSL_CTX_new(TLS_client_method());
  if (own != nullptr &&
      (SSL_CTX_use_certificate_chain_file(t.ctx, own->cert.c_str()) != 1 ||
       SSL_CTX_use_PrivateKey_file(t.ctx, own->key.c_str(), SSL_FILETYPE_PEM) !=
           1)) {
    c.error_ = "cannot load the client certificate: " + ssl_error();
    return c;
  }
  if (!cafile.empty()) {
    SSL_CTX_load_verify_locations(t.ctx, cafile.c_str(), nullptr);
    SSL_CTX_set_verify(t.ctx, SSL_VERIFY_PEER, nullptr);
  }
  t.ssl = SSL_new(t.ctx);
  SSL_set_fd(t.ssl, c.fd_);
  if (SSL_connect(t.ssl) != 1) {
    c.error_ = ssl_error();
    return c;
  }
  // With TLS 1.3 the server checks our certificate after our Finished: its
  // refusal arrives as an alert on the first read. A server that accepts
  // sends its BASP server handshake at once.
  pollfd p{c.fd_, POLLIN, 0};
  if (::poll(&p, 1, 5000) != 1) {
    c.error_ = "no data from the server within 5 s";
    return c;
  }
  char byte = 0;
  if (SSL_peek(t.ssl, &byte, 1) != 1) {
    c.error_ = ssl_error();
    return c;
  }
  c.ok_ = true;
  return c;
}

raw_client raw_client::stalled_tls(uint16_t port) {
  auto c = plain(port);
  if (!c.ok_)
    return c;
  c.tls_ = std::make_unique<tls_state>();
  c.tls_->ctx = SSL_CTX_new(TLS_client_method());
  c.tls_->ssl = SSL_new(c.tls_->ctx);
  // A memory BIO takes the ClientHello, which goes out by hand; the answer
  // is never read.
  auto* wbio = BIO_new(BIO_s_mem());
  auto* rbio = BIO_new(BIO_s_mem());
  SSL_set_bio(c.tls_->ssl, rbio, wbio);
  SSL_connect(c.tls_->ssl);
  char* data = nullptr;
  auto n = BIO_get_mem_data(wbio, &data);
  c.ok_ =
      n > 0 && ::send(c.fd_, data, static_cast<size_t>(n), MSG_NOSIGNAL) == n;
  return c;
}

raw_client::raw_client(raw_client&& other) noexcept
    : fd_(other.fd_), ok_(other.ok_), error_(std::move(other.error_)),
      tls_(std::move(other.tls_)) {
  other.fd_ = -1;
}

raw_client& raw_client::operator=(raw_client&& other) noexcept {
  std::swap(fd_, other.fd_);
  std::swap(ok_, other.ok_);
  std::swap(error_, other.error_);
  std::swap(tls_, other.tls_);
  return *this;
}

raw_client::~raw_client() {
  tls_.reset();
  if (fd_ >= 0)
    ::close(fd_);
}

std::string raw_client::peer_serial() const {
  if (!tls_ || tls_->ssl == nullptr)
    return {};
  X509* x = SSL_get1_peer_certificate(tls_->ssl);
  auto out = serial_hex(x);
  X509_free(x);
  return out;
}

bool raw_client::send(const void* buf, size_t n) {
  if (tls_)
    return SSL_write(tls_->ssl, buf, static_cast<int>(n)) ==
           static_cast<int>(n);
  return ::send(fd_, buf, n, MSG_NOSIGNAL) == static_cast<ssize_t>(n);
}

bool raw_client::closed_within(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return false;
    if (!tls_ || SSL_pending(tls_->ssl) == 0) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) != 1)
        return false;
    }
    auto n = tls_ ? SSL_read(tls_->ssl, buf, sizeof(buf))
                  : ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      ERR_clear_error();
      return true;
    }
  }
}

size_t resident_bytes() {
  std::ifstream in{"/proc/self/statm"};
  size_t total = 0;
  size_t resident = 0;
  in >> total >> resident;
  return resident * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

} // namespace microshop::testing
