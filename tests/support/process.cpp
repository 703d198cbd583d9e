#include "support/process.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <netinet/in.h>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace microshop::testing {

namespace {

/// Whether every thread of `pid` is stopped (state T).
bool all_threads_stopped(pid_t pid) {
  auto tasks = std::filesystem::path{"/proc"} / std::to_string(pid) / "task";
  std::error_code ec;
  for (auto& t : std::filesystem::directory_iterator{tasks, ec}) {
    std::ifstream in{t.path() / "stat"};
    std::string stat{std::istreambuf_iterator<char>{in}, {}};
    // "tid (comm) S ...": the state follows the last ')'.
    auto paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size() ||
        stat[paren + 2] != 'T')
      return false;
  }
  return !ec;
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  return addr;
}

} // namespace

held_port::held_port(bool listen) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto addr = loopback(0);
  socklen_t len = sizeof(addr);
  if (fd_ < 0 ||
      ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      (listen && ::listen(fd_, 1) != 0) ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("cannot hold a port on 127.0.0.1");
  port_ = ntohs(addr.sin_port);
}

held_port::~held_port() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool wait_until(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

bool port_open(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  auto addr = loopback(port);
  bool ok =
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

child_process::child_process(std::filesystem::path exe,
                             std::vector<std::string> args,
                             std::filesystem::path log)
    : exe_(std::move(exe)), args_(std::move(args)), log_(std::move(log)) {
  spawn();
}

child_process::~child_process() {
  if (pid_ > 0 && status_ < 0)
    kill9();
}

void child_process::spawn() {
  std::vector<char*> argv;
  auto exe = exe_.string();
  argv.push_back(exe.data());
  for (auto& a : args_)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0)
    throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::close(fd);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
}

void child_process::signal(int sig) {
  if (pid_ <= 0 || status_ >= 0)
    return;
  ::kill(pid_, sig);
  // A process that got SIGSTOP can still run a thread (and answer) for a
  // while on a busy machine: wait until every thread has stopped.
  if (sig == SIGSTOP && !wait_until([&] { return all_threads_stopped(pid_); },
                                    std::chrono::seconds(5)))
    throw std::runtime_error("process " + std::to_string(pid_) +
                             " did not stop");
}

void child_process::kill9() {
  signal(SIGKILL);
  wait(std::chrono::seconds(10));
}

int child_process::wait(std::chrono::milliseconds timeout) {
  if (status_ >= 0)
    return status_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int st = 0;
    auto r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return status_;
    }
    if (std::chrono::steady_clock::now() > deadline)
      return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool child_process::running() {
  return wait(std::chrono::milliseconds(0)) < 0;
}

std::uintmax_t file_size_or_0(const std::filesystem::path& file) {
  std::error_code ec;
  auto n = std::filesystem::file_size(file, ec);
  return ec ? 0 : n;
}

uint16_t wait_for_listening_port(child_process& p,
                                 const std::filesystem::path& log,
                                 std::uintmax_t from,
                                 std::chrono::milliseconds timeout) {
  static const std::regex line{R"( listening on (?:http://)?[^\s]*:(\d+)\n)"};
  uint16_t port = 0;
  wait_until(
      [&] {
        std::ifstream in{log};
        in.seekg(static_cast<std::streamoff>(from));
        std::string text{std::istreambuf_iterator<char>{in}, {}};
        if (std::smatch m; std::regex_search(text, m, line)) {
          port = static_cast<uint16_t>(std::stoul(m[1].str()));
          return true;
        }
        return !p.running();
      },
      timeout);
  return port;
}

std::filesystem::path bin_dir() {
  return MICROSHOP_BIN_DIR;
}

std::filesystem::path source_dir() {
  return MICROSHOP_SOURCE_DIR;
}

command_result run_command(const std::vector<std::string>& argv) {
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& a : args)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  int out[2];
  if (args.empty() || ::pipe2(out, O_CLOEXEC) != 0)
    throw std::runtime_error("run_command: no command or no pipe");
  auto pid = ::fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execvp(cargv[0], cargv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  command_result r;
  char buf[4096];
  for (;;) {
    auto n = ::read(out[0], buf, sizeof(buf));
    if (n > 0)
      r.output.append(buf, static_cast<size_t>(n));
    else if (n == 0 || errno != EINTR)
      break;
  }
  ::close(out[0]);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

namespace {

std::mutex http_host_mutex;
std::string http_host_value = "127.0.0.1";

} // namespace

std::string http_host() {
  std::lock_guard<std::mutex> guard{http_host_mutex};
  return http_host_value;
}

void set_http_host(std::string host) {
  std::lock_guard<std::mutex> guard{http_host_mutex};
  http_host_value = std::move(host);
}

} // namespace microshop::testing
