#include "http_edge/json_reader.hpp"

#include "actors/errc.hpp"

#include <algorithm>
#include <caf/error.hpp>

namespace microshop::http_edge {

using actors::invalid;
using json = nlohmann::json;

namespace {

/// The decimal places of a JSON number as written: the digits after its
/// point, trailing zeros included ("1.000" 3, "1.234e2" 3), or the places
/// its value needs when the exponent asks for more ("1e-3" 3, "5e-2" 2).
int64_t written_decimals(std::string_view text) {
  auto exp_at = text.find_first_of("eE");
  auto mantissa = text.substr(0, exp_at);
  auto dot = mantissa.find('.');
  int64_t digits = dot == std::string_view::npos
                       ? 0
                       : static_cast<int64_t>(mantissa.size() - dot - 1);
  int64_t decimals = digits;
  if (exp_at != std::string_view::npos) {
    auto exp = text.substr(exp_at + 1);
    bool negative = !exp.empty() && exp.front() == '-';
    if (!exp.empty() && (exp.front() == '-' || exp.front() == '+'))
      exp.remove_prefix(1);
    // Saturates: an exponent beyond any body size decides the same way.
    int64_t e = 0;
    for (char c : exp)
      e = std::min<int64_t>(e * 10 + (c - '0'), 100'000'000);
    decimals += negative ? e : -e;
  }
  return std::max(digits, decimals);
}

/// A JSON body as a DOM, built by nlohmann's SAX parser so that it sees what
/// the DOM cannot keep: a key given twice in one object (an error naming the
/// key's path) and the text of each floating-point number (the paths of those
/// written with more than two decimals are kept).
class body_reader final : public json::json_sax_t {
public:
  json root;
  /// The error once the body is rejected.
  std::string error;
  /// Paths of the numbers written with more than two decimals.
  std::vector<std::string> over_two_decimals;

  bool null() override {
    return add(nullptr);
  }

  bool boolean(bool val) override {
    return add(val);
  }

  bool number_integer(number_integer_t val) override {
    return add(val);
  }

  bool number_unsigned(number_unsigned_t val) override {
    return add(val);
  }

  bool number_float(number_float_t val, const string_t& text) override {
    if (!add(val))
      return false;
    if (written_decimals(text) > 2)
      over_two_decimals.push_back(path());
    return true;
  }

  bool string(string_t& val) override {
    return add(std::move(val));
  }

  bool binary(binary_t& val) override {
    return add(std::move(val));
  }

  bool start_object(std::size_t) override {
    auto* obj = add(json::object());
    if (obj == nullptr)
      return false;
    frames_.push_back({obj, nullptr});
    return true;
  }

  bool key(string_t& val) override {
    auto& f = frames_.back();
    auto [it, fresh] =
        f.value->get_ref<json::object_t&>().emplace(std::move(val), nullptr);
    f.key = &it->first;
    if (!fresh) {
      error = path() + " appears more than once";
      return false;
    }
    slot_ = &it->second;
    return true;
  }

  bool end_object() override {
    frames_.pop_back();
    return true;
  }

  bool start_array(std::size_t) override {
    auto* arr = add(json::array());
    if (arr == nullptr)
      return false;
    frames_.push_back({arr, nullptr});
    return true;
  }

  bool end_array() override {
    frames_.pop_back();
    return true;
  }

  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    // 406: a number too large for a double (1e400) is valid JSON that
    // this reader cannot hold: name where it stands.
    auto at = ex.id == 406 ? path(true) : std::string{};
    error = at.empty() ? "body must be valid JSON"
                       : at + " is a number out of range";
    return false;
  }

private:
  /// An object or array being filled, and in an object the current key
  /// (map nodes do not move).
  struct frame {
    json* value;
    const std::string* key;
  };

  /// Places `val` where the parser stands; returns where it went.
  json* add(json val) {
    if (frames_.empty()) {
      root = std::move(val);
      return &root;
    }
    auto* parent = frames_.back().value;
    if (parent->is_array()) {
      parent->push_back(std::move(val));
      return &parent->back();
    }
    *slot_ = std::move(val);
    return slot_;
  }

  /// Where the parser stands, e.g. "products[1].price": in an array the
  /// element read last, or with `next` the one about to be read.
  std::string path(bool next = false) const {
    std::string out;
    for (size_t i = 0; i < frames_.size(); ++i) {
      const auto& f = frames_[i];
      if (f.value->is_array()) {
        bool innermost = i + 1 == frames_.size();
        auto n = f.value->size() - (next && innermost ? 0 : 1);
        out += "[" + std::to_string(n) + "]";
      } else {
        if (!out.empty())
          out.push_back('.');
        out += *f.key;
      }
    }
    return out;
  }

  std::vector<frame> frames_;
  json* slot_ = nullptr;
};

} // namespace

caf::expected<json_body> read_json_object(std::string_view body) {
  body_reader reader;
  if (!json::sax_parse(body.begin(), body.end(), &reader))
    return invalid(reader.error.empty() ? "body must be valid JSON"
                                        : reader.error);
  if (!reader.root.is_object())
    return invalid("body must be a JSON object");
  return json_body{std::move(reader.root), std::move(reader.over_two_decimals)};
}

} // namespace microshop::http_edge
