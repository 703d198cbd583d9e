#pragma once

// The Prometheus text exposition format (version 0.0.4), written by hand:
// Debian 12 has no C++ client library for it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace microshop::http_edge {

/// The media type of `metrics_text`'s output.
constexpr std::string_view metrics_content_type =
    "text/plain; version=0.0.4; charset=utf-8";

/// Builds an exposition: each family's `# HELP` and `# TYPE` lines, then its
/// samples. The caller writes all samples of one family after its `family`
/// call, as the format requires.
class metrics_text {
public:
  /// Starts family `name` of `type` ("counter", "gauge", "histogram" or
  /// "untyped") with its `help` text (escaped here).
  void family(std::string_view name, std::string_view type,
              std::string_view help);

  /// Writes `name{labels} value`; `labels` is label text without braces
  /// (its values already escaped, see `escape_label`), empty for none.
  void sample(std::string_view name, std::string_view labels, double value);
  void sample(std::string_view name, std::string_view labels, uint64_t value);

  /// Writes the samples of one histogram: `name_bucket` for each of the `n`
  /// upper `bounds` and +Inf (cumulative, from the `n + 1` per-bucket
  /// `counts`), `name_sum` and `name_count`.
  void histogram(std::string_view name, std::string_view labels,
                 const double* bounds, const uint64_t* counts, size_t n,
                 double sum, uint64_t count);

  /// The text written so far; the builder is empty afterwards.
  std::string take() {
    return std::move(text_);
  }

  const std::string& text() const {
    return text_;
  }

private:
  void head(std::string_view name, std::string_view labels);

  std::string text_;
};

/// Appends `value` as the format writes numbers: integers without a
/// fraction, "+Inf", "-Inf", "NaN".
void append_number(std::string& out, double value);

} // namespace microshop::http_edge
