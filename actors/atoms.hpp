#pragma once

// Atoms of microshop's interfaces. In CAF 0.17 an atom is a compile-time
// constant and needs no type ID; CAF_ADD_ATOM keeps the 0.18 spelling.

#include <caf/atom.hpp>
#include <caf/type_id.hpp>

CAF_ADD_ATOM(microshop, microshop::actors, create_atom, "create")
CAF_ADD_ATOM(microshop, microshop::actors, list_atom, "list")
CAF_ADD_ATOM(microshop, microshop::actors, verify_atom, "verify")
CAF_ADD_ATOM(microshop, microshop::actors, tick_atom, "tick")
CAF_ADD_ATOM(microshop, microshop::actors, hello_atom, "hello")
CAF_ADD_ATOM(microshop, microshop::actors, claim_atom, "claim")
CAF_ADD_ATOM(microshop, microshop::actors, release_atom, "release")
CAF_ADD_ATOM(microshop, microshop::actors, lookup_atom, "lookup")
CAF_ADD_ATOM(microshop, microshop::actors, links_atom, "links")
CAF_ADD_ATOM(microshop, microshop::actors, metrics_atom, "metrics")

namespace microshop::actors {

using caf::get_atom;
using caf::get_atom_v;

} // namespace microshop::actors
