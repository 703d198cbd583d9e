#include "persistence/user_store.hpp"

#include "persistence/codec.hpp"
#include "persistence/db.hpp"

#include <mutex>
#include <rocksdb/write_batch.h>

namespace microshop::persistence {

namespace {

// Key space: 'u' + id -> record; 'n' + lower(username) -> id;
// 'e' + lower(email) -> id.
const std::string user_prefix = "u";

/// `prefix` and `s` in ASCII lower case: the store's own key encoding (the
/// layers above share actors/ascii.hpp, which the store cannot include).
std::string lower_key(char prefix, std::string_view s) {
  std::string key(1, prefix);
  key.reserve(1 + s.size());
  for (char c : s)
    key.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  return key;
}

std::string entry_key(unique_key k, std::string_view value) {
  return lower_key(k == unique_key::username ? 'n' : 'e', value);
}

std::string user_key(std::string_view id) {
  std::string key = user_prefix;
  key.append(id);
  return key;
}

} // namespace

const char* to_string(unique_key k) {
  return k == unique_key::username ? "username" : "email";
}

struct user_store::impl {
  std::shared_ptr<detail::db_handle> h;
  /// Serialises every check-and-write of uniqueness entries.
  std::mutex entry_mtx;

  /// The value under `key`, empty when there is none, or a storage error.
  store_result<std::string> read(const std::string& key) const {
    std::string value;
    auto st = h->db->Get(h->read, key, &value);
    if (st.ok())
      return value;
    if (st.IsNotFound())
      return std::string{};
    return detail::storage_error(*h, "read", st);
  }

  /// Writes `key` -> `value`, or deletes `key` when `value` is empty.
  store_error put_or_delete(const std::string& key, std::string_view value) {
    rocksdb::WriteBatch batch;
    auto st = value.empty() ? batch.Delete(key) : batch.Put(key, value);
    if (!st.ok())
      return detail::storage_error(*h, "batch", st);
    return detail::write(*h, batch);
  }

  /// Whether `key` exists, or a storage error.
  store_result<bool> exists(const std::string& key) const {
    rocksdb::PinnableSlice value;
    auto st = h->db->Get(h->read, h->db->DefaultColumnFamily(), key, &value);
    if (st.ok())
      return true;
    if (st.IsNotFound())
      return false;
    return detail::storage_error(*h, "read", st);
  }

  store_error unique(std::string_view username, std::string_view email) const {
    auto taken = exists(lower_key('n', username));
    if (!taken)
      return std::move(taken.error());
    if (*taken)
      return store_error{store_errc::duplicate, "username"};
    taken = exists(lower_key('e', email));
    if (!taken)
      return std::move(taken.error());
    if (*taken)
      return store_error{store_errc::duplicate, "email"};
    return store_error{};
  }
};

user_store::user_store(std::shared_ptr<impl> ptr) : impl_(std::move(ptr)) {
  // nop
}

store_result<user_store> user_store::open(const std::filesystem::path& dir,
                                          const store_options& opts) {
  auto h = detail::open_db(dir, opts, {user_prefix, ""});
  if (!h)
    return std::move(h.error());
  auto ptr = std::make_shared<impl>();
  ptr->h = std::move(*h);
  return user_store{std::move(ptr)};
}

store_error user_store::insert(const user_record& u) {
  rocksdb::WriteBatch batch;
  auto id_key = user_key(u.id);
  auto bytes = detail::encode(u);
  auto st = batch.Put(id_key, bytes);
  if (st.ok())
    st = batch.Put(lower_key('n', u.username), u.id);
  if (st.ok())
    st = batch.Put(lower_key('e', u.email), u.id);
  if (!st.ok())
    return detail::storage_error(*impl_->h, "batch", st);
  // The check and the write form one critical section: this process is the
  // database's only writer (RocksDB's LOCK file), so this is race-free.
  std::lock_guard<std::mutex> guard{impl_->entry_mtx};
  if (auto err = impl_->unique(u.username, u.email))
    return err;
  return detail::write(*impl_->h, batch);
}

store_error user_store::put_record(const user_record& u) {
  rocksdb::WriteBatch batch;
  auto st = batch.Put(user_key(u.id), detail::encode(u));
  if (!st.ok())
    return detail::storage_error(*impl_->h, "batch", st);
  return detail::write(*impl_->h, batch);
}

store_error user_store::put_record(const user_record& u, const key_entry& key) {
  rocksdb::WriteBatch batch;
  auto st = batch.Put(user_key(u.id), detail::encode(u));
  if (st.ok())
    st = detail::add_key(*impl_->h, batch, {{}, key.key, key.rec});
  if (!st.ok())
    return detail::storage_error(*impl_->h, "batch", st);
  return detail::write(*impl_->h, batch);
}

store_error user_store::put_key(const key_entry& key) {
  rocksdb::WriteBatch batch;
  auto st = detail::add_key(*impl_->h, batch, {{}, key.key, key.rec});
  if (!st.ok())
    return detail::storage_error(*impl_->h, "batch", st);
  return detail::write(*impl_->h, batch);
}

store_result<std::optional<key_record>>
user_store::get_key(std::string_view key) const {
  return detail::read_key(*impl_->h, {}, key);
}

store_result<std::string> user_store::claim_entry(unique_key k,
                                                  std::string_view value,
                                                  std::string_view owner) {
  auto key = entry_key(k, value);
  std::lock_guard<std::mutex> guard{impl_->entry_mtx};
  auto current = impl_->read(key);
  if (!current || !current->empty())
    return current;
  if (auto err = impl_->put_or_delete(key, owner))
    return err;
  return std::string{owner};
}

store_result<bool> user_store::swap_entry(unique_key k, std::string_view value,
                                          std::string_view from,
                                          std::string_view to) {
  auto key = entry_key(k, value);
  std::lock_guard<std::mutex> guard{impl_->entry_mtx};
  auto current = impl_->read(key);
  if (!current)
    return std::move(current.error());
  if (current->empty() || *current != from)
    return false;
  if (auto err = impl_->put_or_delete(key, to))
    return err;
  return true;
}

store_result<bool> user_store::release_entry(unique_key k,
                                             std::string_view value,
                                             std::string_view owner) {
  auto key = entry_key(k, value);
  std::lock_guard<std::mutex> guard{impl_->entry_mtx};
  auto current = impl_->read(key);
  if (!current)
    return std::move(current.error());
  if (current->empty() || *current != owner)
    return false;
  if (auto err = impl_->put_or_delete(key, {}))
    return err;
  return true;
}

store_result<std::string>
user_store::entry_owner(unique_key k, std::string_view value) const {
  return impl_->read(entry_key(k, value));
}

store_error user_store::check_unique(std::string_view username,
                                     std::string_view email) const {
  return impl_->unique(username, email);
}

store_result<user_record> user_store::get(std::string_view id) const {
  auto& h = *impl_->h;
  rocksdb::PinnableSlice value;
  auto st =
      h.db->Get(h.read, h.db->DefaultColumnFamily(), user_key(id), &value);
  if (st.IsNotFound())
    return store_error{store_errc::not_found, {}};
  if (!st.ok())
    return detail::storage_error(h, "read", st);
  auto rec = detail::decode_user(value.ToStringView());
  if (!rec)
    return detail::storage_error(h, "decode user",
                                 rocksdb::Status::Corruption(user_key(id)));
  return std::move(*rec);
}

store_result<bool> user_store::contains(std::string_view id) const {
  return impl_->exists(user_key(id));
}

store_result<page_of<user_record>> user_store::list(const page& p) const {
  page_of<user_record> result;
  auto& h = *impl_->h;
  auto more = detail::scan(
      h, user_prefix, p.after, p.limit,
      [&](std::string_view key, std::string_view value) -> store_error {
        auto rec = detail::decode_user(value);
        if (!rec)
          return detail::storage_error(
              h, "decode user", rocksdb::Status::Corruption(std::string{key}));
        result.items.push_back(std::move(*rec));
        return store_error{};
      });
  if (!more)
    return std::move(more.error());
  result.more = *more;
  return result;
}

store_stats user_store::stats() const {
  return detail::read_stats(*impl_->h);
}

store_error user_store::compact() {
  return detail::compact(*impl_->h);
}

} // namespace microshop::persistence
