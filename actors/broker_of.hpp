#pragma once

#include <caf/io/typed_broker.hpp>
#include <caf/typed_actor.hpp>

namespace microshop::actors {

namespace detail {

template <class Handle> struct broker_of_impl;

template <class... Sigs> struct broker_of_impl<caf::typed_actor<Sigs...>> {
  using type = caf::io::typed_broker<Sigs...>;
};

} // namespace detail

/// The typed broker with the interface of `Handle` (a `caf::typed_actor`):
/// an actor that runs in the middleman's thread, where BASP delivers its
/// messages, and needs no connection of its own.
template <class Handle>
using broker_of = typename detail::broker_of_impl<Handle>::type;

} // namespace microshop::actors
