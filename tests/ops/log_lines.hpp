#pragma once

// Reading the nodes' structured logs in the operability tests: one JSON
// object per line on stderr (time, level, node, event, and request_id on
// lines about a request), mixed in the node's log file with the few plain
// stdout lines the scripts read (where the node listens).

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace microshop::testing {

/// The log's JSON lines, in order: every whole line (ending in a newline)
/// that starts with '{', parsed (a discarded value when it is not JSON).
inline std::vector<nlohmann::json> json_lines(const std::string& log) {
  std::vector<nlohmann::json> out;
  size_t at = 0;
  for (auto end = log.find('\n'); end != std::string::npos;
       at = end + 1, end = log.find('\n', at))
    if (end > at && log[at] == '{')
      out.push_back(nlohmann::json::parse(log.begin() + at, log.begin() + end,
                                          nullptr, false));
  return out;
}

/// The log's whole lines that do not start with '{'.
inline std::vector<std::string> plain_lines(const std::string& log) {
  std::vector<std::string> out;
  size_t at = 0;
  for (auto end = log.find('\n'); end != std::string::npos;
       at = end + 1, end = log.find('\n', at))
    if (end > at && log[at] != '{')
      out.push_back(log.substr(at, end - at));
  return out;
}

/// `j[key]` as a string, or "" when it is not one.
inline std::string str(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string()
             ? j[key].get<std::string>()
             : "";
}

/// Checks that `j` is a well-formed log line: an object with a UTC `time`
/// to the millisecond, a `level` of debug|info|warn|error, a `node` and an
/// `event`; `what` names the log in the failure message.
inline void check_line(const nlohmann::json& j, const std::string& what) {
  static const std::regex time{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"};
  static const std::regex level{"debug|info|warn|error"};
  BOOST_CHECK_MESSAGE(j.is_object(), what << ": a line is not JSON");
  if (!j.is_object())
    return;
  BOOST_CHECK_MESSAGE(std::regex_match(str(j, "time"), time),
                      what << ": time of " << j.dump());
  BOOST_CHECK_MESSAGE(std::regex_match(str(j, "level"), level),
                      what << ": level of " << j.dump());
  BOOST_CHECK_MESSAGE(!str(j, "node").empty(),
                      what << ": node of " << j.dump());
  BOOST_CHECK_MESSAGE(!str(j, "event").empty(),
                      what << ": event of " << j.dump());
}

/// The lines whose `request_id` is `id`.
inline std::vector<nlohmann::json>
about(const std::vector<nlohmann::json>& lines, std::string_view id) {
  std::vector<nlohmann::json> out;
  for (auto& j : lines)
    if (str(j, "request_id") == id)
      out.push_back(j);
  return out;
}

/// The index of the first line at or after `from` whose event is `event`
/// and whose text holds `needle`; -1 when none.
inline long find_event(const std::vector<nlohmann::json>& lines,
                       std::string_view event, std::string_view needle,
                       size_t from = 0) {
  for (size_t i = from; i < lines.size(); ++i)
    if (str(lines[i], "event") == event &&
        lines[i].dump().find(needle) != std::string::npos)
      return static_cast<long>(i);
  return -1;
}

/// The events of `lines`, for failure messages.
inline std::string events(const std::vector<nlohmann::json>& lines) {
  std::string out;
  for (auto& j : lines)
    out += str(j, "event") + " ";
  return out;
}

} // namespace microshop::testing
