// actors::log_line: one JSON object per line on stderr (read back here through
// a pipe), the level filter and the per-event rate limit.

#include "actors/log.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace microshop::actors;
using nlohmann::json;

namespace {

/// Runs `fn` with stderr going into a pipe (drained by a thread, so a full
/// pipe cannot block) and returns what was written, split into lines.
template <class F> std::vector<std::string> stderr_lines_of(F fn) {
  int fds[2];
  BOOST_REQUIRE_EQUAL(::pipe(fds), 0);
  int saved = ::dup(STDERR_FILENO);
  BOOST_REQUIRE(saved >= 0);
  std::string text;
  std::thread reader{[&text, fd = fds[0]] {
    char buf[4096];
    for (;;) {
      auto n = ::read(fd, buf, sizeof(buf));
      if (n <= 0)
        break;
      text.append(buf, static_cast<size_t>(n));
    }
  }};
  ::dup2(fds[1], STDERR_FILENO);
  ::close(fds[1]);
  fn();
  ::dup2(saved, STDERR_FILENO); // closes the pipe's last write end
  ::close(saved);
  reader.join();
  ::close(fds[0]);
  std::vector<std::string> lines;
  size_t start = 0;
  for (auto nl = text.find('\n'); nl != std::string::npos;
       nl = text.find('\n', start)) {
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  BOOST_CHECK_MESSAGE(start == text.size(),
                      "stderr ends in a partial line: " << text.substr(start));
  return lines;
}

/// The one JSON object of `line`; fails the test when it is not one.
json parsed(const std::string& line) {
  auto j = json::parse(line, nullptr, false);
  BOOST_REQUIRE_MESSAGE(j.is_object(), "not a JSON object: " << line);
  return j;
}

/// Puts the log back as a node starts it (info, "node") after each test.
struct log_fixture {
  log_fixture() {
    log_setup("test-node", log_level::info);
  }
  ~log_fixture() {
    log_setup("node", log_level::info);
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(log_lines, log_fixture)

BOOST_AUTO_TEST_CASE(a_line_is_one_json_object_with_time_level_node_event) {
  auto lines = stderr_lines_of([] {
    log_line{log_level::info, "start"}
        .field("port", 7101)
        .field("host", "127.0.0.1");
  });
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  auto j = parsed(lines[0]);
  static const std::regex iso{R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)"};
  BOOST_REQUIRE(j["time"].is_string());
  BOOST_CHECK(std::regex_match(j["time"].get<std::string>(), iso));
  BOOST_CHECK_EQUAL(j["level"], "info");
  BOOST_CHECK_EQUAL(j["node"], "test-node");
  BOOST_CHECK_EQUAL(j["event"], "start");
  BOOST_CHECK_EQUAL(j["port"], 7101);
  BOOST_CHECK_EQUAL(j["host"], "127.0.0.1");
  BOOST_CHECK_EQUAL(j.size(), 6u);
  // The fixed fields come first, in this order.
  BOOST_CHECK_EQUAL(lines[0].rfind("{\"time\":\"", 0), 0u);
  BOOST_CHECK(lines[0].find("\"level\"") < lines[0].find("\"node\""));
  BOOST_CHECK(lines[0].find("\"node\"") < lines[0].find("\"event\""));
}

BOOST_AUTO_TEST_CASE(strings_are_escaped_so_every_line_parses_back_exactly) {
  const std::vector<std::string> values{
      "say \"hi\"",
      "C:\\path\\to",
      "two\nlines\r\n",
      "tab\there",
      std::string{"nul\0byte", 8},
      "\x01\x02\x1b\x1f\x7f",
      "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80", // héllo ✓ 😀
      "",
      "}{\",\"event\":\"forged",
  };
  auto lines = stderr_lines_of([&] {
    for (auto& v : values)
      log_line{log_level::warn, "storage_error"}.field("status", v);
  });
  BOOST_REQUIRE_EQUAL(lines.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    auto j = parsed(lines[i]);
    BOOST_CHECK_EQUAL(j["status"].get<std::string>(), values[i]);
    BOOST_CHECK_EQUAL(j["event"], "storage_error");
    // No raw control byte reaches the log.
    for (unsigned char c : lines[i])
      BOOST_CHECK_MESSAGE(c >= 0x20 && c != 0x7f,
                          "raw control byte " << int{c} << " in " << i);
  }
  // UTF-8 passes through as it is (not as \u escapes).
  BOOST_CHECK(lines[6].find("h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80") !=
              std::string::npos);
}

BOOST_AUTO_TEST_CASE(keys_node_and_event_are_escaped_too) {
  log_setup("user-\"1\"\\", log_level::info);
  auto lines = stderr_lines_of([] {
    log_line{log_level::error, "odd\nevent"}.field("k\"ey", true);
  });
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  auto j = parsed(lines[0]);
  BOOST_CHECK_EQUAL(j["node"], "user-\"1\"\\");
  BOOST_CHECK_EQUAL(j["event"], "odd\nevent");
  BOOST_CHECK_EQUAL(j["k\"ey"], true);
  BOOST_CHECK_EQUAL(j["level"], "error");
}

BOOST_AUTO_TEST_CASE(numbers_and_booleans_are_json_values) {
  auto lines = stderr_lines_of([] {
    log_line{log_level::info, "numbers"}
        .field("neg", int64_t{-42})
        .field("max", std::numeric_limits<uint64_t>::max())
        .field("small", uint8_t{7})
        .field("ms", 0.41)
        .field("nan", std::numeric_limits<double>::quiet_NaN())
        .field("inf", std::numeric_limits<double>::infinity())
        .field("yes", true)
        .field("no", false);
  });
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  auto j = parsed(lines[0]);
  BOOST_CHECK_EQUAL(j["neg"].get<int64_t>(), -42);
  BOOST_CHECK(j["max"].is_number_unsigned());
  BOOST_CHECK_EQUAL(j["max"].get<uint64_t>(),
                    std::numeric_limits<uint64_t>::max());
  BOOST_CHECK_EQUAL(j["small"].get<int>(), 7);
  BOOST_CHECK_CLOSE(j["ms"].get<double>(), 0.41, 1e-9);
  BOOST_CHECK(j["nan"].is_null());
  BOOST_CHECK(j["inf"].is_null());
  BOOST_CHECK(j["yes"].is_boolean() && j["yes"].get<bool>());
  BOOST_CHECK(j["no"].is_boolean() && !j["no"].get<bool>());
}

BOOST_AUTO_TEST_CASE(parse_log_level_knows_the_four_names_only) {
  BOOST_CHECK(parse_log_level("debug") == log_level::debug);
  BOOST_CHECK(parse_log_level("info") == log_level::info);
  BOOST_CHECK(parse_log_level("warn") == log_level::warn);
  BOOST_CHECK(parse_log_level("error") == log_level::error);
  for (auto bad : {"", "off", "INFO", "Debug", "warning", "err", "info ",
                   " info", "trace", "fatal"})
    BOOST_CHECK_MESSAGE(!parse_log_level(bad), "accepted '" << bad << "'");
}

BOOST_AUTO_TEST_CASE(the_level_filters_lines_below_it) {
  struct expect {
    log_level min;
    std::vector<std::string> written;
  };
  const std::vector<expect> cases{
      {log_level::debug, {"debug", "info", "warn", "error"}},
      {log_level::info, {"info", "warn", "error"}},
      {log_level::warn, {"warn", "error"}},
      {log_level::error, {"error"}},
      {log_level::off, {}},
  };
  const log_level all[] = {log_level::debug, log_level::info, log_level::warn,
                           log_level::error};
  for (auto& c : cases) {
    log_setup("n", c.min);
    for (auto lvl : all)
      BOOST_CHECK_EQUAL(log_enabled(lvl), static_cast<uint8_t>(lvl) >=
                                              static_cast<uint8_t>(c.min));
    BOOST_CHECK(!log_enabled(log_level::off)); // never a level to write at
    auto lines = stderr_lines_of([&] {
      for (auto lvl : all) {
        log_line line{lvl, "e"};
        BOOST_CHECK_EQUAL(line.enabled(), log_enabled(lvl));
        line.field("x", 1);
      }
      log_line{log_level::off, "never"};
    });
    std::vector<std::string> levels;
    for (auto& l : lines)
      levels.push_back(parsed(l)["level"]);
    BOOST_CHECK_EQUAL_COLLECTIONS(levels.begin(), levels.end(),
                                  c.written.begin(), c.written.end());
  }
}

BOOST_AUTO_TEST_CASE(lines_of_many_threads_never_interleave) {
  constexpr int threads = 4;
  constexpr int per_thread = 300;
  auto lines = stderr_lines_of([] {
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([t] {
        for (int i = 0; i < per_thread; ++i)
          log_line{log_level::info, "access"}
              .field("thread", t)
              .field("i", i)
              .field("pad", std::string(200, static_cast<char>('a' + t)));
      });
    for (auto& x : ts)
      x.join();
  });
  BOOST_REQUIRE_EQUAL(lines.size(), size_t{threads * per_thread});
  std::vector<int> next(threads, 0);
  for (auto& l : lines) {
    auto j = parsed(l);
    auto t = j["thread"].get<int>();
    BOOST_REQUIRE(t >= 0 && t < threads);
    BOOST_CHECK_EQUAL(j["i"].get<int>(), next[t]++);
    BOOST_CHECK_EQUAL(j["pad"].get<std::string>(),
                      std::string(200, static_cast<char>('a' + t)));
  }
}

BOOST_AUTO_TEST_CASE(log_allowance_lets_ten_a_second_through_then_holds) {
  // Event names of their own: the windows are per process.
  for (int i = 0; i < 10; ++i) {
    auto ok = log_allowance("test_flood");
    BOOST_REQUIRE_MESSAGE(ok, "line " << i << " held");
    BOOST_CHECK_EQUAL(*ok, 0u);
  }
  for (int i = 0; i < 7; ++i)
    BOOST_CHECK(!log_allowance("test_flood"));
  // Another event has its own window.
  BOOST_CHECK(log_allowance("test_other_event"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1050));
  auto next = log_allowance("test_flood");
  BOOST_REQUIRE(next);
  BOOST_CHECK_EQUAL(*next, 7u); // the lines held back since the last one
  auto after = log_allowance("test_flood");
  BOOST_REQUIRE(after);
  BOOST_CHECK_EQUAL(*after, 0u);
}

BOOST_AUTO_TEST_CASE(log_allowance_takes_its_rate) {
  for (int i = 0; i < 3; ++i)
    BOOST_CHECK(log_allowance("test_three", 3));
  BOOST_CHECK(!log_allowance("test_three", 3));
  BOOST_CHECK(!log_allowance("test_three", 3));
  BOOST_CHECK(log_allowance("test_one", 1));
  BOOST_CHECK(!log_allowance("test_one", 1));
}

BOOST_AUTO_TEST_CASE(a_limited_line_keeps_to_its_rate_and_counts_what_it_held) {
  auto first = stderr_lines_of([] {
    for (int i = 0; i < 5; ++i)
      log_line::limited(log_level::warn, "test_limited", 2).field("i", i);
  });
  BOOST_REQUIRE_EQUAL(first.size(), 2u);
  BOOST_CHECK(!parsed(first[0]).contains("suppressed"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1050));
  auto next = stderr_lines_of([] {
    log_line::limited(log_level::warn, "test_limited", 2).field("i", 5);
  });
  BOOST_REQUIRE_EQUAL(next.size(), 1u);
  auto j = parsed(next[0]);
  BOOST_CHECK_EQUAL(j["suppressed"], 3);
  BOOST_CHECK_EQUAL(j["i"], 5);
  // Below the level nothing is written and nothing is counted.
  auto quiet = stderr_lines_of(
      [] { log_line::limited(log_level::debug, "test_limited_debug", 1); });
  BOOST_CHECK(quiet.empty());
  BOOST_CHECK(log_allowance("test_limited_debug", 1));
}

BOOST_AUTO_TEST_SUITE_END()
