// libFuzzer target: raw bytes through the edge's request handling — the HTTP
// parser (split at a fuzzer-chosen point), the router, the query and body
// parsers, validation and the response writer.

#include "actors/limits.hpp"
#include "actors/money.hpp"
#include "actors/validation.hpp"
#include "http_edge/api.hpp"
#include "http_edge/json_out.hpp"
#include "http_edge/request_body.hpp"
#include "http_edge/request_parser.hpp"
#include "http_edge/router.hpp"

#include <cstdint>
#include <cstdlib>

using namespace microshop;
using namespace microshop::http_edge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = reinterpret_cast<const char*>(data);
  size_t split = size == 0 ? 0 : data[0] % (size + 1);
  request_parser parser;
  std::vector<http_request> requests;
  int failed = parser.feed(text, split, requests);
  if (failed == 0)
    failed = parser.feed(text + split, size - split, requests);
  switch (failed) {
  case 0:
    if (!parser.error_message().empty())
      std::abort();
    break;
  case 400:
  case 413:
  case 414:
  case 417:
  case 431:
  case 501:
  case 505:
    if (parser.error_message().empty())
      std::abort();
    break;
  default:
    std::abort();
  }
  (void)parser.take_continue();
  if (parser.phase() == request_phase::idle && parser.buffered_bytes() != 0)
    std::abort();
  std::vector<char> out;
  for (auto& req : requests) {
    if (req.target.empty() || (req.target[0] != '/' && req.target != "*"))
      std::abort();
    auto rt = match(req.target);
    (void)allows(rt.target, req.method);
    (void)is_json_content_type(req.header("content-type"));
    if (auto p = parse_page(rt.query);
        p && p->limit > actors::limits::max_page_limit)
      std::abort();
    (void)parse_order_query(rt.query);
    if (auto u = parse_new_user(req.body))
      (void)actors::validate(*u);
    if (auto o = parse_new_order(req.body)) {
      if (!actors::validate(*o)) {
        actors::order x;
        x.id = o->user_id;
        x.user_id = o->user_id;
        x.products = o->products;
        x.total_cents = actors::total_cents(o->products);
        std::string json;
        append_order(json, x);
      }
    }
    write_response(error_response(400, req.target), req.keep_alive, req.http10,
                   "fuzz-1", out);
  }
  return 0;
}
