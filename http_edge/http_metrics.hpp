#pragma once

// The edge's own request metrics, counted without locks (the edge broker is
// one actor) and without a map lookup per request.

#include "http_edge/metrics_text.hpp"
#include "http_edge/router.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace microshop::http_edge {

/// The methods counted apart; the rest are `other`.
enum class method_label : uint8_t {
  get,
  head,
  post,
  put,
  patch,
  del,
  options,
  other,
  count
};

/// The label of `method` (`other` for any method not listed).
method_label method_of(std::string_view method);

/// The label text of `m`, e.g. "GET".
std::string_view method_name(method_label m);

/// What the edge sends to the nodes in batches.
enum class batch_kind : uint8_t { user_get, order_create, count };

/// Counts answered requests by route template, method and status, their
/// durations (histogram buckets 0.5 ms .. 10 s) and the sizes of the batches
/// sent to the nodes.
class http_metrics {
public:
  using duration = std::chrono::steady_clock::duration;

  /// The upper bounds of the duration buckets, in seconds.
  static constexpr std::array<double, 14> duration_bounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,  0.5,    1,     2.5,  5,     10};

  /// The upper bounds of the batch size buckets.
  static constexpr std::array<double, 9> batch_bounds = {1,  2,  4,   8,  16,
                                                         32, 64, 128, 256};

  http_metrics();

  /// Counts an answer with `status` to a request for `r` with method `m`
  /// that took `d` from its arrival.
  void on_answer(resource r, method_label m, int status, duration d);

  /// Counts a batch of `items` requests sent to a node.
  void on_batch(batch_kind k, size_t items);

  /// Appends `http_requests_total`, `http_request_duration_seconds`,
  /// `http_connections_open`, `http_requests_in_flight` and
  /// `microshop_batch_size`.
  void write(metrics_text& out, size_t connections, size_t in_flight) const;

private:
  struct cell {
    std::vector<std::pair<int, uint64_t>> statuses;
    std::array<uint64_t, duration_bounds.size() + 1> buckets{};
    uint64_t count = 0;
    double sum_seconds = 0;
  };

  struct batch_histogram {
    std::array<uint64_t, batch_bounds.size() + 1> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };

  static constexpr size_t methods = static_cast<size_t>(method_label::count);
  static constexpr size_t routes = static_cast<size_t>(resource::count);

  std::array<cell, routes * methods> cells_;
  std::array<int64_t, duration_bounds.size()> bound_ns_{};
  std::array<batch_histogram, static_cast<size_t>(batch_kind::count)> batches_;
};

} // namespace microshop::http_edge
