#include "http_edge/routes.hpp"

#include <string>

namespace microshop::http_edge {

response preflight(const http_request& req, resource r) {
  response resp{204};
  resp.headers.emplace_back("Access-Control-Allow-Methods",
                            std::string{allowed_methods(r)});
  auto requested = req.header("access-control-request-headers");
  resp.headers.emplace_back("Access-Control-Allow-Headers",
                            requested ? *requested : "Content-Type");
  resp.headers.emplace_back("Access-Control-Max-Age", "600");
  return resp;
}

response readiness(bool users, bool orders) {
  bool ready = users && orders;
  auto connected = [](bool up) { return up ? "true" : "false"; };
  response r{ready ? 200 : 503};
  r.body = "{";
  if (!ready)
    r.body += "\"error\":\"Not ready: a node is not connected\",";
  r.body += ready ? "\"status\":\"ready\"" : "\"status\":\"not ready\"";
  r.body += ",\"nodes\":{\"users\":{\"connected\":";
  r.body += connected(users);
  r.body += "},\"orders\":{\"connected\":";
  r.body += connected(orders);
  r.body += "}}}";
  return r;
}

} // namespace microshop::http_edge
