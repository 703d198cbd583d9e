#include "actors/request_log.hpp"

#include "actors/errc.hpp"
#include "actors/log.hpp"

#include <caf/sec.hpp>

namespace microshop::actors {

bool is_failure(const caf::error& err) {
  if (!err)
    return false;
  if (err.category() != caf::atom("microshop"))
    return true; // CAF's own: a timeout, a lost link
  return is(err, errc::storage) || is(err, errc::unavailable) ||
         is(err, errc::overloaded);
}

namespace {

std::string describe(const caf::error& err) {
  auto text = error_text(err);
  return text.empty() ? caf::to_string(err) : text;
}

} // namespace

void log_outcome(std::string_view event, const std::string& request_id,
                 const caf::error& err,
                 std::pair<std::string_view, std::string_view> subject) {
  if (is_failure(err)) {
    auto line = log_line::limited(log_level::warn, event);
    line.field("request_id", request_id).field("error", describe(err));
    if (!subject.first.empty())
      line.field(subject.first, subject.second);
    return;
  }
  if (!log_enabled(log_level::debug))
    return;
  log_line line{log_level::debug, event};
  line.field("request_id", request_id);
  if (!subject.first.empty())
    line.field(subject.first, subject.second);
  if (err)
    line.field("refused", describe(err));
}

void log_peer_failure(std::string_view peer, std::string_view call,
                      const caf::error& err,
                      const std::vector<std::string_view>& request_ids) {
  auto line = log_line::limited(
      log_level::warn,
      err == caf::sec::request_timeout ? "request_timeout" : "request_failed");
  if (!line.enabled())
    return;
  std::string ids;
  for (size_t k = 0; k < request_ids.size() && k < 16; ++k) {
    if (k > 0)
      ids += ',';
    ids += request_ids[k];
  }
  line.field("peer", peer);
  if (!call.empty())
    line.field("call", call);
  line.field("error", describe(err))
      .field("requests", request_ids.size())
      .field("request_ids", ids);
}

} // namespace microshop::actors
