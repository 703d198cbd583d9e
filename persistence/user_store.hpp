#pragma once

#include "persistence/records.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <filesystem>
#include <memory>
#include <string_view>

namespace microshop::persistence {

/// Users over one RocksDB directory. Thread-safe. Usernames and emails are
/// unique, compared case-insensitively (ASCII).
class user_store {
public:
  /// The store over `dir` (created if missing), or `errc::storage` naming the
  /// path and the cause (held by another process, no permission, corrupt).
  static caf::expected<user_store> open(const std::filesystem::path& dir,
                                        const store_options& opts = {});

  /// Stores `u` and its two unique keys in one atomic write; `errc::duplicate`
  /// naming "username" or "email" when either is taken, even by a concurrent
  /// insert.
  [[nodiscard]] caf::error insert(const user_record& u);

  /// `caf::none` when neither value is taken; else `errc::duplicate` naming
  /// the field. A hint only: `insert` decides.
  [[nodiscard]] caf::error check_unique(std::string_view username,
                                        std::string_view email) const;

  /// The user, or `errc::user_not_found`.
  [[nodiscard]] caf::expected<user_record> get(std::string_view id) const;

  /// Whether a user with `id` exists.
  [[nodiscard]] caf::expected<bool> contains(std::string_view id) const;

  /// Users in creation order after `p.after`, at most `p.limit` of them.
  [[nodiscard]] caf::expected<page_of<user_record>> list(const page& p) const;

  /// Compacts the whole store, e.g. after a bulk load; `errc::storage` on
  /// failure.
  [[nodiscard]] caf::error compact();

private:
  struct impl;
  explicit user_store(std::shared_ptr<impl> ptr);
  std::shared_ptr<impl> impl_;
};

} // namespace microshop::persistence
