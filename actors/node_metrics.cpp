#include "actors/node_metrics.hpp"

namespace microshop::actors {

std::string label_value(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

void add_store_samples(metric_samples& out, const persistence::store_stats& s) {
  for (const auto& f : s.families) {
    auto labels = "family=\"" + label_value(f.family) + "\"";
    out.push_back({"microshop_store_size_bytes", labels,
                   static_cast<double>(f.size_bytes)});
    out.push_back(
        {"microshop_store_keys", labels, static_cast<double>(f.keys)});
  }
  out.push_back({"microshop_store_write_stalls_total",
                 {},
                 static_cast<double>(s.write_stalls)});
  out.push_back(
      {"microshop_store_writes_stopped", {}, s.writes_stopped ? 1.0 : 0.0});
  out.push_back(
      {"microshop_store_errors_total", {}, static_cast<double>(s.errors)});
}

void add_peer_samples(metric_samples& out, const std::string& peer, bool up,
                      uint64_t reconnects, uint64_t timeouts) {
  auto labels = "peer=\"" + label_value(peer) + "\"";
  out.push_back({"microshop_peer_link_up", labels, up ? 1.0 : 0.0});
  out.push_back({"microshop_peer_reconnects_total", labels,
                 static_cast<double>(reconnects)});
  out.push_back({"microshop_peer_request_timeouts_total", labels,
                 static_cast<double>(timeouts)});
}

} // namespace microshop::actors
