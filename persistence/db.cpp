#include "persistence/db.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

namespace microshop::persistence::detail {

namespace {

/// `text` with line breaks turned into spaces.
std::string one_line(std::string text) {
  for (auto& c : text)
    if (c == '\n' || c == '\r')
      c = ' ';
  while (!text.empty() && text.back() == ' ')
    text.pop_back();
  return text;
}

} // namespace

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

uint64_t error_log::failures() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return failures_;
}

store_error storage_error(const db_handle& h, std::string_view action,
                          const rocksdb::Status& st) {
  std::string msg = "storage at ";
  msg += h.path;
  msg += ": ";
  msg += action;
  msg += " failed: ";
  msg += one_line(st.ToString());
  if (h.errors) {
    std::string what{action};
    what += " failed: ";
    what += st.ToString();
    h.errors->error(what);
  }
  return store_error{store_errc::failure, std::move(msg)};
}

db_handle::~db_handle() {
  // A failure is logged by close(); a destructor has no one to return it to.
  [[maybe_unused]] auto err = close();
}

store_error db_handle::close() {
  if (!db)
    return store_error{};
  store_error first;
  // Without a flush RocksDB keeps the memtable's records only in the WAL
  // (Close() flushes only when the WAL is off); flushing makes a clean stop
  // independent of the WAL files.
  // A flush of an empty memtable is skipped and then does not retire the
  // (empty) WALs of earlier runs: one piled up per restart. A marker key
  // outside every store's key space makes the flush real.
  if (auto st = db->Put(write,
                        "\xff"
                        "closed",
                        "");
      !st.ok())
    first = storage_error(*this, "close marker", st);
  rocksdb::FlushOptions flush;
  flush.wait = true;
  flush.allow_write_stall = true;
  if (auto st = db->Flush(flush); !st.ok())
    first = storage_error(*this, "flush at close", st);
  if (auto st = db->Close(); !st.ok() && !first)
    first = storage_error(*this, "close", st);
  db.reset();
  return first;
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

/// Maps a key to the run it is written in (see `key_runs`); keys outside
/// every run are inserted without a hint.
class run_prefix : public rocksdb::SliceTransform {
public:
  explicit run_prefix(key_runs runs) : runs_(std::move(runs)) {
    // nop
  }

  const char* Name() const override {
    return "microshop.run_prefix";
  }

  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    if (runs_.to_slash.find(key[0]) != std::string::npos)
      return {key.data(), slash_at(key) + 1};
    return {key.data(), 1};
  }

  bool InDomain(const rocksdb::Slice& key) const override {
    if (key.empty())
      return false;
    if (runs_.whole.find(key[0]) != std::string::npos)
      return true;
    return runs_.to_slash.find(key[0]) != std::string::npos &&
           slash_at(key) < key.size();
  }

private:
  static size_t slash_at(const rocksdb::Slice& key) {
    auto* pos = static_cast<const char*>(
        std::memchr(key.data() + 1, '/', key.size() - 1));
    return pos ? static_cast<size_t>(pos - key.data()) : key.size();
  }

  key_runs runs_;
};

/// The smallest key greater than every key starting with `prefix`; empty
/// when there is none (the prefix is all 0xff bytes).
std::string prefix_end(std::string prefix) {
  while (!prefix.empty()) {
    auto& last = prefix.back();
    if (static_cast<unsigned char>(last) != 0xff) {
      last = static_cast<char>(static_cast<unsigned char>(last) + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

} // namespace

store_result<std::shared_ptr<db_handle>>
open_db(const std::filesystem::path& dir, const store_options& opts,
        const key_runs& runs) {
  auto h = std::make_shared<db_handle>();
  h->path = dir.string();
  h->errors = std::make_shared<error_log>(h->path, opts.log);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return store_error{store_errc::failure,
                       "cannot create " + h->path + ": " + ec.message()};
  rocksdb::Options options;
  options.create_if_missing = true;
  options.IncreaseParallelism(2);
  options.OptimizeLevelStyleCompaction();
  options.max_open_files = 512;
  // OptimizeLevelStyleCompaction made it 128 MiB; see store_options.
  options.write_buffer_size = opts.write_buffer_bytes;
  // A synced WAL that is closed (with --sync-writes: every WAL but the live
  // one) is recorded in the MANIFEST with its size: open refuses when it is
  // missing or shorter instead of starting without its records.
  options.track_and_verify_wals_in_manifest = true;
  // A torn last record (a write cut off by a crash, never acknowledged) is
  // dropped; damage anywhere else refuses to open, where point-in-time
  // recovery would silently drop every record after it (docs/reliability.md).
  options.wal_recovery_mode =
      opts.salvage_wal
          ? rocksdb::WALRecoveryMode::kPointInTimeRecovery
          : rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  // RocksDB's own LOG: its file logger kept one LOG.old.<time> per open (up
  // to 1000) and aborted on a full disk; this one keeps LOG and LOG.old.
  options.info_log =
      std::make_shared<file_logger>(h->path + "/LOG", long{8} << 20);
  options.listeners.push_back(std::make_shared<error_listener>(h->errors));
  // Each store has one writer thread; without concurrent memtable writes the
  // memtable can take insert hints: at ~1M entries, searching the skip list
  // from the top was a fifth of the order node's CPU.
  options.allow_concurrent_memtable_write = false;
  options.memtable_insert_with_hint_prefix_extractor =
      std::make_shared<run_prefix>(runs);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(opts.cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  // Index and filter blocks stay with the table readers (a few MB at 1M
  // records) instead of competing with data blocks in the LRU cache: at 1M
  // orders that competition cost a third of GET /api/orders?userId=.
  table.cache_index_and_filter_blocks = false;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* raw = nullptr;
  auto st = rocksdb::DB::Open(options, h->path, &raw);
  if (!st.ok()) {
    auto msg = "cannot open " + h->path + ": " + one_line(st.ToString());
    if (st.IsCorruption())
      msg += " (the store is damaged or a WAL file is missing or cut short;"
             " it refuses to start rather than serve without acknowledged"
             " records: restore the files, or start once with --salvage-wal to"
             " keep what is intact)";
    return store_error{store_errc::failure, std::move(msg)};
  }
  h->db.reset(raw);
  h->write.sync = opts.sync_writes;
  return h;
}

store_result<bool>
scan(const db_handle& h, const std::string& prefix, std::string_view after,
     uint32_t limit,
     const std::function<store_error(std::string_view, std::string_view)>&
         visit) {
  // The iterator ends where the prefix does, so that RocksDB reads no block
  // past the last key of the range (one more cold block read per scan at 1M
  // records otherwise).
  auto end = prefix_end(prefix);
  rocksdb::Slice end_slice{end};
  auto read = h.read;
  if (!end.empty())
    read.iterate_upper_bound = &end_slice;
  std::unique_ptr<rocksdb::Iterator> it{h.db->NewIterator(read)};
  std::string start = prefix;
  start.append(after);
  it->Seek(start);
  if (!after.empty() && it->Valid() && it->key() == rocksdb::Slice{start})
    it->Next();
  uint32_t n = 0;
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (n == limit)
      return true;
    auto key = it->key();
    key.remove_prefix(prefix.size());
    if (auto err =
            visit(std::string_view{key.data(), key.size()},
                  std::string_view{it->value().data(), it->value().size()}))
      return err;
    ++n;
  }
  if (!it->status().ok())
    return storage_error(h, "scan", it->status());
  return false;
}

store_error compact(const db_handle& h) {
  rocksdb::CompactRangeOptions opts;
  auto st = h.db->CompactRange(opts, nullptr, nullptr);
  if (!st.ok())
    return storage_error(h, "compact", st);
  return store_error{};
}

store_error write(const db_handle& h, rocksdb::WriteBatch& batch) {
  auto st = h.db->Write(h.write, &batch);
  if (!st.ok())
    return storage_error(h, "write", st);
  if (h.errors)
    h.errors->recovered("a write succeeded");
  return store_error{};
}

} // namespace microshop::persistence::detail
