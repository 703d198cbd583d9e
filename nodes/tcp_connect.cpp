#include "nodes/tcp_connect.hpp"

#include <caf/make_message.hpp>
#include <caf/sec.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace microshop::nodes {

namespace {

using clock = std::chrono::steady_clock;

caf::error cannot_connect(const std::string& host, uint16_t port,
                          const std::string& why) {
  return caf::make_error(caf::sec::cannot_connect_to_node,
                         host + ":" + std::to_string(port) + ": " + why);
}

/// Connects `fd` to `addr` within `deadline`; 0 or the errno that failed it.
int connect_before(int fd, const addrinfo& addr, clock::time_point deadline) {
  if (::connect(fd, addr.ai_addr, addr.ai_addrlen) == 0)
    return 0;
  if (errno != EINPROGRESS)
    return errno;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - clock::now());
    if (left.count() <= 0)
      return ETIMEDOUT;
    pollfd p{fd, POLLOUT, 0};
    auto n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return errno;
    if (n == 0)
      return ETIMEDOUT;
    int err = 0;
    socklen_t len = sizeof(err);
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
      return errno;
    return err;
  }
}

} // namespace

caf::expected<caf::io::network::native_socket>
tcp_connect(const std::string& host, uint16_t port, caf::timespan timeout) {
  auto deadline = clock::now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  auto service = std::to_string(port);
  if (auto rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
      rc != 0)
    return cannot_connect(host, port, gai_strerror(rc));
  std::string why = "no address";
  for (auto* a = found; a != nullptr; a = a->ai_next) {
    int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                 a->ai_protocol);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    auto err = connect_before(fd, *a, deadline);
    if (err == 0) {
      ::freeaddrinfo(found);
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      return fd;
    }
    ::close(fd);
    why = err == ETIMEDOUT ? "no answer within the connect timeout"
                           : std::strerror(err);
    if (clock::now() >= deadline)
      break;
  }
  ::freeaddrinfo(found);
  return cannot_connect(host, port, why);
}

} // namespace microshop::nodes
