#include "support/http_client.hpp"

#include "support/process.hpp"

#include <arpa/inet.h>
#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <regex>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace microshop::testing {

const std::string* http_response::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers)
    if (name == lower_name)
      return &value;
  return nullptr;
}

nlohmann::json http_response::json() const {
  return nlohmann::json::parse(body, nullptr, false);
}

namespace {

/// The file of MICROSHOP_RECORD_RESPONSES, emptied at first use and
/// appended to with one write(2) per line (O_APPEND: lines never
/// interleave); -1 when not set.
int record_fd() {
  static int fd = [] {
    const char* path = std::getenv("MICROSHOP_RECORD_RESPONSES");
    if (!path || !*path)
      return -1;
    return ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
                  0644);
  }();
  return fd;
}

void record(const std::string& method, const std::string& target,
            const http_response& r) {
  int fd = record_fd();
  if (fd < 0)
    return;
  nlohmann::json line{{"method", method},
                      {"target", target},
                      {"status", r.status},
                      {"headers", r.headers},
                      {"body", r.body}};
  auto text =
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  [[maybe_unused]] auto n = ::write(fd, text.data(), text.size());
}

} // namespace

struct http_connection::parser_state {
  http_response current;
  bool done = false;
  bool in_value = false;
  /// The request was HEAD: the response has no body whatever its headers.
  bool head = false;
};

http_connection::http_connection(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  auto host = http_host();
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  addr.sin_port = htons(port);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    throw std::runtime_error("cannot connect to " + host + ":" +
                             std::to_string(port));
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

http_connection::~http_connection() {
  ::close(fd_);
}

void http_connection::send_raw(std::string_view bytes) {
  raw_ = true;
  sent_.clear();
  write_bytes(bytes);
}

void http_connection::write_bytes(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0)
      return; // The peer closed; the next read tells.
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void http_connection::send(
    std::string_view method, std::string_view target, std::string_view body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string req{method};
  req += " ";
  req += target;
  req += " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [name, value] : headers)
    req += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n";
  req += body;
  if (!raw_)
    sent_.emplace_back(std::string{method}, std::string{target});
  write_bytes(req);
}

std::optional<http_response>
http_connection::read(std::chrono::milliseconds timeout) {
  parser_state st;
  http_parser parser;
  http_parser_init(&parser, HTTP_RESPONSE);
  parser.data = &st;
  st.head = !sent_.empty() && sent_.front().first == "HEAD";
  http_parser_settings s;
  http_parser_settings_init(&s);
  s.on_headers_complete = [](http_parser* p) {
    return static_cast<parser_state*>(p->data)->head ? 1 : 0;
  };
  s.on_header_field = [](http_parser* p, const char* at, size_t n) {
    auto& st = *static_cast<parser_state*>(p->data);
    if (st.in_value || st.current.headers.empty())
      st.current.headers.emplace_back();
    st.in_value = false;
    for (size_t i = 0; i < n; ++i)
      st.current.headers.back().first.push_back(
          static_cast<char>(std::tolower(static_cast<unsigned char>(at[i]))));
    return 0;
  };
  s.on_header_value = [](http_parser* p, const char* at, size_t n) {
    auto& st = *static_cast<parser_state*>(p->data);
    st.in_value = true;
    st.current.headers.back().second.append(at, n);
    return 0;
  };
  s.on_body = [](http_parser* p, const char* at, size_t n) {
    static_cast<parser_state*>(p->data)->current.body.append(at, n);
    return 0;
  };
  s.on_message_complete = [](http_parser* p) {
    auto& st = *static_cast<parser_state*>(p->data);
    st.current.status = static_cast<int>(p->status_code);
    st.done = true;
    http_parser_pause(p, 1);
    return 0;
  };
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto feed = [&] {
    auto n = http_parser_execute(&parser, &s, pending_.data(), pending_.size());
    pending_.erase(0, n);
  };
  if (!pending_.empty())
    feed();
  while (!st.done) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0)
      return std::nullopt;
    char buf[65536];
    auto n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      // A response without Content-Length ends with the connection.
      http_parser_execute(&parser, &s, nullptr, 0);
      if (!st.done)
        return std::nullopt;
      break;
    }
    pending_.append(buf, static_cast<size_t>(n));
    feed();
  }
  // An interim response (100 Continue) precedes the answer to the request.
  if (!sent_.empty() && st.current.status >= 200) {
    record(sent_.front().first, sent_.front().second, st.current);
    sent_.pop_front();
  }
  return st.current;
}

bool http_connection::closed_by_peer(std::chrono::milliseconds timeout) {
  pollfd pfd{fd_, POLLIN, 0};
  if (::poll(&pfd, 1, static_cast<int>(timeout.count())) <= 0)
    return false;
  char c;
  return ::recv(fd_, &c, 1, MSG_PEEK) == 0;
}

http_response
request(uint16_t port, std::string_view method, std::string_view target,
        std::string_view body,
        const std::vector<std::pair<std::string, std::string>>& headers) {
  http_connection conn{port};
  conn.send(method, target, body, headers);
  auto resp = conn.read();
  BOOST_REQUIRE_MESSAGE(resp, "no response to " << method << " " << target);
  return *resp;
}

std::string next_link(const http_response& r) {
  auto link = r.header("link");
  if (!link)
    return "";
  std::smatch m;
  static const std::regex re{R"(^<([^>]+)>; rel="next"$)"};
  return std::regex_match(*link, m, re) ? m[1].str() : "";
}

} // namespace microshop::testing
