#include "persistence/db.hpp"

#include <algorithm>
#include <cstring>
#include <iostream>
#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

namespace microshop::persistence::detail {

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
  std::vector<rocksdb::ColumnFamilyHandle*> families{db->DefaultColumnFamily()};
  if (keys)
    families.push_back(keys);
  if (auto st = db->Flush(flush, families); !st.ok())
    first = storage_error(*this, "flush at close", st);
  if (keys) {
    if (auto st = db->DestroyColumnFamilyHandle(keys); !st.ok() && !first)
      first = storage_error(*this, "close key records", st);
    keys = nullptr;
  }
  if (auto st = db->Close(); !st.ok() && !first)
    first = storage_error(*this, "close", st);
  db.reset();
  return first;
}

namespace {

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
  options.info_log = make_info_log(h->path + "/LOG", long{8} << 20);
  options.listeners.push_back(make_error_listener(h->errors));
  // Each store has one writer thread; without concurrent memtable writes the
  // memtable can take insert hints: at ~1M entries, searching the skip list
  // from the top was a fifth of the order node's CPU.
  options.allow_concurrent_memtable_write = false;
  options.memtable_insert_with_hint_prefix_extractor =
      std::make_shared<run_prefix>(runs);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(opts.cache_bytes);
  // Point reads (a user by id, an order by id, the verify of an order's
  // user) that reach a table file are answered from a cache of rows: no
  // bloom filter, index or data block search. Scans do not use it.
  options.row_cache = rocksdb::NewLRUCache(opts.cache_bytes / 2);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  // Index and filter blocks stay with the table readers (a few MB at 1M
  // records) instead of competing with data blocks in the LRU cache: at 1M
  // orders that competition cost a third of GET /api/orders?userId=.
  table.cache_index_and_filter_blocks = false;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  options.create_missing_column_families = true;
  h->key_ttl = opts.key_ttl;
  std::shared_ptr<const void> filter;
  auto key_options = key_family_options(options, opts, filter);
  std::vector<rocksdb::ColumnFamilyDescriptor> families{
      {rocksdb::kDefaultColumnFamilyName,
       rocksdb::ColumnFamilyOptions{options}},
      {key_family_name, key_options}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto st = rocksdb::DB::Open(rocksdb::DBOptions{options}, h->path, families,
                              &handles, &raw);
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
  // The default family's handle is the database's own; the other one is
  // destroyed before the database closes.
  if (handles.size() != 2) {
    for (auto* x : handles)
      static_cast<void>(h->db->DestroyColumnFamilyHandle(x));
    h->db.reset();
    return store_error{store_errc::failure,
                       "cannot open " + h->path + ": column families missing"};
  }
  static_cast<void>(h->db->DestroyColumnFamilyHandle(handles[0]));
  h->keys = handles[1];
  h->key_filter = std::move(filter);
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
  if (st.ok())
    st = h.db->CompactRange(opts, h.keys, nullptr, nullptr);
  if (!st.ok())
    return storage_error(h, "compact", st);
  return store_error{};
}

store_stats read_stats(const db_handle& h) {
  store_stats out;
  auto prop = [&h](rocksdb::ColumnFamilyHandle* cf, const std::string& name) {
    uint64_t v = 0;
    if (!h.db->GetIntProperty(cf, name, &v))
      return uint64_t{0};
    return v;
  };
  std::pair<const char*, rocksdb::ColumnFamilyHandle*> families[] = {
      {"default", h.db->DefaultColumnFamily()}, {"idempotency", h.keys}};
  for (auto& [name, cf] : families) {
    if (cf == nullptr)
      continue;
    out.families.push_back(
        {name,
         prop(cf, rocksdb::DB::Properties::kLiveSstFilesSize) +
             prop(cf, rocksdb::DB::Properties::kCurSizeAllMemTables),
         prop(cf, rocksdb::DB::Properties::kEstimateNumKeys)});
  }
  out.writes_stopped = prop(h.db->DefaultColumnFamily(),
                            rocksdb::DB::Properties::kIsWriteStopped) != 0 ||
                       (h.errors && h.errors->writes_refused());
  if (h.errors) {
    out.write_stalls = h.errors->stalls();
    out.errors = h.errors->total_failures();
  }
  return out;
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
