#include "http_edge/http_metrics.hpp"

#include <algorithm>
#include <string>

namespace microshop::http_edge {

namespace {

constexpr std::string_view method_names[] = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"};

} // namespace

method_label method_of(std::string_view method) {
  for (size_t i = 0; i + 1 < std::size(method_names); ++i)
    if (method == method_names[i])
      return static_cast<method_label>(i);
  return method_label::other;
}

std::string_view method_name(method_label m) {
  return method_names[std::min(static_cast<size_t>(m),
                               std::size(method_names) - 1)];
}

http_metrics::http_metrics() {
  for (size_t i = 0; i < duration_bounds.size(); ++i)
    bound_ns_[i] = static_cast<int64_t>(duration_bounds[i] * 1e9 + 0.5);
}

void http_metrics::on_answer(resource r, method_label m, int status,
                             duration d) {
  auto ri = std::min(static_cast<size_t>(r), routes - 1);
  auto mi = std::min(static_cast<size_t>(m), methods - 1);
  auto& c = cells_[ri * methods + mi];
  auto i = std::find_if(c.statuses.begin(), c.statuses.end(),
                        [status](const auto& x) { return x.first == status; });
  if (i == c.statuses.end())
    c.statuses.emplace_back(status, 1);
  else
    ++i->second;
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  ns = std::max<int64_t>(ns, 0);
  size_t b = 0;
  while (b < bound_ns_.size() && ns > bound_ns_[b])
    ++b;
  ++c.buckets[b];
  ++c.count;
  c.sum_seconds += static_cast<double>(ns) / 1e9;
}

void http_metrics::on_batch(batch_kind k, size_t items) {
  auto& h = batches_[static_cast<size_t>(k)];
  size_t b = 0;
  while (b < batch_bounds.size() &&
         static_cast<double>(items) > batch_bounds[b])
    ++b;
  ++h.buckets[b];
  ++h.count;
  h.sum += static_cast<double>(items);
}

void http_metrics::write(metrics_text& out, size_t connections,
                         size_t in_flight) const {
  auto labels_of = [](size_t ri, size_t mi) {
    std::string l = "method=\"";
    l += method_name(static_cast<method_label>(mi));
    l += "\",route=\"";
    l += route_template(static_cast<resource>(ri));
    l += '"';
    return l;
  };
  out.family("http_requests_total", "counter",
             "HTTP requests answered by the edge, by method, route template "
             "and status.");
  for (size_t ri = 0; ri < routes; ++ri)
    for (size_t mi = 0; mi < methods; ++mi) {
      auto sorted = cells_[ri * methods + mi].statuses;
      std::sort(sorted.begin(), sorted.end());
      for (auto& [status, n] : sorted)
        out.sample(
            "http_requests_total",
            labels_of(ri, mi) + ",status=\"" + std::to_string(status) + '"', n);
    }
  out.family("http_request_duration_seconds", "histogram",
             "Time from a request's arrival to its answer being written, by "
             "method and route template.");
  for (size_t ri = 0; ri < routes; ++ri)
    for (size_t mi = 0; mi < methods; ++mi) {
      const auto& c = cells_[ri * methods + mi];
      if (c.count == 0)
        continue;
      out.histogram("http_request_duration_seconds", labels_of(ri, mi),
                    duration_bounds.data(), c.buckets.data(),
                    duration_bounds.size(), c.sum_seconds, c.count);
    }
  out.family("http_connections_open", "gauge",
             "Client connections open at the edge.");
  out.sample("http_connections_open", {}, static_cast<uint64_t>(connections));
  out.family("http_requests_in_flight", "gauge",
             "Requests read by the edge and not yet answered.");
  out.sample("http_requests_in_flight", {}, static_cast<uint64_t>(in_flight));
  out.family("microshop_batch_size", "histogram",
             "Requests per message the edge sends to a node.");
  constexpr std::string_view batch_labels[] = {
      "service=\"users\",call=\"get\"", "service=\"orders\",call=\"create\""};
  for (size_t k = 0; k < batches_.size(); ++k) {
    const auto& h = batches_[k];
    out.histogram("microshop_batch_size", batch_labels[k], batch_bounds.data(),
                  h.buckets.data(), batch_bounds.size(), h.sum, h.count);
  }
}

} // namespace microshop::http_edge
