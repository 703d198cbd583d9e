#include "actors/idempotency.hpp"

#include "actors/errc.hpp"
#include "actors/ids.hpp"
#include "actors/validation.hpp"

#include <chrono>
#include <sodium.h>

namespace microshop::actors {

namespace {

/// A BLAKE2b-256 digest over length-prefixed fields, so that no two
/// sequences of fields share an input.
class digest {
public:
  explicit digest(std::string_view domain) {
    init_sodium();
    crypto_generichash_init(&st_, nullptr, 0, crypto_generichash_BYTES);
    add(domain);
  }

  void add(std::string_view field) {
    add(static_cast<uint64_t>(field.size()));
    crypto_generichash_update(
        &st_, reinterpret_cast<const unsigned char*>(field.data()),
        field.size());
  }

  void add(uint64_t x) {
    unsigned char bytes[8];
    for (int i = 0; i < 8; ++i)
      bytes[i] = static_cast<unsigned char>(x >> (8 * i));
    crypto_generichash_update(&st_, bytes, sizeof(bytes));
  }

  std::string finish() {
    std::string out(crypto_generichash_BYTES, '\0');
    crypto_generichash_final(&st_, reinterpret_cast<unsigned char*>(out.data()),
                             out.size());
    return out;
  }

private:
  crypto_generichash_state st_;
};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace

bool is_valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > max_idempotency_key)
    return false;
  for (char c : key)
    if (c < 0x20 || c > 0x7e)
      return false;
  return true;
}

caf::error idempotency_key_rule() {
  return invalid("Idempotency-Key must be 1-255 printable ASCII characters");
}

caf::error key_reused() {
  return caf::make_error(errc::key_reused,
                         "Idempotency-Key reused with a different request");
}

caf::error key_in_progress() {
  return caf::make_error(errc::key_in_progress,
                         "A request with this Idempotency-Key is in progress");
}

std::string fingerprint(const new_user& x) {
  digest d{"microshop.user.v1"};
  d.add(x.username);
  d.add(x.email);
  d.add(uint64_t{validate_password(x.password) ? 0u : 1u});
  return d.finish();
}

std::string fingerprint(const new_order& x) {
  digest d{"microshop.order.v1"};
  d.add(x.user_id);
  d.add(static_cast<uint64_t>(x.products.size()));
  for (const auto& p : x.products) {
    d.add(p.product_id);
    d.add(static_cast<uint64_t>(p.quantity));
    d.add(static_cast<uint64_t>(p.price_cents));
  }
  return d.finish();
}

key_verdict decide_key(const std::optional<persistence::key_record>& stored,
                       std::string_view fp, bool in_progress) {
  if (in_progress)
    return key_verdict::in_progress;
  if (!stored)
    return key_verdict::fresh;
  return stored->fingerprint == fp ? key_verdict::replay
                                   : key_verdict::mismatch;
}

bool is_stored_refusal(const caf::error& err) {
  return is(err, errc::invalid) || is(err, errc::duplicate) ||
         is(err, errc::user_not_found);
}

persistence::key_record created_outcome(std::string fp, std::string id) {
  persistence::key_record rec;
  rec.stored_ms = now_ms();
  rec.fingerprint = std::move(fp);
  rec.code = 0;
  rec.text = std::move(id);
  return rec;
}

persistence::key_record refused_outcome(std::string fp, const caf::error& err) {
  persistence::key_record rec;
  rec.stored_ms = now_ms();
  rec.fingerprint = std::move(fp);
  rec.code = err.code();
  rec.text = error_text(err);
  return rec;
}

caf::error stored_refusal(const persistence::key_record& rec) {
  if (rec.code == 0)
    return caf::none;
  return caf::make_error(static_cast<errc>(rec.code), rec.text);
}

size_t key_node(const shard_map& map, std::string_view key) {
  return map.owner(service::users,
                   shard_of_key("idempotency", key, map.shards()));
}

} // namespace microshop::actors
