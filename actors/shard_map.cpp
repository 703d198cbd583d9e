#include "actors/shard_map.hpp"

#include "actors/ascii.hpp"
#include "actors/errc.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <sstream>

namespace microshop::actors {

namespace {

constexpr uint32_t unset = UINT32_MAX;

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64)
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

/// Natural order: the text before a trailing number, then the number.
bool natural_less(const std::string& a, const std::string& b) {
  auto split = [](const std::string& s) {
    auto i = s.find_last_not_of("0123456789");
    auto cut = i == std::string::npos ? 0 : i + 1;
    return std::make_pair(s.substr(0, cut), s.substr(cut));
  };
  auto [pa, na] = split(a);
  auto [pb, nb] = split(b);
  if (pa != pb)
    return pa < pb;
  if (na.size() != nb.size())
    return na.size() < nb.size();
  return na < nb;
}

uint64_t fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

constexpr uint64_t fnv_basis = 14695981039346656037ull;

std::optional<uint32_t> to_u32(std::string_view s) {
  uint32_t x = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return x;
}

caf::error line_error(size_t line, std::string_view rule) {
  return invalid("shard map line " + std::to_string(line) + ": " +
                 std::string{rule});
}

} // namespace

std::string_view to_string(service s) {
  return s == service::users ? "users" : "orders";
}

shard_map shard_map::even(uint32_t shards, size_t user_nodes,
                          size_t order_nodes) {
  shard_map m;
  shards = std::clamp<uint32_t>(shards, 1, max_shards);
  user_nodes = std::max<size_t>(user_nodes, 1);
  order_nodes = std::max<size_t>(order_nodes, 1);
  for (size_t i = 1; i <= user_nodes; ++i)
    m.user_nodes_.push_back("users-" + std::to_string(i));
  for (size_t i = 1; i <= order_nodes; ++i)
    m.order_nodes_.push_back("orders-" + std::to_string(i));
  for (uint32_t s = 0; s < shards; ++s) {
    m.users_.push_back(static_cast<uint32_t>(s % user_nodes));
    m.orders_.push_back(static_cast<uint32_t>(s % order_nodes));
  }
  m.finish();
  return m;
}

caf::expected<shard_map> shard_map::parse(std::string_view text) {
  uint32_t shards = 0;
  std::vector<std::string> users(0), orders(0);
  std::istringstream in{std::string{text}};
  std::string line;
  size_t no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (auto hash = line.find('#'); hash != std::string::npos)
      line.erase(hash);
    std::istringstream words{line};
    std::vector<std::string> w;
    for (std::string x; words >> x;)
      w.push_back(std::move(x));
    if (w.empty())
      continue;
    if (w[0] == "shards") {
      auto n = w.size() == 2 ? to_u32(w[1]) : std::nullopt;
      if (shards != 0)
        return line_error(no, "\"shards\" given twice");
      if (!n || *n == 0 || *n > max_shards)
        return line_error(no, "want \"shards <1-256>\"");
      shards = *n;
      users.assign(shards, {});
      orders.assign(shards, {});
      continue;
    }
    if (w[0] != "users" && w[0] != "orders")
      return line_error(no, "want \"shards\", \"users\" or \"orders\"");
    if (shards == 0)
      return line_error(no, "\"shards <n>\" must come first");
    auto s = w.size() == 3 ? to_u32(w[1]) : std::nullopt;
    if (!s)
      return line_error(no, "want \"" + w[0] + " <shard> <node>\"");
    if (*s >= shards)
      return line_error(no, "shard " + w[1] + " is not below " +
                                std::to_string(shards));
    if (!valid_name(w[2]))
      return line_error(no, "node names are 1-64 of A-Z a-z 0-9 - _ .");
    auto& slot = w[0] == "users" ? users[*s] : orders[*s];
    if (!slot.empty())
      return line_error(no, w[0] + " shard " + w[1] + " given twice");
    slot = w[2];
  }
  if (shards == 0)
    return invalid("shard map: no \"shards <n>\" line");
  shard_map m;
  auto fill = [&](const std::vector<std::string>& owners,
                  std::vector<std::string>& names, std::vector<uint32_t>& out,
                  std::string_view what) -> caf::error {
    for (uint32_t s = 0; s < shards; ++s)
      if (owners[s].empty())
        return invalid("shard map: " + std::string{what} + " shard " +
                       std::to_string(s) + " has no node");
    names = owners;
    std::sort(names.begin(), names.end(), natural_less);
    names.erase(std::unique(names.begin(), names.end()), names.end());
    for (auto& o : owners)
      out.push_back(static_cast<uint32_t>(
          std::lower_bound(names.begin(), names.end(), o, natural_less) -
          names.begin()));
    return caf::none;
  };
  if (auto err = fill(users, m.user_nodes_, m.users_, "users"))
    return err;
  if (auto err = fill(orders, m.order_nodes_, m.orders_, "orders"))
    return err;
  for (auto& n : m.user_nodes_)
    if (std::binary_search(m.order_nodes_.begin(), m.order_nodes_.end(), n,
                           natural_less))
      return invalid("shard map: node " + n + " serves both services");
  m.finish();
  return m;
}

caf::expected<shard_map> shard_map::load(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return invalid("shard map " + path + " cannot be read");
  std::stringstream buf;
  buf << in.rdbuf();
  auto m = parse(buf.str());
  if (!m)
    return invalid(path + ": " + error_text(m.error()));
  return m;
}

std::string shard_map::text() const {
  std::string out = "shards " + std::to_string(shards()) + "\n";
  for (uint32_t s = 0; s < shards(); ++s)
    out += "users " + std::to_string(s) + " " + user_nodes_[users_[s]] + "\n";
  for (uint32_t s = 0; s < shards(); ++s)
    out +=
        "orders " + std::to_string(s) + " " + order_nodes_[orders_[s]] + "\n";
  return out;
}

void shard_map::finish() {
  static constexpr char hex[] = "0123456789abcdef";
  auto h = fnv1a(fnv_basis, text());
  digest_.clear();
  for (int i = 15; i >= 0; --i)
    digest_.push_back(hex[(h >> (4 * i)) & 0xf]);
}

std::optional<size_t> shard_map::index_of(service s,
                                          std::string_view name) const {
  auto& names = nodes(s);
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name)
      return i;
  return std::nullopt;
}

std::vector<uint32_t> shard_map::shards_of(service s, size_t index) const {
  std::vector<uint32_t> out;
  for (uint32_t x = 0; x < shards(); ++x)
    if (owner(s, x) == index)
      out.push_back(x);
  return out;
}

uint32_t shard_of_id(std::string_view id, uint32_t shards) {
  if (id.size() < 23 || shards == 0)
    return 0;
  auto hi = hex_value(id[21]);
  auto lo = hex_value(id[22]);
  if (hi < 0 || lo < 0)
    return 0;
  return static_cast<uint32_t>((hi << 4) | lo) % shards;
}

size_t node_of_id(const shard_map& map, service s, std::string_view id) {
  if (map.nodes(s).size() == 1)
    return 0;
  return map.owner(s, shard_of_id(id, map.shards()));
}

uint32_t shard_of_key(std::string_view field, std::string_view key,
                      uint32_t shards) {
  if (shards == 0)
    return 0;
  auto h = fnv1a(fnv1a(fnv_basis, field), "\x1f");
  h = fnv1a(h, key);
  return static_cast<uint32_t>(h % shards);
}

caf::expected<std::vector<named_address>>
parse_addresses(std::string_view text) {
  std::vector<named_address> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    auto comma = text.find(',', pos);
    auto entry = text.substr(pos, comma == std::string_view::npos
                                      ? std::string_view::npos
                                      : comma - pos);
    pos = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    if (entry.empty())
      continue;
    auto bad = [&] {
      return invalid("address \"" + std::string{entry} +
                     "\": want name=host:port");
    };
    auto eq = entry.find('=');
    auto colon = entry.rfind(':');
    if (eq == std::string_view::npos || colon == std::string_view::npos ||
        colon < eq)
      return bad();
    named_address a;
    a.name = std::string{entry.substr(0, eq)};
    a.host = std::string{entry.substr(eq + 1, colon - eq - 1)};
    auto port = to_u32(entry.substr(colon + 1));
    if (!valid_name(a.name) || a.host.empty() || !port || *port == 0 ||
        *port > 65535)
      return bad();
    a.port = static_cast<uint16_t>(*port);
    out.push_back(std::move(a));
  }
  return out;
}

caf::expected<std::vector<named_address>>
addresses_for(const shard_map& map, service s,
              const std::vector<named_address>& addrs) {
  std::vector<named_address> out;
  for (auto& a : addrs)
    if (!map.index_of(s, a.name))
      return invalid("address for " + a.name + ", which is no " +
                     std::string{to_string(s)} + " node of the shard map");
  for (auto& name : map.nodes(s)) {
    auto i =
        std::find_if(addrs.begin(), addrs.end(),
                     [&](const named_address& a) { return a.name == name; });
    if (i == addrs.end())
      return invalid("no address for " + std::string{to_string(s)} + " node " +
                     name);
    out.push_back(*i);
  }
  return out;
}

caf::expected<std::string> answer_hello(const hello& h, const std::string& self,
                                        const shard_map& map) {
  if (h.expected_node != self)
    return caf::make_error(errc::misconfigured,
                           "this is node " + self + ", not " + h.expected_node +
                               " (check the addresses of " + h.caller + ")");
  if (h.map_digest != map.digest())
    return caf::make_error(errc::misconfigured,
                           "node " + self + " runs shard map " + map.digest() +
                               ", " + h.caller + " runs " + h.map_digest +
                               ": start every node with the same map");
  return self;
}

} // namespace microshop::actors
