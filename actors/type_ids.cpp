#include "actors/type_ids.hpp"

#include "actors/errc.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/message.hpp>

namespace microshop::actors {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::microshop>();
  // The templated add_error_category<T> of CAF 0.17.6 does not compile
  // (its renderer lambda has the wrong signature), hence the explicit one.
  cfg.add_error_category(
      caf::atom("microshop"),
      [](uint8_t code, caf::atom_value, const caf::message& ctx) {
        std::string out = "microshop: ";
        out += to_string(static_cast<errc>(code));
        if (ctx.size() == 1 && ctx.match_element<std::string>(0)) {
          out += " (";
          out += ctx.get_as<std::string>(0);
          out += ")";
        }
        return out;
      });
}

} // namespace microshop::actors
