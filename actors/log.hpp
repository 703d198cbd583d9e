#pragma once

// The nodes' log: one JSON object per line on stderr, with the time, the
// level, the node and the event, and the fields of that event.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace microshop::actors {

/// How much a node logs: a line is written when its level is at least the
/// configured one.
enum class log_level : uint8_t { debug, info, warn, error, off };

/// The level `text` names ("debug", "info", "warn", "error"); nothing
/// otherwise.
std::optional<log_level> parse_log_level(std::string_view text);

/// Sets the node name every line carries and the lowest level written;
/// call once at start, before other threads log.
void log_setup(std::string node, log_level min);

/// Whether a line at `lvl` would be written.
bool log_enabled(log_level lvl);

/// One log line, built field by field and written (as one `write` to
/// stderr, so lines of several threads never interleave) when it goes out
/// of scope. Does nothing when its level is not enabled.
///
///   log_line{log_level::warn, "request_timeout"}
///       .field("request_id", id).field("peer", name);
class log_line {
public:
  log_line(log_level lvl, std::string_view event);
  ~log_line();

  log_line(const log_line&) = delete;
  log_line& operator=(const log_line&) = delete;

  /// As the constructor, for an event that may hit every request: written
  /// only while `event` keeps within `log_allowance(event, per_second)`;
  /// the first line after held-back ones says how many in `suppressed`.
  static log_line limited(log_level lvl, std::string_view event,
                          uint32_t per_second = 10) {
    return log_line{lvl, event, per_second};
  }

  /// Adds `"key":value` (a string, escaped as JSON).
  log_line& field(std::string_view key, std::string_view value);
  log_line& field(std::string_view key, const char* value) {
    return field(key, std::string_view{value});
  }
  log_line& field(std::string_view key, const std::string& value) {
    return field(key, std::string_view{value});
  }
  /// Adds `"key":value` (a number or a boolean).
  log_line& field(std::string_view key, bool value);
  log_line& field(std::string_view key, double value);
  template <class T, class = std::enable_if_t<std::is_integral_v<T> &&
                                              !std::is_same_v<T, bool>>>
  log_line& field(std::string_view key, T value) {
    if constexpr (std::is_signed_v<T>)
      return integer(key, static_cast<int64_t>(value));
    else
      return unsigned_integer(key, static_cast<uint64_t>(value));
  }

  /// Whether this line will be written.
  bool enabled() const {
    return enabled_;
  }

private:
  log_line(log_level lvl, std::string_view event, uint32_t per_second);

  void start(log_level lvl, std::string_view event);

  log_line& integer(std::string_view key, int64_t value);
  log_line& unsigned_integer(std::string_view key, uint64_t value);
  void key(std::string_view k);

  bool enabled_;
  std::string text_;
};

/// Whether a line of `event` may be written now: at most `per_second` lines
/// of one event per second, so that a failure hitting every request cannot
/// flood the log. Returns the number of lines of `event` held back since the
/// last one written (to be logged as `suppressed`) when it may, else nothing.
std::optional<uint64_t> log_allowance(std::string_view event,
                                      uint32_t per_second = 10);

} // namespace microshop::actors
