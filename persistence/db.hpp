#pragma once

// Private to persistence/: the one place that knows RocksDB's types.

#include "persistence/records.hpp"
#include "persistence/status.hpp"
#include "persistence/store_log.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>
#include <string>
#include <string_view>

namespace microshop::persistence::detail {

/// An open RocksDB directory with the read and write options of its store.
/// Going away closes the database after flushing its memtable, so that after
/// a clean stop no record lives only in the WAL.
struct db_handle {
  std::unique_ptr<rocksdb::DB> db;
  /// The column family of key records (Idempotency-Key outcomes), kept apart
  /// so that its TTL compactions never rewrite the records.
  rocksdb::ColumnFamilyHandle* keys = nullptr;
  std::chrono::milliseconds key_ttl{0};
  /// The TTL filter of `keys`; RocksDB holds a plain pointer to it.
  std::shared_ptr<const void> key_filter;
  rocksdb::WriteOptions write;
  rocksdb::ReadOptions read;
  std::string path;
  std::shared_ptr<error_log> errors;

  db_handle() = default;
  db_handle(const db_handle&) = delete;
  db_handle& operator=(const db_handle&) = delete;
  ~db_handle();

  /// Flushes the memtable to an SST file and closes the database; logs and
  /// returns the first failure. Idempotent.
  store_error close();
};

/// Which keys a store writes in ascending runs: a key starting with one of
/// `whole` belongs to the run of its first byte (e.g. records keyed by
/// time-ordered ids); one starting with one of `to_slash` to the run named by
/// its bytes up to the first '/' (e.g. one user's index entries).
struct key_runs {
  std::string whole;
  std::string to_slash;
};

/// Opens (creating if missing) the database in `dir`, inserting each key of
/// `runs` into the memtable next to the previous key of its run instead of
/// searching the whole skip list; a `store_errc::failure` error names the path
/// and the cause when that fails.
store_result<std::shared_ptr<db_handle>>
open_db(const std::filesystem::path& dir, const store_options& opts,
        const key_runs& runs);

/// A `store_errc::failure` error naming the database path, the action and `st`;
/// also logged (rate-limited) through `h.errors`.
store_error storage_error(const db_handle& h, std::string_view action,
                          const rocksdb::Status& st);

/// Visits, in key order, the values of keys that start with `prefix` and sort
/// after `prefix + after`; stops after `limit` values. Returns whether a
/// further key with the prefix exists, or the first error.
store_result<bool>
scan(const db_handle& h, const std::string& prefix, std::string_view after,
     uint32_t limit,
     const std::function<store_error(std::string_view key_suffix,
                                     std::string_view value)>& visit);

/// The name of the column family of key records.
extern const std::string key_family_name;

/// The options of the key records' family, derived from the store's
/// `base`: a small hash-bucketed memtable, levels sized from the last one,
/// the TTL filter (handed to `filter_out`, which must outlive the database)
/// and periodic compaction at the TTL.
rocksdb::ColumnFamilyOptions
key_family_options(const rocksdb::Options& base, const store_options& opts,
                   std::shared_ptr<const void>& filter_out);

/// The key record of `key` within `scope`; nothing when there is none or it
/// is older than the store's `key_ttl` (a compaction drops it later).
store_result<std::optional<key_record>>
read_key(const db_handle& h, std::string_view scope, std::string_view key);

/// Adds the key record of `e` to `batch`; not ok when the batch refuses it.
rocksdb::Status add_key(const db_handle& h, rocksdb::WriteBatch& batch,
                        const key_entry& e);

/// Compacts every level of the database (records and key records).
store_error compact(const db_handle& h);

/// The sizes and key counts of both column families and the stall and
/// error counts; a property RocksDB cannot give reads as 0.
store_stats read_stats(const db_handle& h);

/// Writes `batch` with the store's write options.
store_error write(const db_handle& h, rocksdb::WriteBatch& batch);

} // namespace microshop::persistence::detail
