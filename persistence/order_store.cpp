#include "persistence/order_store.hpp"

#include "persistence/codec.hpp"
#include "persistence/db.hpp"
#include "persistence/errc.hpp"

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

struct order_store::impl {
  std::shared_ptr<detail::db_handle> h;

  caf::error decode_into(std::string_view key, std::string_view value,
                         std::vector<order_record>& out) const {
    auto rec = detail::decode_order(value);
    if (!rec)
      return detail::storage_error(
          *h, "decode order", rocksdb::Status::Corruption(std::string{key}));
    out.push_back(std::move(*rec));
    return caf::none;
  }

  /// The orders stored under `prefix` (all orders, or one user's index
  /// range), in key order, after `p.after`, at most `p.limit`.
  caf::expected<page_of<order_record>> list_range(const std::string& prefix,
                                                  const page& p) const {
    page_of<order_record> result;
    auto more = detail::scan(*h, prefix, p.after, p.limit,
                             [&](std::string_view key, std::string_view value) {
                               return decode_into(key, value, result.items);
                             });
    if (!more)
      return std::move(more.error());
    result.more = *more;
    return result;
  }
};

order_store::order_store(std::shared_ptr<impl> ptr) : impl_(std::move(ptr)) {
  // nop
}

caf::expected<order_store> order_store::open(const std::filesystem::path& dir,
                                             const store_options& opts) {
  auto h = detail::open_db(dir, opts, {order_prefix, "x"});
  if (!h)
    return std::move(h.error());
  auto ptr = std::make_shared<impl>();
  ptr->h = std::move(*h);
  return order_store{std::move(ptr)};
}

caf::error order_store::insert(const order_record& o) {
  rocksdb::WriteBatch batch;
  if (auto st = add_to(batch, o); !st.ok())
    return detail::storage_error(*impl_->h, "batch", st);
  return detail::write(*impl_->h, batch);
}

caf::error order_store::insert_all(const std::vector<order_record>& orders) {
  if (orders.empty())
    return caf::none;
  rocksdb::WriteBatch batch;
  for (auto& o : orders)
    if (auto st = add_to(batch, o); !st.ok())
      return detail::storage_error(*impl_->h, "batch", st);
  return detail::write(*impl_->h, batch);
}

caf::expected<order_record> order_store::get(std::string_view id) const {
  auto& h = *impl_->h;
  rocksdb::PinnableSlice value;
  auto key = order_key(id);
  auto st = h.db->Get(h.read, h.db->DefaultColumnFamily(), key, &value);
  if (st.IsNotFound())
    return caf::make_error(errc::order_not_found, "Order not found");
  if (!st.ok())
    return detail::storage_error(h, "read", st);
  std::vector<order_record> out;
  if (auto err = impl_->decode_into(key, value.ToStringView(), out))
    return err;
  return std::move(out.front());
}

caf::expected<page_of<order_record>> order_store::list(const page& p) const {
  return impl_->list_range(order_prefix, p);
}

caf::expected<page_of<order_record>>
order_store::list_by_user(std::string_view user_id, const page& p) const {
  return impl_->list_range(index_prefix(user_id), p);
}

caf::error order_store::compact() {
  return detail::compact(*impl_->h);
}

} // namespace microshop::persistence
