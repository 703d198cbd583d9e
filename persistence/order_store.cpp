#include "persistence/order_store.hpp"

#include "persistence/codec.hpp"
#include "persistence/db.hpp"

#include <rocksdb/write_batch.h>

namespace microshop::persistence {

namespace {

// Key space: 'o' + id -> record; 'x' + user id + '/' + order id -> record.
// The by-user index is covering: a user's orders are one contiguous range,
// read with one prefix scan instead of a point lookup per order (at 1M
// orders those lookups miss the block cache and dominate).
const std::string order_prefix = "o";

std::string order_key(std::string_view id) {
  std::string key = order_prefix;
  key.append(id);
  return key;
}

std::string index_prefix(std::string_view user_id) {
  std::string key = "x";
  key.append(user_id);
  key.push_back('/');
  return key;
}

/// Adds `o` and its by-user index entry to `batch`; not ok when the batch
/// refuses an entry (e.g. over RocksDB's size limits).
rocksdb::Status add_to(rocksdb::WriteBatch& batch, const order_record& o) {
  auto bytes = detail::encode(o);
  auto st = batch.Put(order_key(o.id), bytes);
  if (st.ok())
    st = batch.Put(index_prefix(o.user_id) + o.id, bytes);
  return st;
}

} // namespace

size_t estimated_wire_size(const order_record& o) {
  // The JSON keys and punctuation of one order and of one product line, with
  // room for the longest numbers and the timestamp.
  constexpr size_t per_order = 160;
  constexpr size_t per_line = 72;
  size_t n = per_order + o.id.size() + o.user_id.size() + o.status.size();
  for (auto& x : o.products)
    n += per_line + x.product_id.size();
  return n;
}

struct order_store::impl {
  std::shared_ptr<detail::db_handle> h;

  store_error decode_into(std::string_view key, std::string_view value,
                          std::vector<order_record>& out) const {
    auto rec = detail::decode_order(value);
    if (!rec)
      return detail::storage_error(
          *h, "decode order", rocksdb::Status::Corruption(std::string{key}));
    out.push_back(std::move(*rec));
    return store_error{};
  }

  /// The orders stored under `prefix` (all orders, or one user's index
  /// range), in key order, after `p.after`, at most `p.limit` and at most
  /// `max_bytes` by `estimated_wire_size` (at least one order).
  store_result<page_of<order_record>>
  list_range(const std::string& prefix, const page& p, size_t max_bytes) const {
    page_of<order_record> result;
    size_t bytes = 0;
    bool full = false;
    auto more = detail::scan(
        *h, prefix, p.after, p.limit,
        [&](std::string_view key, std::string_view value) -> store_error {
          if (auto err = decode_into(key, value, result.items))
            return err;
          auto size = estimated_wire_size(result.items.back());
          if (result.items.size() > 1 && bytes + size > max_bytes) {
            // Over the budget: this order starts the next page. The error
            // only ends the scan early.
            result.items.pop_back();
            full = true;
            return store_error{store_errc::failure, "page full"};
          }
          bytes += size;
          return store_error{};
        });
    if (full) {
      result.more = true;
      return result;
    }
    if (!more)
      return std::move(more.error());
    result.more = *more;
    return result;
  }
};

order_store::order_store(std::shared_ptr<impl> ptr) : impl_(std::move(ptr)) {
  // nop
}

store_result<order_store> order_store::open(const std::filesystem::path& dir,
                                            const store_options& opts) {
  auto h = detail::open_db(dir, opts, {order_prefix, "x"});
  if (!h)
    return std::move(h.error());
  auto ptr = std::make_shared<impl>();
  ptr->h = std::move(*h);
  return order_store{std::move(ptr)};
}

store_error order_store::insert(const order_record& o) {
  rocksdb::WriteBatch batch;
  if (auto st = add_to(batch, o); !st.ok())
    return detail::storage_error(*impl_->h, "batch", st);
  return detail::write(*impl_->h, batch);
}

store_error order_store::insert_all(const std::vector<order_record>& orders) {
  return insert_all(orders, {});
}

store_error order_store::insert_all(const std::vector<order_record>& orders,
                                    const std::vector<key_entry>& keys) {
  if (orders.empty() && keys.empty())
    return store_error{};
  rocksdb::WriteBatch batch;
  for (auto& o : orders)
    if (auto st = add_to(batch, o); !st.ok())
      return detail::storage_error(*impl_->h, "batch", st);
  for (auto& k : keys)
    if (auto st = detail::add_key(*impl_->h, batch, k); !st.ok())
      return detail::storage_error(*impl_->h, "batch", st);
  return detail::write(*impl_->h, batch);
}

store_result<std::optional<key_record>>
order_store::get_key(std::string_view user_id, std::string_view key) const {
  return detail::read_key(*impl_->h, user_id, key);
}

store_result<order_record> order_store::get(std::string_view id) const {
  auto& h = *impl_->h;
  rocksdb::PinnableSlice value;
  auto key = order_key(id);
  auto st = h.db->Get(h.read, h.db->DefaultColumnFamily(), key, &value);
  if (st.IsNotFound())
    return store_error{store_errc::not_found, {}};
  if (!st.ok())
    return detail::storage_error(h, "read", st);
  std::vector<order_record> out;
  if (auto err = impl_->decode_into(key, value.ToStringView(), out))
    return err;
  return std::move(out.front());
}

store_result<page_of<order_record>> order_store::list(const page& p,
                                                      size_t max_bytes) const {
  return impl_->list_range(order_prefix, p, max_bytes);
}

store_result<page_of<order_record>>
order_store::list_by_user(std::string_view user_id, const page& p,
                          size_t max_bytes) const {
  return impl_->list_range(index_prefix(user_id), p, max_bytes);
}

store_stats order_store::stats() const {
  return detail::read_stats(*impl_->h);
}

store_error order_store::compact() {
  return detail::compact(*impl_->h);
}

} // namespace microshop::persistence
