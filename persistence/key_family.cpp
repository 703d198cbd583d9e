// Key records (Idempotency-Key outcomes): their column family's options,
// the TTL filter that drops expired ones, and their reads and writes.

#include "persistence/codec.hpp"
#include "persistence/db.hpp"

#include <algorithm>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/slice_transform.h>

namespace microshop::persistence::detail {

const std::string key_family_name = "idempotency";

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Whether a key record stored at `stored_ms` has outlived `ttl` now.
bool expired(int64_t stored_ms, std::chrono::milliseconds ttl) {
  return stored_ms <= now_ms() - ttl.count();
}

/// Drops key records older than the TTL when compactions meet them: the
/// purge costs the request path nothing (no scan, no timer).
class key_ttl_filter : public rocksdb::CompactionFilter {
public:
  explicit key_ttl_filter(std::chrono::milliseconds ttl) : ttl_(ttl) {
    // nop
  }

  const char* Name() const override {
    return "microshop.key_ttl";
  }

  bool Filter(int, const rocksdb::Slice&, const rocksdb::Slice& value,
              std::string*, bool*) const override {
    auto t = key_stored_ms({value.data(), value.size()});
    return t && expired(*t, ttl_);
  }

private:
  std::chrono::milliseconds ttl_;
};

} // namespace

rocksdb::ColumnFamilyOptions
key_family_options(const rocksdb::Options& base, const store_options& opts,
                   std::shared_ptr<const void>& filter_out) {
  // Key records: a small family of their own, whose every file is compacted
  // again once its records may have expired (RocksDB's periodic compaction),
  // which runs the TTL filter over it.
  rocksdb::ColumnFamilyOptions key_options{base};
  key_options.write_buffer_size =
      std::min<size_t>(opts.write_buffer_bytes, size_t{8} << 20);
  // Key records are random keys, written once and read by point lookups
  // only: a hash-bucketed memtable inserts them without the skip-list search
  // that cost a keyed order ~40 % more on the writer thread (measured in
  // isolation: 8.6-11.8 -> 6.1-6.9 us per keyed order); flushes sort it.
  key_options.prefix_extractor.reset(rocksdb::NewNoopTransform());
  // Its bucket array (8 bytes a bucket) takes a sixteenth of the memtable:
  // a larger one would count as a full memtable from the start.
  key_options.memtable_factory.reset(rocksdb::NewHashLinkListRepFactory(
      std::clamp<size_t>(key_options.write_buffer_size / 128, 256, 65536)));
  key_options.memtable_insert_with_hint_prefix_extractor = nullptr;
  // Random keys overlap every file of the next level: with a fixed 512 MiB
  // first level each flush was merged into all of it (1.5M keyed orders in
  // isolation: 20.5 us of process CPU each, 14 over plain). Levels sized from
  // the last one keep the merges proportionate (17.7-18.5 us).
  key_options.level_compaction_dynamic_level_bytes = true;
  key_options.max_bytes_for_level_base = size_t{32} << 20;
  // Nearly every read of a key record misses (a fresh key): a whole-key
  // bloom filter answers that for the memtable as the table filters do for
  // the files, without a skip-list search.
  key_options.memtable_whole_key_filtering = true;
  key_options.memtable_prefix_bloom_size_ratio = 0.05;
  // RocksDB marks a file for this when the family's files change (a flush,
  // a compaction), so a store that takes keyed writes drops an expired record
  // within about two TTLs (one more when it was flushed after expiring).
  key_options
      .periodic_compaction_seconds = static_cast<uint64_t>(std::max<int64_t>(
      1,
      std::chrono::duration_cast<std::chrono::seconds>(opts.key_ttl).count()));
  auto filter = std::make_shared<key_ttl_filter>(opts.key_ttl);
  key_options.compaction_filter = filter.get();
  filter_out = std::move(filter);
  return key_options;
}

store_result<std::optional<key_record>>
read_key(const db_handle& h, std::string_view scope, std::string_view key) {
  rocksdb::PinnableSlice value;
  auto st = h.db->Get(h.read, h.keys, scoped_key(scope, key), &value);
  if (st.IsNotFound())
    return std::optional<key_record>{};
  if (!st.ok())
    return storage_error(h, "read key record", st);
  auto rec = decode_key(value.ToStringView());
  if (!rec)
    return storage_error(h, "decode key record",
                         rocksdb::Status::Corruption("key record"));
  if (expired(rec->stored_ms, h.key_ttl))
    return std::optional<key_record>{};
  return std::optional<key_record>{std::move(*rec)};
}

rocksdb::Status add_key(const db_handle& h, rocksdb::WriteBatch& batch,
                        const key_entry& e) {
  return batch.Put(h.keys, scoped_key(e.scope, e.key), encode(e.rec));
}

} // namespace microshop::persistence::detail
