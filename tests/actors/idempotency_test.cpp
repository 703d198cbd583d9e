// The plain functions of Idempotency-Key: the key rule, request
// fingerprints, the verdict on a key, which outcomes are stored and how,
// and which user node owns a key.

#include "actors/errc.hpp"
#include "actors/idempotency.hpp"
#include "actors/ids.hpp"
#include "actors/shard_map.hpp"

#include <boost/test/unit_test.hpp>
#include <caf/sec.hpp>
#include <chrono>
#include <string>
#include <vector>

using namespace microshop;
using namespace microshop::actors;
using actors::errc;

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

new_user ann() {
  return {"ann", "ann@example.com", "correct horse"};
}

new_order two_lines() {
  return {"user-1", {{"sku-1", 2, 1999}, {"sku-2", 1, 500}}, "k"};
}

persistence::key_record stored_with(std::string fp) {
  return {now_ms(), std::move(fp), 0, "some-id"};
}

} // namespace

BOOST_AUTO_TEST_SUITE(idempotency_logic)

BOOST_AUTO_TEST_CASE(a_key_is_1_to_255_printable_ascii_characters) {
  BOOST_CHECK(!is_valid_idempotency_key(""));
  BOOST_CHECK(is_valid_idempotency_key("a"));
  BOOST_CHECK(is_valid_idempotency_key(std::string(255, 'x')));
  BOOST_CHECK(!is_valid_idempotency_key(std::string(256, 'x')));
  BOOST_CHECK_EQUAL(max_idempotency_key, 255u);
  // The ends of the printable range are in, their neighbours out.
  BOOST_CHECK(is_valid_idempotency_key(" "));
  BOOST_CHECK(is_valid_idempotency_key("~"));
  BOOST_CHECK(is_valid_idempotency_key("a key with spaces ~!\"{}"));
  BOOST_CHECK(!is_valid_idempotency_key("a\x1f"));
  BOOST_CHECK(!is_valid_idempotency_key("\x7f"));
  BOOST_CHECK(!is_valid_idempotency_key("tab\there"));
  BOOST_CHECK(!is_valid_idempotency_key(std::string("nul\0x", 5)));
  // UTF-8 (here "é" and "€") is not ASCII, whatever its length.
  BOOST_CHECK(!is_valid_idempotency_key("caf\xc3\xa9"));
  BOOST_CHECK(!is_valid_idempotency_key("\xe2\x82\xac"));
  BOOST_CHECK(!is_valid_idempotency_key(std::string(254, 'x') + "\xc3\xa9"));
  BOOST_CHECK(!is_valid_idempotency_key("\xff"));
  // The refusal the edge and the services answer.
  auto err = idempotency_key_rule();
  BOOST_CHECK(is(err, errc::invalid));
  BOOST_CHECK_EQUAL(error_text(err),
                    "Idempotency-Key must be 1-255 printable ASCII characters");
  BOOST_CHECK(is(key_reused(), errc::key_reused));
  BOOST_CHECK_EQUAL(error_text(key_reused()),
                    "Idempotency-Key reused with a different request");
  BOOST_CHECK(is(key_in_progress(), errc::key_in_progress));
  BOOST_CHECK_EQUAL(error_text(key_in_progress()),
                    "A request with this Idempotency-Key is in progress");
}

BOOST_AUTO_TEST_CASE(a_user_fingerprint_follows_the_parsed_body) {
  auto fp = fingerprint(ann());
  BOOST_CHECK_EQUAL(fp.size(), 32u);
  BOOST_CHECK(fingerprint(ann()) == fp);
  auto changed = [&](new_user x) { return fingerprint(x) != fp; };
  auto x = ann();
  x.username = "Ann";
  BOOST_CHECK(changed(x));
  x = ann();
  x.email = "ann@example.org";
  BOOST_CHECK(changed(x));
  // Fields are length-prefixed: moving bytes between them changes it.
  BOOST_CHECK(fingerprint({"annann", "@example.com", "correct horse"}) !=
              fingerprint({"ann", "ann@example.com", "correct horse"}));
  // Another valid password: the same fingerprint (the hash decides).
  x = ann();
  x.password = "battery staple";
  BOOST_CHECK(!changed(x));
  // A password that breaks the rule: another request.
  x.password = "short";
  BOOST_CHECK(changed(x));
  auto too_short = fingerprint(x);
  x.password = "tiny";
  BOOST_CHECK(fingerprint(x) == too_short);
  // The password value never enters it: no digest of it to guess from.
  BOOST_CHECK(fp.find("correct horse") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_order_fingerprint_follows_every_field_of_the_order) {
  auto fp = fingerprint(two_lines());
  BOOST_CHECK_EQUAL(fp.size(), 32u);
  BOOST_CHECK(fingerprint(two_lines()) == fp);
  // The key itself is not part of the request.
  auto x = two_lines();
  x.idempotency_key = "other";
  BOOST_CHECK(fingerprint(x) == fp);
  std::vector<new_order> others(7, two_lines());
  others[0].user_id = "user-2";
  others[1].products[0].product_id = "sku-9";
  others[2].products[0].quantity = 3;
  others[3].products[1].price_cents = 501;
  std::swap(others[4].products[0], others[4].products[1]);
  others[5].products.pop_back();
  others[6].products.push_back({"sku-3", 1, 1});
  for (size_t i = 0; i < others.size(); ++i)
    BOOST_CHECK_MESSAGE(fingerprint(others[i]) != fp, "change " << i);
  // An order and a user never share one (separate domains).
  BOOST_CHECK(fingerprint(new_order{}) != fingerprint(new_user{}));
}

BOOST_AUTO_TEST_CASE(the_verdict_on_a_key) {
  auto fp = fingerprint(two_lines());
  std::optional<persistence::key_record> none;
  std::optional<persistence::key_record> same = stored_with(fp);
  std::optional<persistence::key_record> other = stored_with("other");
  BOOST_CHECK(decide_key(none, fp, false) == key_verdict::fresh);
  BOOST_CHECK(decide_key(none, fp, true) == key_verdict::in_progress);
  BOOST_CHECK(decide_key(same, fp, false) == key_verdict::replay);
  BOOST_CHECK(decide_key(same, fp, true) == key_verdict::in_progress);
  BOOST_CHECK(decide_key(other, fp, false) == key_verdict::mismatch);
  BOOST_CHECK(decide_key(other, fp, true) == key_verdict::in_progress);
  // A stored refusal is replayed like a created record.
  auto refusal = *same;
  refusal.code = static_cast<uint8_t>(errc::duplicate);
  BOOST_CHECK(decide_key(refusal, fp, false) == key_verdict::replay);
}

BOOST_AUTO_TEST_CASE(only_what_the_node_decided_is_stored) {
  BOOST_CHECK(is_stored_refusal(invalid("email", " must be an email")));
  BOOST_CHECK(is_stored_refusal(caf::make_error(errc::duplicate, "taken")));
  BOOST_CHECK(is_stored_refusal(not_found(errc::user_not_found)));
  for (auto code : {errc::order_not_found, errc::unavailable, errc::storage,
                    errc::overloaded, errc::misconfigured, errc::key_reused,
                    errc::key_in_progress})
    BOOST_CHECK_MESSAGE(!is_stored_refusal(caf::make_error(code, "x")),
                        to_string(code));
  BOOST_CHECK(!is_stored_refusal(caf::sec::request_timeout));
  BOOST_CHECK(!is_stored_refusal(caf::sec::request_receiver_down));
  BOOST_CHECK(!is_stored_refusal(caf::error{}));
}

BOOST_AUTO_TEST_CASE(outcomes_round_trip_with_their_code_and_text) {
  auto before = now_ms();
  auto made = created_outcome("fp-1", "the-id");
  BOOST_CHECK_GE(made.stored_ms, before);
  BOOST_CHECK_LE(made.stored_ms, now_ms());
  BOOST_CHECK_EQUAL(made.fingerprint, "fp-1");
  BOOST_CHECK_EQUAL(made.code, 0);
  BOOST_CHECK_EQUAL(made.text, "the-id");
  BOOST_CHECK(!stored_refusal(made));
  std::vector<caf::error> refusals{
      invalid("products[0].", "quantity must be an integer from 1 to 1000000"),
      caf::make_error(errc::duplicate, "username already taken"),
      not_found(errc::user_not_found)};
  for (auto& err : refusals) {
    auto rec = refused_outcome("fp-2", err);
    BOOST_CHECK_GE(rec.stored_ms, before);
    BOOST_CHECK_EQUAL(rec.fingerprint, "fp-2");
    BOOST_CHECK_NE(rec.code, 0);
    auto back = stored_refusal(rec);
    BOOST_CHECK(back == err);
    BOOST_CHECK_EQUAL(back.category(), err.category());
    BOOST_CHECK_EQUAL(back.code(), err.code());
    BOOST_CHECK_EQUAL(error_text(back), error_text(err));
  }
  BOOST_CHECK(is(stored_refusal(refused_outcome("f", refusals[2])),
                 errc::user_not_found));
}

BOOST_AUTO_TEST_CASE(a_key_has_one_user_node_and_keys_spread_over_them) {
  auto map = shard_map::even(default_shards, 3, 2);
  auto copy = shard_map::parse(map.text());
  BOOST_REQUIRE(copy);
  std::vector<size_t> per_node(3, 0);
  constexpr size_t n = 3000;
  for (size_t i = 0; i < n; ++i) {
    auto key = "key-" + std::to_string(i);
    auto node = key_node(map, key);
    BOOST_REQUIRE_LT(node, 3u);
    BOOST_CHECK_EQUAL(key_node(map, key), node);
    BOOST_CHECK_EQUAL(key_node(*copy, key), node);
    ++per_node[node];
  }
  for (size_t i = 0; i < 3; ++i) {
    BOOST_TEST_MESSAGE("users-" << i + 1 << ": " << per_node[i] << " keys");
    BOOST_CHECK_GT(per_node[i], n / 5);
  }
  // Pinned (64-bit FNV-1a of "idempotency", 0x1f, the key; shard s on
  // node s mod 3): a key's node must not change between builds, its
  // outcome is stored there.
  BOOST_CHECK_EQUAL(shard_of_key("idempotency", "order-42", 128), 118u);
  BOOST_CHECK_EQUAL(key_node(map, "order-42"), 1u);
  BOOST_CHECK_EQUAL(key_node(map, "a"), 1u);
  BOOST_CHECK_EQUAL(key_node(map, "retry-me"), 2u);
  // One user node owns every key.
  auto one = shard_map::even(default_shards, 1, 1);
  for (auto key : {"a", "b", "key-7", " "})
    BOOST_CHECK_EQUAL(key_node(one, key), 0u);
}

BOOST_AUTO_TEST_SUITE_END()
