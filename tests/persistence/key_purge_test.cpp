// Expired key records leave the disk by themselves: RocksDB's periodic
// compaction of the `idempotency` family runs the TTL filter once a file is
// older than the TTL, with no scan and no compaction asked for.

#include "persistence/key_records.hpp"
#include "persistence/user_store.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace microshop::persistence;
using microshop::testing::temp_dir;
namespace key_records = microshop::testing::key_records;
using namespace std::chrono_literals;

namespace {

/// Writes `n` key records named `prefix` + i, each alone (as refusals are).
void put_keys(user_store& store, const std::string& prefix, int n) {
  for (int i = 0; i < n; ++i) {
    key_entry e;
    e.key = prefix + std::to_string(i);
    e.rec.stored_ms = key_records::now_ms();
    e.rec.fingerprint = std::string(32, 'f');
    e.rec.code = 3;
    e.rec.text = "username already taken";
    auto err = store.put_key(e);
    BOOST_REQUIRE_MESSAGE(!err, err.detail);
  }
}

/// The key records on disk (SST files and WAL) whose key contains `part`,
/// once two read-only reads 50 ms apart agree: a read beside the store may
/// miss a file it just compacted, or the memtable it is flushing.
size_t keys_on_disk(const std::filesystem::path& dir, const std::string& part) {
  std::optional<size_t> last;
  for (int attempt = 0; attempt < 100; ++attempt) {
    bool found = false;
    std::optional<size_t> n;
    if (auto all = key_records::try_read_family(dir, "idempotency", found)) {
      n = 0;
      for (auto& [key, value] : *all)
        if (key.find(part) != std::string::npos)
          ++*n;
    }
    if (n && last && *n == *last)
      return *n;
    last = n;
    std::this_thread::sleep_for(50ms);
  }
  BOOST_FAIL("no consistent read-only view of " << dir);
  return 0;
}

} // namespace

BOOST_AUTO_TEST_SUITE(key_purge)

BOOST_AUTO_TEST_CASE(expired_key_records_leave_the_disk_without_a_scan) {
  temp_dir dir;
  store_options opts;
  opts.key_ttl = 2s;
  // A small memtable, so that a few thousand records make several files.
  opts.write_buffer_bytes = 64 << 10;
  auto store = user_store::open(dir / "users", opts);
  BOOST_REQUIRE_MESSAGE(store, (store ? "" : store.error().detail));
  put_keys(*store, "old-", 3000);
  auto fresh = store->get_key("old-7");
  BOOST_REQUIRE(fresh);
  BOOST_CHECK(fresh->has_value());
  auto on_disk = keys_on_disk(dir / "users", "old-");
  BOOST_TEST_MESSAGE("old key records on disk after writing: " << on_disk);
  BOOST_REQUIRE_GT(on_disk, 2000u);
  std::this_thread::sleep_for(3s);
  // Expired: invisible at once, whatever the disk holds.
  auto expired = store->get_key("old-7");
  BOOST_REQUIRE(expired);
  BOOST_CHECK(!expired->has_value());
  // Newer keyed writes go on at a low rate (a flush every few seconds):
  // RocksDB finds files past their age when the family's files change and
  // compacts them through the TTL filter (PeriodicCompaction in its LOG).
  // Records that were still in the memtable when they expired are flushed
  // into a fresh file, which ages one more TTL: gone within about two.
  auto deadline = std::chrono::steady_clock::now() + 20s;
  size_t left = on_disk;
  for (int round = 0; left > 0 && std::chrono::steady_clock::now() < deadline;
       ++round) {
    put_keys(*store, "new-" + std::to_string(round) + "-", 300);
    std::this_thread::sleep_for(1s);
    left = keys_on_disk(dir / "users", "old-");
  }
  BOOST_TEST_MESSAGE("old key records on disk at the end: " << left);
  BOOST_CHECK_EQUAL(left, 0u);
}

BOOST_AUTO_TEST_SUITE_END()
