#include "actors/password.hpp"

#include "actors/errc.hpp"
#include "actors/ids.hpp"

#include <sodium.h>

namespace microshop::actors {

pwhash_cost pwhash_cost::minimum() {
  return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

caf::expected<std::string> hash_password(std::string_view password,
                                         const pwhash_cost& cost) {
  init_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost.ops,
                            cost.mem_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return caf::make_error(errc::storage, "password hashing ran out of memory");
  return std::string{out};
}

bool verify_password(std::string_view hash, std::string_view password) {
  init_sodium();
  std::string h{hash};
  return crypto_pwhash_str_verify(h.c_str(), password.data(),
                                  password.size()) == 0;
}

} // namespace microshop::actors
