#pragma once

// Helpers of the key record tests: records to store, stores to open, and
// the raw contents of a store's column families.

#include "persistence/codec.hpp"
#include "persistence/order_store.hpp"
#include "persistence/status.hpp"
#include "persistence/user_store.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <string>
#include <vector>

namespace microshop::testing::key_records {

using namespace microshop::persistence;
namespace fs = std::filesystem;

inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Why `x` failed, or an empty string when it holds a value.
template <class T> std::string why(const store_result<T>& x) {
  return x ? std::string{} : x.error().detail;
}

/// A user with a made-up, unique id (the store does not check ids).
inline user_record make_user(const std::string& name) {
  static int n = 0;
  char id[40];
  std::snprintf(id, sizeof(id), "user-%08d-%s", ++n, name.c_str());
  return {id, name, name + "@example.com", "$argon2id$fake", now_ms()};
}

inline order_record make_order(const std::string& id,
                               const std::string& user_id) {
  order_record o;
  o.id = id;
  o.user_id = user_id;
  o.products = {{"sku-1", 2, 1999}};
  o.total_cents = 3998;
  o.status = "pending";
  o.created_ms = now_ms();
  return o;
}

inline key_record created(const std::string& id, int64_t stored_ms = now_ms()) {
  return {stored_ms, std::string(32, 'f'), 0, id};
}

inline key_record refused(uint8_t code, const std::string& text) {
  return {now_ms(), std::string(32, 'r'), code, text};
}

inline user_store open_users(const fs::path& dir, store_options opts = {}) {
  auto store = user_store::open(dir, opts);
  BOOST_REQUIRE_MESSAGE(store, why(store));
  return std::move(*store);
}

inline order_store open_orders(const fs::path& dir, store_options opts = {}) {
  auto store = order_store::open(dir, opts);
  BOOST_REQUIRE_MESSAGE(store, why(store));
  return std::move(*store);
}

/// The key record of `key` (an absent one as nothing); fails the test on a
/// storage error.
inline std::optional<key_record> user_key(const user_store& store,
                                          const std::string& key) {
  auto got = store.get_key(key);
  BOOST_REQUIRE_MESSAGE(got, why(got));
  return *got;
}

inline std::optional<key_record> order_key(const order_store& store,
                                           const std::string& user_id,
                                           const std::string& key) {
  auto got = store.get_key(user_id, key);
  BOOST_REQUIRE_MESSAGE(got, why(got));
  return *got;
}

/// Every key -> value of the column family `family` in `dir`, read with
/// plain RocksDB (read-only, every family of the directory opened, WALs
/// tracked as the stores track them); nothing when the directory has no such
/// family or could not be read whole (a store beside it may have just
/// deleted a file it compacted). Sets `found` to whether the family exists.
inline std::optional<std::map<std::string, std::string>>
try_read_family(const fs::path& dir, const std::string& family, bool& found) {
  found = false;
  rocksdb::DBOptions opts;
  // A read-only instance without WAL tracking would try to untrack the
  // store's WALs in the MANIFEST (a RocksDB assertion).
  opts.track_and_verify_wals_in_manifest = true;
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(opts, dir.string(), &names).ok())
    return std::nullopt;
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  size_t at = names.size();
  for (size_t i = 0; i < names.size(); ++i) {
    descs.emplace_back(names[i], rocksdb::ColumnFamilyOptions{});
    if (names[i] == family)
      at = i;
  }
  if (at == names.size())
    return std::nullopt;
  found = true;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::OpenForReadOnly(opts, dir.string(), descs, &handles, &raw)
           .ok())
    return std::nullopt;
  std::unique_ptr<rocksdb::DB> db{raw};
  std::optional<std::map<std::string, std::string>> out{std::in_place};
  {
    std::unique_ptr<rocksdb::Iterator> it{db->NewIterator({}, handles[at])};
    for (it->SeekToFirst(); it->Valid(); it->Next())
      out->emplace(it->key().ToString(), it->value().ToString());
    if (!it->status().ok())
      out.reset();
  }
  for (auto* h : handles)
    static_cast<void>(db->DestroyColumnFamilyHandle(h));
  return out;
}

/// As `try_read_family` for a directory no store writes at the moment;
/// fails the test when it cannot be read; nothing when there is no such
/// family.
inline std::optional<std::map<std::string, std::string>>
read_family(const fs::path& dir, const std::string& family) {
  bool found = false;
  auto out = try_read_family(dir, family, found);
  BOOST_REQUIRE_MESSAGE(out || !found, "cannot read " << dir << " read-only");
  return out;
}

/// How many key records `dir` physically holds (expired or not).
inline size_t count_key_records(const fs::path& dir) {
  auto keys = read_family(dir, "idempotency");
  BOOST_REQUIRE_MESSAGE(keys, "no idempotency column family");
  return keys->size();
}

/// Every user record of `store`.
inline std::vector<user_record> all_users(const user_store& store) {
  std::vector<user_record> out;
  page p{"", 1000};
  for (;;) {
    auto got = store.list(p);
    BOOST_REQUIRE_MESSAGE(got, why(got));
    out.insert(out.end(), got->items.begin(), got->items.end());
    if (!got->more)
      return out;
    p.after = got->items.back().id;
  }
}

} // namespace microshop::testing::key_records
