#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace microshop::persistence {

/// A user as stored; `password_hash` never leaves the user node.
struct user_record {
  std::string id;
  std::string username;
  std::string email;
  std::string password_hash;
  int64_t created_ms = 0;
};

/// One product line of a stored order; money is in integer cents.
struct line_record {
  std::string product_id;
  int64_t quantity = 0;
  int64_t price_cents = 0;
};

/// An order as stored; `total_cents` is the exact sum of price x quantity.
struct order_record {
  std::string id;
  std::string user_id;
  std::vector<line_record> products;
  uint64_t total_cents = 0;
  std::string status;
  int64_t created_ms = 0;
};

/// What the first request with an Idempotency-Key came to, stored in the
/// same write as what it created (see docs/idempotency.md).
struct key_record {
  /// When it was stored, in milliseconds since the Unix epoch; it is kept
  /// at least the store's `key_ttl` after.
  int64_t stored_ms = 0;
  /// The digest of the request that first used the key.
  std::string fingerprint;
  /// 0 when the request created a record, whose id `text` holds; else the
  /// domain's error code of its refusal, with the refusal's message in
  /// `text`.
  uint8_t code = 0;
  std::string text;
};

/// A key record and where it goes: `key` within `scope` (the user id of an
/// order; empty for users).
struct key_entry {
  std::string scope;
  std::string key;
  key_record rec;
};

/// A window of a list in key order: at most `limit` records after the one
/// with id `after` (from the start when `after` is empty).
struct page {
  std::string after;
  uint32_t limit = 100;
};

/// One page of a list; `more` is true when items exist after the last one.
template <class T> struct page_of {
  std::vector<T> items;
  bool more = false;
};

/// How a store writes.
struct store_options {
  /// Sync the WAL on every write: survives power loss, not only `kill -9`.
  bool sync_writes = false;
  /// Block cache for reads, in bytes; the row cache for point reads gets half
  /// as much again.
  size_t cache_bytes = size_t{64} << 20;
  /// Size of one memtable (RocksDB `write_buffer_size`); it also sets the free
  /// space RocksDB waits for before it resumes writes after a disk-full error
  /// and the WAL preallocation (1.1x).
  size_t write_buffer_bytes = size_t{64} << 20;
  /// Recover the WAL to the last intact record even when it is damaged in the
  /// middle (RocksDB kPointInTimeRecovery), dropping everything after the
  /// damage; by default such a store refuses to open.
  bool salvage_wal = false;
  /// How long key records are kept at least: a read treats an older one as
  /// absent, and compactions drop it (each key record file is compacted
  /// again once its age passes `key_ttl`).
  std::chrono::milliseconds key_ttl = std::chrono::hours(24);
  /// Receives one line per storage error (rate-limited) and per recovery;
  /// stderr when empty.
  std::function<void(const std::string&)> log;
};

/// What RocksDB says of one column family of a store.
struct family_stats {
  /// "default" (the records) or "idempotency" (key records).
  std::string family;
  /// Live SST files plus memtables, in bytes.
  uint64_t size_bytes = 0;
  /// RocksDB's estimate of the keys it holds (`rocksdb.estimate-num-keys`).
  uint64_t keys = 0;
};

/// What a node reports of its store for GET /metrics.
struct store_stats {
  std::vector<family_stats> families;
  /// Times writes were slowed down or stopped since the store opened.
  uint64_t write_stalls = 0;
  /// Whether writes are stopped now: by RocksDB (`rocksdb.is-write-stopped`)
  /// or until a restart, after a failed WAL append.
  bool writes_stopped = false;
  /// Storage errors since the store opened.
  uint64_t errors = 0;
};

} // namespace microshop::persistence
