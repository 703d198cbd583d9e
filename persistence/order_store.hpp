#pragma once

#include "persistence/records.hpp"
#include "persistence/status.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace microshop::persistence {

/// The bytes `o` takes in a list answer, estimated from above for its JSON
/// form on the edge (larger than its CAF encoding), with its share of the
/// array's punctuation, not counting escapes.
size_t estimated_wire_size(const order_record& o);

/// Orders over one RocksDB directory, indexed by user. Thread-safe.
class order_store {
public:
  /// The store over `dir` (created if missing), or `store_errc::failure` naming
  /// the path and the cause.
  static store_result<order_store> open(const std::filesystem::path& dir,
                                        const store_options& opts = {});

  /// Stores `o` and its by-user index entry in one atomic write.
  [[nodiscard]] store_error insert(const order_record& o);

  /// Stores all of `orders` with their index entries in one atomic write
  /// (one WAL record): all of them are stored, or none and the error.
  [[nodiscard]] store_error insert_all(const std::vector<order_record>& orders);

  /// Stores all of `orders` with their index entries and the key records
  /// `keys` (Idempotency-Key outcomes, each scoped by a user id) in one
  /// atomic write: all of them, or none and the error.
  [[nodiscard]] store_error insert_all(const std::vector<order_record>& orders,
                                       const std::vector<key_entry>& keys);

  /// The key record of the Idempotency-Key `key` of the user `user_id`;
  /// nothing when there is none or it expired.
  [[nodiscard]] store_result<std::optional<key_record>>
  get_key(std::string_view user_id, std::string_view key) const;

  /// The order, or `store_errc::not_found`.
  [[nodiscard]] store_result<order_record> get(std::string_view id) const;

  /// Orders in creation order after `p.after`, at most `p.limit` of them
  /// and no more than fit into `max_bytes` by `estimated_wire_size` (but at
  /// least one); `more` is true when any order follows the page.
  [[nodiscard]] store_result<page_of<order_record>>
  list(const page& p, size_t max_bytes = SIZE_MAX) const;

  /// The orders of `user_id` in creation order after `p.after`, at most
  /// `p.limit` and `max_bytes` as in `list`, read from the covering by-user
  /// index in one range scan.
  [[nodiscard]] store_result<page_of<order_record>>
  list_by_user(std::string_view user_id, const page& p,
               size_t max_bytes = SIZE_MAX) const;

  /// Compacts the whole store, e.g. after a bulk load; `store_errc::failure` on
  /// failure.
  [[nodiscard]] store_error compact();

  /// The sizes, key counts, stalls and errors of this store (for metrics).
  store_stats stats() const;

private:
  struct impl;
  explicit order_store(std::shared_ptr<impl> ptr);
  std::shared_ptr<impl> impl_;
};

} // namespace microshop::persistence
