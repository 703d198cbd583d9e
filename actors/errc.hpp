#pragma once

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace microshop::actors {

/// The domain's error codes; every failure in microshop is one of these or a
/// CAF system error (`caf::sec`). The context of an error carries one
/// human-readable string that is safe to show to a user.
enum class errc : uint8_t {
  /// No user has the given id.
  user_not_found = 1,
  /// No order has the given id.
  order_not_found,
  /// A unique value is taken; the context names the field.
  duplicate,
  /// Input breaks a rule; the context names the field and the rule.
  invalid,
  /// A service needed to answer cannot be reached in time.
  unavailable,
  /// The storage engine failed; the context names the path and the cause.
  storage,
  /// A service refused work at once because its queue is full (or the work
  /// waited too long to start); nothing was done, retrying later may work.
  overloaded,
  /// A peer is not the node the caller expects, or runs another shard map;
  /// the context says which and why.
  misconfigured,
  /// An Idempotency-Key came again with a request other than its first.
  key_reused,
  /// An Idempotency-Key came again while its first request is processed.
  key_in_progress,
};

/// The enumerator's name, e.g. "user_not_found".
std::string to_string(errc x);

/// The error's message text, or an empty string when it carries none.
std::string error_text(const caf::error& err);

/// Returns true when `err` is the domain error `code`.
bool is(const caf::error& err, errc code);

/// `errc::invalid` with the message `field` + `rule`, e.g. ("products[2].",
/// `limits::quantity_rule`) or a whole message in `field`.
caf::error invalid(std::string_view field, std::string_view rule = {});

/// `errc::user_not_found` "User not found" or `errc::order_not_found` "Order
/// not found": the one wording of each.
caf::error not_found(errc code);

} // namespace microshop::actors

CAF_ERROR_CODE_ENUM(microshop::actors::errc, "microshop")
