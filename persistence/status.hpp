#pragma once

// What a store operation came to, in persistence's own terms; actors/ maps it
// to the domain's errors in one place (actors/wire_mapping.cpp).

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace microshop::persistence {

/// Why a store operation failed.
enum class store_errc : uint8_t {
  /// No failure.
  none = 0,
  /// Nothing is stored under the key asked for.
  not_found,
  /// A unique key is taken; the detail names it ("username" or "email").
  duplicate,
  /// RocksDB failed; the detail names the path, the action and the cause.
  failure,
};

/// A failed store operation, or none when default-constructed; true when it
/// is a failure, so that `if (auto err = store.insert(x))` reads naturally.
struct store_error {
  store_errc code = store_errc::none;
  std::string detail;

  explicit operator bool() const {
    return code != store_errc::none;
  }
};

/// A value read from a store, or the failure that kept it.
template <class T> class store_result {
public:
  store_result(T value) : v_(std::in_place_index<0>, std::move(value)) {
    // nop
  }

  store_result(store_error err) : v_(std::in_place_index<1>, std::move(err)) {
    // nop
  }

  /// Whether the result holds a value.
  explicit operator bool() const {
    return v_.index() == 0;
  }

  T& operator*() {
    return std::get<0>(v_);
  }

  const T& operator*() const {
    return std::get<0>(v_);
  }

  T* operator->() {
    return &std::get<0>(v_);
  }

  const T* operator->() const {
    return &std::get<0>(v_);
  }

  /// The failure; the result must not hold a value.
  store_error& error() {
    return std::get<1>(v_);
  }

  const store_error& error() const {
    return std::get<1>(v_);
  }

private:
  std::variant<T, store_error> v_;
};

} // namespace microshop::persistence
