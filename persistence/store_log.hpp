#pragma once

// The node's log of storage errors, and what RocksDB itself writes or reports
// (its info LOG, its background errors), kept apart from the store's reads
// and writes in db.cpp.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace rocksdb {
class EventListener;
class Logger;
} // namespace rocksdb

namespace microshop::persistence::detail {

/// `text` with line breaks turned into spaces.
std::string one_line(std::string text);

/// Writes storage errors to a log sink, one line each, at most one line per
/// `interval`: errors in between are counted and the count goes into the next
/// line. Thread-safe.
class error_log {
public:
  using clock = std::chrono::steady_clock;

  error_log(std::string path, std::function<void(const std::string&)> sink,
            clock::duration interval = std::chrono::seconds(1));

  /// Logs "storage error at <path>: <what>" unless a line went out less than
  /// `interval` ago (and `always` is false); then only counts it.
  void error(const std::string& what, bool always = false);

  /// Logs that the store works again when errors were logged before.
  void recovered(const std::string& how);

  /// Errors since the last `recovered`.
  uint64_t failures() const;

  /// Errors since the log was made.
  uint64_t total_failures() const {
    return total_failures_.load();
  }

  /// Records (and logs) that RocksDB slowed down or stopped writes
  /// (`stopped`), e.g. while compactions fall behind.
  void stall(bool stopped);

  /// Stalls recorded since the log was made.
  uint64_t stalls() const {
    return stalls_.load();
  }

  /// Records that the store refuses writes until it is reopened (a failed WAL
  /// append, whose recovery is off).
  void refuse_writes() {
    writes_refused_ = true;
  }

  /// Whether `refuse_writes` was called.
  bool writes_refused() const {
    return writes_refused_.load();
  }

private:
  void emit(const std::string& line);

  std::string path_;
  std::function<void(const std::string&)> sink_;
  clock::duration interval_;
  mutable std::mutex mtx_;
  clock::time_point last_line_{};
  bool any_line_ = false;
  uint64_t suppressed_ = 0;
  uint64_t failures_ = 0;
  std::atomic<bool> failing_{false};
  std::atomic<uint64_t> total_failures_{0};
  std::atomic<uint64_t> stalls_{0};
  std::atomic<bool> writes_refused_{false};
};

/// RocksDB's info LOG at `path`, rotated to LOG.old at open and at
/// `max_bytes`; a line it cannot write (a full disk) is dropped.
std::shared_ptr<rocksdb::Logger> make_info_log(std::string path,
                                               long max_bytes);

/// A listener that sends RocksDB's background errors and recoveries to `log`
/// and stops RocksDB's own recovery after a failed WAL append.
std::shared_ptr<rocksdb::EventListener>
make_error_listener(std::shared_ptr<error_log> log);

} // namespace microshop::persistence::detail
