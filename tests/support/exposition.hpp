#pragma once

// A strict reader of the Prometheus text format (0.0.4) for the tests of
// GET /metrics: it fails the test on any line the format does not allow,
// a family described twice, or a sample outside its family.

#include <boost/test/unit_test.hpp>
#include <map>
#include <regex>
#include <string>
#include <vector>

namespace microshop::testing {

struct exposition_sample {
  std::string name;
  /// Label values unescaped, by label name.
  std::map<std::string, std::string> labels;
  std::string value;
};

struct exposition_family {
  std::string help;
  std::string type;
  std::vector<exposition_sample> samples;
};

struct exposition {
  std::map<std::string, exposition_family> families;
  /// Family names in the order they came.
  std::vector<std::string> order;

  /// The value text of the sample `name` with exactly `labels`; empty when
  /// there is none.
  std::string
  value(const std::string& name,
        const std::map<std::string, std::string>& labels = {}) const {
    for (auto& [fname, f] : families)
      for (auto& s : f.samples)
        if (s.name == name && s.labels == labels)
          return s.value;
    return {};
  }
};

/// The label set text `text` (without braces) as a map; fails the test on
/// a syntax error.
inline std::map<std::string, std::string>
parse_labels(const std::string& text) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  static const std::regex name_re{"[a-zA-Z_][a-zA-Z0-9_]*"};
  while (i < text.size()) {
    auto eq = text.find('=', i);
    BOOST_REQUIRE_MESSAGE(eq != std::string::npos, "labels: " << text);
    auto name = text.substr(i, eq - i);
    BOOST_REQUIRE_MESSAGE(std::regex_match(name, name_re),
                          "label name: " << name);
    BOOST_REQUIRE_MESSAGE(eq + 1 < text.size() && text[eq + 1] == '"',
                          "label value unquoted: " << text);
    std::string value;
    size_t j = eq + 2;
    for (; j < text.size() && text[j] != '"'; ++j) {
      if (text[j] == '\\') {
        ++j;
        BOOST_REQUIRE(j < text.size());
        char c = text[j];
        BOOST_REQUIRE_MESSAGE(c == '\\' || c == '"' || c == 'n',
                              "bad escape in " << text);
        value.push_back(c == 'n' ? '\n' : c);
      } else {
        BOOST_REQUIRE_MESSAGE(text[j] != '\n', "raw line feed in a label");
        value.push_back(text[j]);
      }
    }
    BOOST_REQUIRE_MESSAGE(j < text.size(), "unterminated label: " << text);
    BOOST_REQUIRE_MESSAGE(!out.count(name), "label twice: " << text);
    out[name] = value;
    i = j + 1;
    if (i < text.size()) {
      BOOST_REQUIRE_MESSAGE(text[i] == ',', "labels: " << text);
      ++i;
    }
  }
  return out;
}

/// Parses `text`, checking the format's rules as it goes.
inline exposition parse_exposition(const std::string& text) {
  exposition out;
  BOOST_REQUIRE_MESSAGE(text.empty() || text.back() == '\n',
                        "the last line has no line feed");
  static const std::regex help_re{"# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)"};
  static const std::regex type_re{
      "# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|"
      "untyped)"};
  static const std::regex sample_re{
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+))"};
  static const std::regex value_re{
      R"([+-]?(Inf|NaN|[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?))"};
  std::string current;
  bool typed = false;
  size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    auto line = text.substr(start, nl - start);
    start = nl + 1;
    std::smatch m;
    if (std::regex_match(line, m, help_re)) {
      auto name = m[1].str();
      BOOST_REQUIRE_MESSAGE(!out.families.count(name),
                            "family described twice: " << name);
      current = name;
      typed = false;
      out.order.push_back(name);
      out.families[name].help = m[2].str();
    } else if (std::regex_match(line, m, type_re)) {
      BOOST_REQUIRE_MESSAGE(m[1].str() == current && !typed,
                            "TYPE not right after its HELP: " << line);
      typed = true;
      out.families[current].type = m[2].str();
    } else if (std::regex_match(line, m, sample_re)) {
      BOOST_REQUIRE_MESSAGE(typed, "sample before any TYPE: " << line);
      auto name = m[1].str();
      auto& f = out.families[current];
      bool ok = name == current;
      if (f.type == "histogram")
        ok = name == current + "_bucket" || name == current + "_sum" ||
             name == current + "_count";
      BOOST_REQUIRE_MESSAGE(ok, "sample outside its family " << current << ": "
                                                             << line);
      BOOST_REQUIRE_MESSAGE(std::regex_match(m[4].str(), value_re),
                            "bad value: " << line);
      f.samples.push_back({name, parse_labels(m[3].str()), m[4].str()});
    } else {
      BOOST_FAIL("not a line of the format: '" << line << "'");
    }
  }
  return out;
}

/// Checks the histogram `family` of `e`: per label set (without `le`), the
/// buckets in increasing `le` order, cumulative (never decreasing), the last
/// `+Inf` and equal to `_count`, and a `_sum`. Returns the label sets.
inline size_t check_histograms(const exposition& e, const std::string& family) {
  auto fi = e.families.find(family);
  BOOST_REQUIRE_MESSAGE(fi != e.families.end(), "no family " << family);
  BOOST_CHECK_EQUAL(fi->second.type, "histogram");
  std::map<std::map<std::string, std::string>, std::vector<exposition_sample>>
      buckets;
  std::map<std::map<std::string, std::string>, std::string> sums, counts;
  for (auto& s : fi->second.samples) {
    auto labels = s.labels;
    if (s.name == family + "_bucket") {
      BOOST_REQUIRE(labels.count("le"));
      labels.erase("le");
      buckets[labels].push_back(s);
    } else if (s.name == family + "_sum") {
      sums[labels] = s.value;
    } else {
      counts[labels] = s.value;
    }
  }
  for (auto& [labels, bs] : buckets) {
    BOOST_REQUIRE(!bs.empty());
    double prev_le = -1;
    double prev_n = 0;
    for (size_t i = 0; i < bs.size(); ++i) {
      auto le = bs[i].labels.at("le");
      double bound = le == "+Inf" ? 1e300 : std::stod(le);
      BOOST_CHECK_MESSAGE(bound > prev_le,
                          family << " le out of order: " << le);
      BOOST_CHECK_EQUAL(le == "+Inf", i + 1 == bs.size());
      double n = std::stod(bs[i].value);
      BOOST_CHECK_MESSAGE(n >= prev_n,
                          family << " bucket le=" << le << " not cumulative");
      prev_le = bound;
      prev_n = n;
    }
    BOOST_REQUIRE_MESSAGE(counts.count(labels), family << " without _count");
    BOOST_CHECK_EQUAL(bs.back().value, counts[labels]);
    BOOST_CHECK_MESSAGE(sums.count(labels), family << " without _sum");
  }
  BOOST_CHECK_EQUAL(counts.size(), buckets.size());
  return buckets.size();
}

} // namespace microshop::testing
