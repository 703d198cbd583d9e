#pragma once

// The one type-ID block of everything that crosses the wire; every node loads
// it with `add_message_types`, so the names match on every node.

#include "actors/order_api.hpp"
#include "actors/user_api.hpp"

#include <caf/fwd.hpp>
#include <caf/type_id.hpp>

CAF_BEGIN_TYPE_ID_BLOCK(microshop, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(microshop, (microshop::actors::page))
  CAF_ADD_TYPE_ID(microshop, (microshop::actors::new_user))
  CAF_ADD_TYPE_ID(microshop, (microshop::actors::user))
  CAF_ADD_TYPE_ID(microshop, (microshop::actors::user_page))
  CAF_ADD_TYPE_ID(microshop, (microshop::actors::new_order))
  CAF_ADD_TYPE_ID(microshop, (microshop::actors::order))
  CAF_ADD_TYPE_ID(microshop, (microshop::actors::order_query))
  CAF_ADD_TYPE_ID(microshop, (microshop::actors::order_page))
  CAF_ADD_TYPE_ID(microshop, (microshop::actors::user_result))
  CAF_ADD_TYPE_ID(microshop, (microshop::actors::order_result))
  CAF_ADD_TYPE_ID(microshop, (std::vector<microshop::actors::user_result>))
  CAF_ADD_TYPE_ID(microshop, (std::vector<microshop::actors::new_order>))
  CAF_ADD_TYPE_ID(microshop, (std::vector<microshop::actors::order_result>))
  CAF_ADD_TYPE_ID(microshop, (std::vector<bool>))
  CAF_ADD_TYPE_ID(microshop, (microshop::actors::hello))
  CAF_ADD_TYPE_ID(microshop, (microshop::actors::unique_claim))
  CAF_ADD_TYPE_ID(microshop, (microshop::actors::id_state))
  CAF_ADD_TYPE_ID(microshop, (microshop::actors::link_state))
  CAF_ADD_TYPE_ID(microshop, (std::vector<microshop::actors::link_state>))
  CAF_ADD_TYPE_ID(microshop, (microshop::actors::id_query))
  CAF_ADD_TYPE_ID(microshop, (std::vector<microshop::actors::id_query>))
  CAF_ADD_TYPE_ID(microshop, (microshop::actors::metric_sample))
  CAF_ADD_TYPE_ID(microshop, (std::vector<microshop::actors::metric_sample>))

CAF_END_TYPE_ID_BLOCK(microshop)

namespace microshop::actors {

/// Registers microshop's message types and error category with `cfg`; every
/// node calls it before its actor system starts.
void add_message_types(caf::actor_system_config& cfg);

} // namespace microshop::actors
