#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace microshop::testing {

/// A TCP port on 127.0.0.1 that this process holds until the object goes
/// away, so that nothing else can bind it meanwhile. Unless `listen`, a
/// connect to it is refused: a stand-in for a node that is down.
class held_port {
public:
  explicit held_port(bool listen = false);
  ~held_port();
  held_port(const held_port&) = delete;
  held_port& operator=(const held_port&) = delete;

  uint16_t port() const {
    return port_;
  }

private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

/// Polls `pred` every 10 ms until it holds or `timeout` passes; returns
/// whether it held.
bool wait_until(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout);

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
bool port_open(uint16_t port);

/// A real child process whose stdout and stderr go to `log`. Killed with
/// SIGKILL when the object goes away, if still running.
class child_process {
public:
  child_process(std::filesystem::path exe, std::vector<std::string> args,
                std::filesystem::path log);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const {
    return pid_;
  }

  /// Sends `sig` to the process; after SIGSTOP, returns once every thread
  /// of it has stopped.
  void signal(int sig);

  /// Sends SIGKILL and reaps the process.
  void kill9();

  /// Waits up to `timeout` for the process to exit; its exit code, or -1 on
  /// timeout, or 128 + signal when a signal ended it.
  int wait(std::chrono::milliseconds timeout);

  /// Whether the process has not exited yet.
  bool running();

private:
  void spawn();

  std::filesystem::path exe_;
  std::vector<std::string> args_;
  std::filesystem::path log_;
  pid_t pid_ = -1;
  int status_ = -1;
};

/// Waits up to `timeout` for a line "<node> listening on [http://]HOST:PORT"
/// that `log` gained past its first `from` bytes; PORT, or 0 if `p` exited
/// or no such line came in time.
uint16_t wait_for_listening_port(child_process& p,
                                 const std::filesystem::path& log,
                                 std::uintmax_t from,
                                 std::chrono::milliseconds timeout);

/// The size of `file`, 0 if it does not exist.
std::uintmax_t file_size_or_0(const std::filesystem::path& file);

/// The directory of the built node executables.
std::filesystem::path bin_dir();

/// The directory of the project's sources (scripts/ lives there).
std::filesystem::path source_dir();

/// What a finished command did: its exit code (128 + signal when a signal
/// ended it, 127 when it could not run) and everything it printed.
struct command_result {
  int code = -1;
  std::string output;
};

/// Runs `argv` (argv[0] looked up in PATH) with stdin from /dev/null, to its
/// end; its stdout and stderr together.
command_result run_command(const std::vector<std::string>& argv);

/// The IPv4 address test HTTP clients connect to: 127.0.0.1 unless a
/// cluster in netns mode set its edge's address while it lives.
std::string http_host();

/// Makes test HTTP clients connect to `host` (an IPv4 address).
void set_http_host(std::string host);

} // namespace microshop::testing
