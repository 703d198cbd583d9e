#pragma once

// What a node reports about itself for the edge's GET /metrics.

#include <caf/meta/type_name.hpp>
#include <string>
#include <vector>

namespace microshop::actors {

/// One value of a metric family, e.g. `microshop_store_keys` with labels
/// `family="default"`: `labels` is Prometheus label text without braces
/// (empty: none), to which the edge adds the node's name.
struct metric_sample {
  std::string name;
  std::string labels;
  double value = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metric_sample& x) {
  return f(caf::meta::type_name("microshop::metric_sample"), x.name, x.labels,
           x.value);
}

/// Everything a node reports in one answer.
using metric_samples = std::vector<metric_sample>;

} // namespace microshop::actors
