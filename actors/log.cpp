#include "actors/log.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <unistd.h>

namespace microshop::actors {

namespace {

std::string& node_name() {
  static std::string name = "node";
  return name;
}

std::atomic<uint8_t> min_level{static_cast<uint8_t>(log_level::info)};

constexpr std::string_view level_names[] = {"debug", "info", "warn", "error"};

void append_escaped(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (c < 0x20 || c == 0x7f) {
        out += "\\u00";
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 0xf]);
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
  }
  out.push_back('"');
}

void append_time(std::string& out) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  auto n =
      std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                    tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  out.append(buf, static_cast<size_t>(n));
}

} // namespace

std::optional<log_level> parse_log_level(std::string_view text) {
  for (size_t i = 0; i < std::size(level_names); ++i)
    if (text == level_names[i])
      return static_cast<log_level>(i);
  return std::nullopt;
}

void log_setup(std::string node, log_level min) {
  node_name() = std::move(node);
  min_level = static_cast<uint8_t>(min);
}

bool log_enabled(log_level lvl) {
  return lvl != log_level::off && static_cast<uint8_t>(lvl) >= min_level.load();
}

log_line::log_line(log_level lvl, std::string_view event)
    : enabled_(log_enabled(lvl)) {
  if (enabled_)
    start(lvl, event);
}

log_line::log_line(log_level lvl, std::string_view event, uint32_t per_second)
    : enabled_(log_enabled(lvl)) {
  if (!enabled_)
    return;
  auto held = log_allowance(event, per_second);
  enabled_ = held.has_value();
  if (!enabled_)
    return;
  start(lvl, event);
  if (*held > 0)
    field("suppressed", *held);
}

void log_line::start(log_level lvl, std::string_view event) {
  text_.reserve(160);
  text_ += "{\"time\":\"";
  append_time(text_);
  text_ += "\",\"level\":\"";
  text_ += level_names[static_cast<size_t>(lvl)];
  text_ += "\",\"node\":";
  append_escaped(text_, node_name());
  text_ += ",\"event\":";
  append_escaped(text_, event);
}

log_line::~log_line() {
  if (!enabled_)
    return;
  text_ += "}\n";
  // One write per line; a failed or short write (a closed stderr) is
  // dropped: the log must never stop the node.
  auto rc = ::write(STDERR_FILENO, text_.data(), text_.size());
  (void)rc;
}

void log_line::key(std::string_view k) {
  text_.push_back(',');
  append_escaped(text_, k);
  text_.push_back(':');
}

log_line& log_line::field(std::string_view k, std::string_view value) {
  if (enabled_) {
    key(k);
    append_escaped(text_, value);
  }
  return *this;
}

log_line& log_line::field(std::string_view k, bool value) {
  if (enabled_) {
    key(k);
    text_ += value ? "true" : "false";
  }
  return *this;
}

log_line& log_line::field(std::string_view k, double value) {
  if (enabled_) {
    key(k);
    if (!std::isfinite(value)) {
      text_ += "null";
    } else {
      char buf[32];
      auto n = std::snprintf(buf, sizeof(buf), "%.6g", value);
      text_.append(buf, static_cast<size_t>(n));
    }
  }
  return *this;
}

log_line& log_line::integer(std::string_view k, int64_t value) {
  if (enabled_) {
    key(k);
    text_ += std::to_string(value);
  }
  return *this;
}

log_line& log_line::unsigned_integer(std::string_view k, uint64_t value) {
  if (enabled_) {
    key(k);
    text_ += std::to_string(value);
  }
  return *this;
}

std::optional<uint64_t> log_allowance(std::string_view event,
                                      uint32_t per_second) {
  struct window {
    std::chrono::steady_clock::time_point start;
    uint32_t lines = 0;
    uint64_t held = 0;
  };
  static std::mutex mtx;
  static std::map<std::string, window, std::less<>> windows;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> guard{mtx};
  auto i = windows.find(event);
  if (i == windows.end())
    i = windows.emplace(std::string{event}, window{now, 0, 0}).first;
  auto& w = i->second;
  if (now - w.start >= std::chrono::seconds(1)) {
    w.start = now;
    w.lines = 0;
  }
  if (w.lines >= per_second) {
    ++w.held;
    return std::nullopt;
  }
  ++w.lines;
  auto held = w.held;
  w.held = 0;
  return held;
}

} // namespace microshop::actors
