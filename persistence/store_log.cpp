#include "persistence/store_log.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <rocksdb/env.h>
#include <rocksdb/listener.h>

namespace microshop::persistence::detail {

/// `text` with line breaks turned into spaces.
std::string one_line(std::string text) {
  for (auto& c : text)
    if (c == '\n' || c == '\r')
      c = ' ';
  while (!text.empty() && text.back() == ' ')
    text.pop_back();
  return text;
}

error_log::error_log(std::string path,
                     std::function<void(const std::string&)> sink,
                     clock::duration interval)
    : path_(std::move(path)), sink_(std::move(sink)), interval_(interval) {
  // nop
}

void error_log::emit(const std::string& line) {
  if (sink_) {
    sink_(line);
    return;
  }
  std::cerr << line << std::endl;
}

void error_log::error(const std::string& what, bool always) {
  std::lock_guard<std::mutex> guard{mtx_};
  failing_ = true;
  ++failures_;
  ++total_failures_;
  auto now = clock::now();
  if (!always && any_line_ && now - last_line_ < interval_) {
    ++suppressed_;
    return;
  }
  auto line = "storage error at " + path_ + ": " + one_line(what);
  if (suppressed_ > 0)
    line += " (and " + std::to_string(suppressed_) +
            " more storage errors since the last line)";
  suppressed_ = 0;
  last_line_ = now;
  any_line_ = true;
  emit(line);
}

void error_log::recovered(const std::string& how) {
  if (!failing_.load(std::memory_order_relaxed))
    return;
  std::lock_guard<std::mutex> guard{mtx_};
  if (!failing_)
    return;
  failing_ = false;
  auto line = "storage at " + path_ + " works again (" + one_line(how) +
              ") after " + std::to_string(failures_) + " storage errors";
  if (suppressed_ > 0)
    line += " (" + std::to_string(suppressed_) + " of them not logged)";
  failures_ = 0;
  suppressed_ = 0;
  last_line_ = clock::now();
  any_line_ = true;
  emit(line);
}

void error_log::stall(bool stopped) {
  ++stalls_;
  std::lock_guard<std::mutex> guard{mtx_};
  emit("write stall at " + path_ + ": RocksDB " +
       (stopped ? "stopped" : "slowed down") +
       " writes until compactions catch up");
}

uint64_t error_log::failures() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return failures_;
}

namespace {

/// RocksDB's info LOG in the store's directory, rotated to LOG.old at open
/// and at `max_bytes`. A write that fails (a full disk) is dropped: RocksDB's
/// own file logger asserts on its next line after a failed write (Debian's
/// build keeps assertions), which aborted the process on a full disk.
class file_logger : public rocksdb::Logger {
public:
  file_logger(std::string path, long max_bytes)
      : path_(std::move(path)), max_bytes_(max_bytes) {
    rotate();
  }

  ~file_logger() override {
    if (file_ != nullptr)
      std::fclose(file_);
  }

  using rocksdb::Logger::Logv;

  void Logv(const char* format, va_list ap) override {
    char line[2048];
    auto now = std::chrono::system_clock::now();
    auto t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    auto prefix = std::strftime(line, sizeof(line), "%Y/%m/%d-%H:%M:%S ", &tm);
    std::vsnprintf(line + prefix, sizeof(line) - prefix, format, ap);
    std::lock_guard<std::mutex> guard{mtx_};
    if (file_ == nullptr)
      return;
    if (std::fputs(line, file_) < 0 || std::fputc('\n', file_) < 0 ||
        std::fflush(file_) != 0) {
      std::clearerr(file_);
      return;
    }
    if (std::ftell(file_) > max_bytes_)
      rotate();
  }

private:
  void rotate() {
    if (file_ != nullptr)
      std::fclose(file_);
    std::error_code ec;
    std::filesystem::rename(path_, path_ + ".old", ec);
    file_ = std::fopen(path_.c_str(), "a");
  }

  std::string path_;
  long max_bytes_;
  std::mutex mtx_;
  std::FILE* file_ = nullptr;
};

/// Sends RocksDB's background errors (a flush or compaction that failed,
/// e.g. on a full disk) and its recoveries from them to the error log.
class error_listener : public rocksdb::EventListener {
public:
  explicit error_listener(std::shared_ptr<error_log> log)
      : log_(std::move(log)) {
    // nop
  }

  void OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                         rocksdb::Status* bg_error) override {
    if (bg_error == nullptr || bg_error->ok())
      return;
    log_->error(std::string{"background "} + reason_name(reason) +
                " failed: " + bg_error->ToString());
  }

  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason reason,
                            rocksdb::Status bg_error,
                            bool* auto_recovery) override {
    if (reason != rocksdb::BackgroundErrorReason::kWriteCallback &&
        reason != rocksdb::BackgroundErrorReason::kMemTable)
      return;
    // After a failed WAL append, RocksDB 7.8's automatic recovery keeps the
    // failed WAL writer, and the next write aborts the process on an
    // assertion (Debian's build keeps them). Refusing writes until a restart
    // is the safe choice.
    *auto_recovery = false;
    log_->refuse_writes();
    log_->error("writes refused until the node restarts (a WAL append "
                "failed: " +
                    bg_error.ToString() + ")",
                true);
  }

  void OnErrorRecoveryEnd(
      const rocksdb::BackgroundErrorRecoveryInfo& info) override {
    if (info.new_bg_error.ok())
      log_->recovered("RocksDB resumed after: " + info.old_bg_error.ToString());
    else
      log_->error("recovery from \"" + info.old_bg_error.ToString() +
                  "\" failed: " + info.new_bg_error.ToString());
  }

  void OnStallConditionsChanged(const rocksdb::WriteStallInfo& info) override {
    using rocksdb::WriteStallCondition;
    if (info.condition.prev == WriteStallCondition::kNormal &&
        info.condition.cur != WriteStallCondition::kNormal)
      log_->stall(info.condition.cur == WriteStallCondition::kStopped);
  }

private:
  static const char* reason_name(rocksdb::BackgroundErrorReason reason) {
    switch (reason) {
    case rocksdb::BackgroundErrorReason::kFlush:
    case rocksdb::BackgroundErrorReason::kFlushNoWAL:
      return "flush";
    case rocksdb::BackgroundErrorReason::kCompaction:
      return "compaction";
    case rocksdb::BackgroundErrorReason::kWriteCallback:
    case rocksdb::BackgroundErrorReason::kMemTable:
      return "write";
    case rocksdb::BackgroundErrorReason::kManifestWrite:
    case rocksdb::BackgroundErrorReason::kManifestWriteNoWAL:
      return "manifest write";
    }
    return "work";
  }

  std::shared_ptr<error_log> log_;
};

} // namespace

std::shared_ptr<rocksdb::Logger> make_info_log(std::string path,
                                               long max_bytes) {
  return std::make_shared<file_logger>(std::move(path), max_bytes);
}

std::shared_ptr<rocksdb::EventListener>
make_error_listener(std::shared_ptr<error_log> log) {
  return std::make_shared<error_listener>(std::move(log));
}

} // namespace microshop::persistence::detail
