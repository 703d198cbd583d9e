#include "http_edge/readiness.hpp"

#include "http_edge/json_out.hpp"

#include <utility>

namespace microshop::http_edge {

namespace {

/// Appends the "connected" field of a node or link and, unless `error` is
/// empty, its "error".
void append_state(std::string& out, bool connected, std::string_view error) {
  out += "\"connected\":";
  out += connected ? "true" : "false";
  if (!error.empty()) {
    out += ",\"error\":";
    append_json_string(out, error);
  }
}

/// Appends node `n`'s JSON object; adds what is down to `down`.
void append_node(std::string& out, const node_readiness& n,
                 std::vector<std::string>& down) {
  out += '{';
  if (!n.connected) {
    down.emplace_back(n.name);
    append_state(out, false, n.refusal);
  } else if (n.links && !n.links->links) {
    down.push_back(std::string{n.name} + " (links unknown)");
    append_state(out, true, n.links->unknown);
  } else {
    append_state(out, true, {});
  }
  if (n.connected && n.links && n.links->links) {
    out += ",\"links\":[";
    bool first = true;
    for (auto& l : *n.links->links) {
      if (!first)
        out += ',';
      first = false;
      out += "{\"name\":";
      append_json_string(out, l.name);
      out += ',';
      append_state(out, l.connected, l.refusal);
      out += '}';
      if (!l.connected)
        down.push_back(std::string{n.name} + " -> " + l.name);
    }
    out += ']';
  }
  out += '}';
}

} // namespace

response readiness(const std::vector<node_readiness>& nodes) {
  std::string body = "\"nodes\":{";
  std::vector<std::string> down;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (i > 0)
      body += ',';
    append_json_string(body, nodes[i].name);
    body += ':';
    append_node(body, nodes[i], down);
  }
  body += '}';
  if (down.empty())
    return {200, "{\"status\":\"ready\"," + body + "}", {}};
  std::string error = "Not ready, down: ";
  std::string list = "\"down\":[";
  for (size_t i = 0; i < down.size(); ++i) {
    if (i > 0) {
      error += ", ";
      list += ',';
    }
    error += down[i];
    append_json_string(list, down[i]);
  }
  list += ']';
  response r{503, "{\"error\":", {}};
  append_json_string(r.body, error);
  r.body += ",\"status\":\"not ready\",";
  r.body += body;
  r.body += ',';
  r.body += list;
  r.body += '}';
  return r;
}

links_probe::links_probe(size_t nodes, clock::duration max_age)
    : links_(nodes), pending_(nodes, false), max_age_(max_age) {
  // nop
}

bool links_probe::fresh(clock::time_point now) const {
  return !running() && !lost_since_start_ && ended_at_ &&
         now - *ended_at_ <= max_age_;
}

uint64_t links_probe::start(const std::vector<bool>& asked,
                            clock::time_point now) {
  ++round_;
  waiting_ = 0;
  lost_since_start_ = false;
  for (size_t i = 0; i < links_.size(); ++i) {
    pending_[i] = i < asked.size() && asked[i];
    links_[i] = {std::nullopt,
                 pending_[i] ? "no answer yet" : "links not reported yet"};
    if (pending_[i])
      ++waiting_;
  }
  if (waiting_ == 0)
    ended_at_ = now;
  return round_;
}

bool links_probe::answer(uint64_t round, size_t i, node_links x,
                         clock::time_point now) {
  if (round != round_ || i >= pending_.size() || !pending_[i])
    return false;
  pending_[i] = false;
  links_[i] = std::move(x);
  if (--waiting_ > 0)
    return false;
  ended_at_ = now;
  return true;
}

bool links_probe::lost(size_t i, clock::time_point now) {
  lost_since_start_ = true;
  return answer(round_, i, {std::nullopt, "the edge lost the node"}, now);
}

} // namespace microshop::http_edge
