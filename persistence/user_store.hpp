#pragma once

#include "persistence/records.hpp"
#include "persistence/status.hpp"

#include <filesystem>
#include <memory>
#include <string_view>

namespace microshop::persistence {

/// Users over one RocksDB directory. Thread-safe. Usernames and emails are
/// unique, compared case-insensitively (ASCII).
class user_store {
public:
  /// The store over `dir` (created if missing), or `store_errc::failure` naming
  /// the path and the cause (held by another process, no permission, corrupt).
  static store_result<user_store> open(const std::filesystem::path& dir,
                                       const store_options& opts = {});

  /// Stores `u` and its two unique keys in one atomic write;
  /// `store_errc::duplicate` naming "username" or "email" when either is taken,
  /// even by a concurrent insert.
  [[nodiscard]] store_error insert(const user_record& u);

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

private:
  struct impl;
  explicit user_store(std::shared_ptr<impl> ptr);
  std::shared_ptr<impl> impl_;
};

} // namespace microshop::persistence
