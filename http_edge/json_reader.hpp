#pragma once

#include <caf/expected.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace microshop::http_edge {

/// A parsed body and the paths of its numbers written with more than two
/// decimals.
struct json_body {
  nlohmann::json value;
  std::vector<std::string> over_two_decimals;

  bool has_over_two_decimals(const std::string& path) const {
    return std::find(over_two_decimals.begin(), over_two_decimals.end(),
                     path) != over_two_decimals.end();
  }
};

/// The JSON object in `body`, read with nlohmann's SAX parser; `errc::invalid`
/// for invalid JSON, a key given twice in any object (naming its path), or a
/// body that is no object.
caf::expected<json_body> read_json_object(std::string_view body);

} // namespace microshop::http_edge
