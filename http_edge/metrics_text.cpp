#include "http_edge/metrics_text.hpp"

#include <charconv>
#include <cmath>

namespace microshop::http_edge {

void metrics_text::family(std::string_view name, std::string_view type,
                          std::string_view help) {
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  for (char c : help) {
    if (c == '\\')
      text_ += "\\\\";
    else if (c == '\n')
      text_ += "\\n";
    else
      text_.push_back(c);
  }
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += type;
  text_ += '\n';
}

void metrics_text::head(std::string_view name, std::string_view labels) {
  text_ += name;
  if (!labels.empty()) {
    text_ += '{';
    text_ += labels;
    text_ += '}';
  }
  text_ += ' ';
}

void metrics_text::sample(std::string_view name, std::string_view labels,
                          double value) {
  head(name, labels);
  append_number(text_, value);
  text_ += '\n';
}

void metrics_text::sample(std::string_view name, std::string_view labels,
                          uint64_t value) {
  head(name, labels);
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  text_.append(buf, res.ptr);
  text_ += '\n';
}

void metrics_text::histogram(std::string_view name, std::string_view labels,
                             const double* bounds, const uint64_t* counts,
                             size_t n, double sum, uint64_t count) {
  std::string bucket{name};
  bucket += "_bucket";
  std::string prefix{labels};
  if (!prefix.empty())
    prefix += ',';
  prefix += "le=\"";
  uint64_t cumulative = 0;
  for (size_t b = 0; b <= n; ++b) {
    cumulative += counts[b];
    auto l = prefix;
    if (b < n)
      append_number(l, bounds[b]);
    else
      l += "+Inf";
    l += '"';
    sample(bucket, l, cumulative);
  }
  sample(std::string{name} + "_sum", labels, sum);
  sample(std::string{name} + "_count", labels, count);
}

void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else if (value == std::floor(value) && std::fabs(value) < 1e15) {
    char buf[24];
    auto res =
        std::to_chars(buf, buf + sizeof(buf), static_cast<int64_t>(value));
    out.append(buf, res.ptr);
  } else {
    // The shortest text that reads back as the same double, as %g writes
    // it (0.0005, not 5e-04: `le` labels read as Prometheus clients write
    // them).
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof(buf), value,
                             std::chars_format::general);
    out.append(buf, res.ptr);
  }
}

} // namespace microshop::http_edge
