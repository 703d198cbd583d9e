#pragma once

#include <caf/expected.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace microshop::actors {

/// Argon2id cost; the default is the OWASP minimum (t=2, m=19 MiB).
struct pwhash_cost {
  uint64_t ops = 2;
  size_t mem_bytes = size_t{19} << 20;

  /// libsodium's minimum cost, for tests.
  static pwhash_cost minimum();
};

/// The Argon2id hash of `password` in libsodium's string form, or
/// `errc::storage` when libsodium runs out of memory.
caf::expected<std::string> hash_password(std::string_view password,
                                         const pwhash_cost& cost);

/// Whether `password` matches `hash`.
bool verify_password(std::string_view hash, std::string_view password);

} // namespace microshop::actors
