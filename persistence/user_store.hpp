#pragma once

#include "persistence/records.hpp"
#include "persistence/status.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace microshop::persistence {

/// Which unique value a uniqueness entry guards: the entry of a username
/// (resp. email) is its ASCII lower case -> the id of the user that owns it.
enum class unique_key : uint8_t { username, email };

/// "username" or "email".
const char* to_string(unique_key k);

/// Users over one RocksDB directory, and the uniqueness entries of the
/// usernames and emails whose shards the node owns. Thread-safe: every
/// operation on an entry is atomic (this process is the database's only
/// writer, and entry writes are serialised). `insert` keeps usernames and
/// emails unique within the store, compared case-insensitively (ASCII).
class user_store {
public:
  /// The store over `dir` (created if missing), or `store_errc::failure` naming
  /// the path and the cause (held by another process, no permission, corrupt).
  static store_result<user_store> open(const std::filesystem::path& dir,
                                       const store_options& opts = {});

  /// Stores `u` and its two uniqueness entries in one atomic write (bulk
  /// loads of a one-node cluster);
  /// `store_errc::duplicate` naming "username" or "email" when either is taken,
  /// even by a concurrent insert.
  [[nodiscard]] store_error insert(const user_record& u);

  /// Stores the record `u` alone, touching no uniqueness entry (the create
  /// path: its entries were claimed first, possibly on other nodes).
  [[nodiscard]] store_error put_record(const user_record& u);

  /// Stores the record `u` and the key record `key` in one atomic write: a
  /// create with an Idempotency-Key (`key.scope` is ignored: a user's key
  /// belongs to the endpoint).
  [[nodiscard]] store_error put_record(const user_record& u,
                                       const key_entry& key);

  /// Stores the key record `key` alone: a create with an Idempotency-Key
  /// that was refused.
  [[nodiscard]] store_error put_key(const key_entry& key);

  /// The key record of the Idempotency-Key `key`; nothing when there is
  /// none or it expired.
  [[nodiscard]] store_result<std::optional<key_record>>
  get_key(std::string_view key) const;

  /// Makes the entry of `value` point at `owner` when it has none, in one
  /// durable write; the owner the entry points at afterwards (`owner` when it
  /// was claimed now or before, else the other owner), or a failure.
  [[nodiscard]] store_result<std::string>
  claim_entry(unique_key k, std::string_view value, std::string_view owner);

  /// Makes the entry of `value` point at `to` if it points at `from`
  /// (compare-and-set); whether it did: false when it points at another
  /// owner or at none.
  [[nodiscard]] store_result<bool> swap_entry(unique_key k,
                                              std::string_view value,
                                              std::string_view from,
                                              std::string_view to);

  /// Deletes the entry of `value` if it points at `owner`; whether it did.
  [[nodiscard]] store_result<bool>
  release_entry(unique_key k, std::string_view value, std::string_view owner);

  /// The owner the entry of `value` points at; empty when it has none.
  [[nodiscard]] store_result<std::string>
  entry_owner(unique_key k, std::string_view value) const;

  /// No error when neither value is taken; else `store_errc::duplicate` naming
  /// the field. A hint only: `insert` decides.
  [[nodiscard]] store_error check_unique(std::string_view username,
                                         std::string_view email) const;

  /// The user, or `store_errc::not_found`.
  [[nodiscard]] store_result<user_record> get(std::string_view id) const;

  /// Whether a user with `id` exists.
  [[nodiscard]] store_result<bool> contains(std::string_view id) const;

  /// Users in creation order after `p.after`, at most `p.limit` of them.
  [[nodiscard]] store_result<page_of<user_record>> list(const page& p) const;

  /// Compacts the whole store, e.g. after a bulk load; `store_errc::failure` on
  /// failure.
  [[nodiscard]] store_error compact();

  /// The sizes, key counts, stalls and errors of this store (for metrics).
  store_stats stats() const;

private:
  struct impl;
  explicit user_store(std::shared_ptr<impl> ptr);
  std::shared_ptr<impl> impl_;
};

} // namespace microshop::persistence
