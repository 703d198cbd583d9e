// A store whose files are incomplete must refuse to open, a clean close must
// not leave records only in the WAL, and storage errors reach the log.

#include "persistence/db.hpp"
#include "persistence/order_store.hpp"
#include "persistence/status.hpp"
#include "support/temp_dir.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <sys/mount.h>
#include <thread>
#include <unistd.h>

using namespace microshop;
using namespace microshop::persistence;
using microshop::testing::temp_dir;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

order_record make_order(int n) {
  order_record o;
  char id[32];
  std::snprintf(id, sizeof(id), "order-%08d", n);
  o.id = id;
  o.user_id = "user-" + std::to_string(n % 7);
  o.products = {{"sku-" + std::to_string(n), n + 1, 1999}};
  o.total_cents = 1999u * static_cast<uint64_t>(n + 1);
  o.status = "pending";
  o.created_ms = 1700000000000 + n;
  return o;
}

/// Why `x` failed, or an empty string when it holds a value.
template <class T> std::string why(const store_result<T>& x) {
  return x ? std::string{} : x.error().detail;
}

/// The WAL files of `dir`, oldest first.
std::vector<fs::path> wal_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (auto& entry : fs::directory_iterator{dir})
    if (entry.path().extension() == ".log")
      out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

/// How many orders the store in `dir` lists.
size_t count_orders(order_store& store) {
  size_t n = 0;
  page p{"", 1000};
  for (;;) {
    auto got = store.list(p);
    BOOST_REQUIRE_MESSAGE(got, why(got));
    n += got->items.size();
    if (!got->more)
      return n;
    p.after = got->items.back().id;
  }
}

/// Counts the keys in `dir`, read with plain RocksDB options.
size_t count_keys(const fs::path& dir) {
  rocksdb::Options opts;
  rocksdb::DB* raw = nullptr;
  auto st = rocksdb::DB::OpenForReadOnly(opts, dir.string(), &raw);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.ToString());
  std::unique_ptr<rocksdb::DB> db{raw};
  std::unique_ptr<rocksdb::Iterator> it{db->NewIterator({})};
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next())
    ++n;
  BOOST_REQUIRE(it->status().ok());
  return n;
}

/// Writes `n` keys into `dir` with synced writes and leaves them only in a
/// closed WAL that the MANIFEST tracks with its size, next to a live WAL:
/// what a store with --sync-writes has when it dies while a WAL is switched
/// but not yet flushed. RocksDB 7.8 switches the WAL without flushing every
/// column family when one of two families is flushed; the second family is
/// dropped again so that the store can open the directory.
void make_closed_synced_wal(const fs::path& dir, int n) {
  rocksdb::Options opts;
  opts.create_if_missing = true;
  opts.track_and_verify_wals_in_manifest = true;
  rocksdb::DB* raw = nullptr;
  auto st = rocksdb::DB::Open(opts, dir.string(), &raw);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.ToString());
  std::unique_ptr<rocksdb::DB> db{raw};
  rocksdb::ColumnFamilyHandle* side = nullptr;
  BOOST_REQUIRE(db->CreateColumnFamily({}, "side", &side).ok());
  rocksdb::WriteOptions sync;
  sync.sync = true;
  for (int i = 0; i < n; ++i)
    BOOST_REQUIRE(db->Put(sync, "k" + std::to_string(i), "value").ok());
  BOOST_REQUIRE(db->Put(sync, side, "s", "side").ok());
  BOOST_REQUIRE(db->Flush({}, side).ok());
  BOOST_REQUIRE(db->Put(sync, "live", "value").ok());
  BOOST_REQUIRE(db->DropColumnFamily(side).ok());
  BOOST_REQUIRE(db->DestroyColumnFamilyHandle(side).ok());
  // Closing a RocksDB with its WAL on does not flush: the keys stay in WALs.
  BOOST_REQUIRE(db->Close().ok());
}

/// Writes `n` keys with unsynced writes and closes without flushing, like a
/// process killed with SIGKILL: every key lives only in the one WAL.
void make_unflushed_wal(const fs::path& dir, int n) {
  rocksdb::Options opts;
  opts.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  auto st = rocksdb::DB::Open(opts, dir.string(), &raw);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.ToString());
  std::unique_ptr<rocksdb::DB> db{raw};
  for (int i = 0; i < n; ++i)
    BOOST_REQUIRE(
        db->Put({}, "k" + std::to_string(1000 + i), std::string(100, 'v'))
            .ok());
  BOOST_REQUIRE(db->Close().ok());
}

/// The one WAL file of `dir` that holds data.
fs::path data_wal(const fs::path& dir) {
  fs::path out;
  for (auto& wal : wal_files(dir))
    if (fs::file_size(wal) > 0)
      out = wal;
  BOOST_REQUIRE(!out.empty());
  return out;
}

struct captured_log {
  std::mutex mtx;
  std::vector<std::string> lines;

  std::function<void(const std::string&)> sink() {
    return [this](const std::string& line) {
      std::lock_guard<std::mutex> guard{mtx};
      lines.push_back(line);
    };
  }

  std::vector<std::string> snapshot() {
    std::lock_guard<std::mutex> guard{mtx};
    return lines;
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(storage_safety)

BOOST_AUTO_TEST_CASE(after_a_clean_close_every_record_survives_losing_the_wal) {
  temp_dir dir;
  auto path = dir / "orders";
  {
    auto store = order_store::open(path);
    BOOST_REQUIRE(store);
    for (int i = 0; i < 500; ++i)
      BOOST_REQUIRE(!store->insert(make_order(i)));
  }
  for (auto& wal : wal_files(path))
    fs::remove(wal);
  auto store = order_store::open(path);
  BOOST_REQUIRE_MESSAGE(store, why(store));
  BOOST_CHECK_EQUAL(count_orders(*store), 500u);
}

BOOST_AUTO_TEST_CASE(a_missing_closed_synced_wal_refuses_to_open) {
  temp_dir dir;
  auto path = dir / "orders";
  make_closed_synced_wal(path, 100);
  auto wals = wal_files(path);
  BOOST_REQUIRE_GE(wals.size(), 2u);
  fs::remove(wals.front());
  auto store = order_store::open(path);
  BOOST_REQUIRE(!store);
  auto text = store.error().detail;
  BOOST_TEST_MESSAGE(text);
  BOOST_CHECK(store.error().code == store_errc::failure);
  BOOST_CHECK(text.find(path.string()) != std::string::npos);
  BOOST_CHECK(text.find("WAL") != std::string::npos);
  BOOST_CHECK(text.find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_closed_synced_wal_cut_short_refuses_to_open) {
  temp_dir dir;
  auto path = dir / "orders";
  make_closed_synced_wal(path, 100);
  auto wals = wal_files(path);
  BOOST_REQUIRE_GE(wals.size(), 2u);
  fs::resize_file(wals.front(), fs::file_size(wals.front()) / 2);
  auto store = order_store::open(path);
  BOOST_REQUIRE(!store);
  BOOST_TEST_MESSAGE(store.error().detail);
  BOOST_CHECK(store.error().code == store_errc::failure);
}

BOOST_AUTO_TEST_CASE(an_intact_closed_synced_wal_opens_with_every_record) {
  temp_dir dir;
  auto path = dir / "orders";
  make_closed_synced_wal(path, 100);
  {
    auto store = order_store::open(path);
    BOOST_REQUIRE_MESSAGE(store, why(store));
  }
  BOOST_CHECK_EQUAL(count_keys(path), 101u + 1); // + the close marker
}

BOOST_AUTO_TEST_CASE(a_torn_last_wal_record_is_dropped_and_the_store_opens) {
  temp_dir dir;
  auto path = dir / "orders";
  make_unflushed_wal(path, 50);
  auto wal = data_wal(path);
  // A crash in the middle of writing the last record.
  fs::resize_file(wal, fs::file_size(wal) - 30);
  {
    auto store = order_store::open(path);
    BOOST_REQUIRE_MESSAGE(store, why(store));
  }
  BOOST_CHECK_EQUAL(count_keys(path), 49u + 1); // + the close marker
}

BOOST_AUTO_TEST_CASE(damage_inside_the_wal_refuses_to_open_unless_salvaged) {
  temp_dir dir;
  auto path = dir / "orders";
  make_unflushed_wal(path, 50);
  auto wal = data_wal(path);
  {
    // Flip a byte of a record in the middle: a checksum mismatch.
    std::fstream f{wal, std::ios::in | std::ios::out | std::ios::binary};
    f.seekp(static_cast<std::streamoff>(fs::file_size(wal) / 2));
    f.put('\x5a');
  }
  auto refused = order_store::open(path);
  BOOST_REQUIRE(!refused);
  auto text = refused.error().detail;
  BOOST_TEST_MESSAGE(text);
  BOOST_CHECK(text.find("--salvage-wal") != std::string::npos);
  store_options salvage;
  salvage.salvage_wal = true;
  {
    auto store = order_store::open(path, salvage);
    BOOST_REQUIRE_MESSAGE(store, why(store));
  }
  auto kept = count_keys(path);
  BOOST_CHECK_GT(kept, 0u);
  BOOST_CHECK_LT(kept, 50u);
}

BOOST_AUTO_TEST_CASE(storage_errors_are_logged_at_most_once_per_interval) {
  captured_log log;
  detail::error_log errors{"/data/x", log.sink(), 100ms};
  for (int i = 0; i < 50; ++i)
    errors.error("write failed: IO error: No space left on device\nsecond");
  auto lines = log.snapshot();
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_CHECK_EQUAL(lines[0], "storage error at /data/x: write failed: IO "
                              "error: No space left on device second");
  std::this_thread::sleep_for(150ms); // the interval itself is under test
  errors.error("write failed: again");
  lines = log.snapshot();
  BOOST_REQUIRE_EQUAL(lines.size(), 2u);
  BOOST_CHECK(lines[1].find("again (and 49 more storage errors") !=
              std::string::npos);
  errors.recovered("a write succeeded");
  errors.recovered("a write succeeded");
  lines = log.snapshot();
  BOOST_REQUIRE_EQUAL(lines.size(), 3u);
  BOOST_CHECK(lines[2].find("works again (a write succeeded) after 51") !=
              std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_full_disk_is_logged_and_writes_resume_after_a_reopen) {
  if (geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: mounting a small tmpfs needs root");
    return;
  }
  temp_dir dir;
  auto mnt = dir / "disk";
  fs::create_directories(mnt);
  BOOST_REQUIRE_MESSAGE(::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=24m") ==
                            0,
                        "mount failed");
  struct unmount {
    fs::path p;
    ~unmount() {
      ::umount2(p.c_str(), MNT_DETACH);
    }
  } guard{mnt};
  captured_log log;
  store_options opts;
  opts.write_buffer_bytes = size_t{1} << 20;
  opts.log = log.sink();
  auto store = order_store::open(mnt / "orders", opts);
  BOOST_REQUIRE_MESSAGE(store, why(store));
  // Fill the disk, keeping a 4 MiB file to free later.
  {
    std::ofstream spare{mnt / "spare", std::ios::binary};
    std::string mib(size_t{1} << 20, 'x');
    for (int i = 0; i < 4; ++i)
      spare.write(mib.data(), static_cast<std::streamsize>(mib.size()));
    BOOST_REQUIRE(spare);
  }
  {
    std::ofstream filler{mnt / "filler", std::ios::binary};
    std::string kib(1024, 'x');
    while (filler.write(kib.data(), static_cast<std::streamsize>(kib.size())))
      filler.flush();
  }
  store_error failed;
  int stored = 0;
  for (; stored < 200000; ++stored)
    if ((failed = store->insert(make_order(stored))))
      break;
  BOOST_REQUIRE_MESSAGE(failed, "writes kept succeeding on a full disk");
  BOOST_TEST_MESSAGE(failed.detail);
  BOOST_CHECK(failed.code == store_errc::failure);
  fs::remove(mnt / "spare");
  // RocksDB's own recovery would retry every 5 s; it is off for WAL errors,
  // and the store says so (microshop_store_writes_stopped).
  for (int i = 0; i < 3; ++i)
    BOOST_CHECK(store->insert(make_order(300000 + i)));
  BOOST_CHECK(store->stats().writes_stopped);
  auto lines = log.snapshot();
  for (auto& line : lines)
    BOOST_TEST_MESSAGE(line);
  BOOST_REQUIRE(!lines.empty());
  BOOST_CHECK(lines.front().find("No space left on device") !=
              std::string::npos);
  BOOST_CHECK(std::any_of(lines.begin(), lines.end(), [](const auto& line) {
    return line.find("until the node restarts") != std::string::npos;
  }));
  store = store_error{store_errc::failure, "closed by the test"};
  auto again = order_store::open(mnt / "orders", opts);
  BOOST_REQUIRE_MESSAGE(again, why(again));
  BOOST_CHECK(!again->stats().writes_stopped);
  BOOST_CHECK(!again->insert(make_order(400000)));
  BOOST_CHECK_EQUAL(count_orders(*again), static_cast<size_t>(stored) + 1);
}

BOOST_AUTO_TEST_SUITE_END()
