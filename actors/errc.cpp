#include "actors/errc.hpp"

#include <caf/atom.hpp>
#include <caf/message.hpp>

namespace microshop::actors {

std::string to_string(errc x) {
  switch (x) {
  case errc::user_not_found:
    return "user_not_found";
  case errc::order_not_found:
    return "order_not_found";
  case errc::duplicate:
    return "duplicate";
  case errc::invalid:
    return "invalid";
  case errc::unavailable:
    return "unavailable";
  case errc::storage:
    return "storage";
  case errc::overloaded:
    return "overloaded";
  case errc::misconfigured:
    return "misconfigured";
  case errc::key_reused:
    return "key_reused";
  case errc::key_in_progress:
    return "key_in_progress";
  }
  return "unknown";
}

std::string error_text(const caf::error& err) {
  if (!err)
    return {};
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return {};
}

bool is(const caf::error& err, errc code) {
  return err && err.category() == caf::atom("microshop") &&
         err.code() == static_cast<uint8_t>(code);
}

caf::error invalid(std::string_view field, std::string_view rule) {
  std::string text;
  text.reserve(field.size() + rule.size());
  text += field;
  text += rule;
  return caf::make_error(errc::invalid, std::move(text));
}

caf::error not_found(errc code) {
  return caf::make_error(code, code == errc::order_not_found
                                   ? "Order not found"
                                   : "User not found");
}

} // namespace microshop::actors
