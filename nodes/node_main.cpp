#include "nodes/node_main.hpp"

#include "actors/errc.hpp"
#include "actors/log.hpp"
#include "actors/type_ids.hpp"

#include <algorithm>
#include <atomic>
#include <caf/io/middleman.hpp>
#include <chrono>
#include <csignal>
#include <iostream>
#include <unistd.h>

namespace microshop::nodes {

namespace {

std::atomic<bool> shutdown_requested{false};

sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

} // namespace

node_config::node_config() {
  opt_group{custom_options_, "global"}
      .add(host, "host", "address to listen on")
      .add(port, "port", "port to listen on (0: any free port)")
      .add(links.insecure, "insecure",
           "BASP links in plaintext on any address (unauthenticated: only "
           "on a network nobody else reaches)")
      .add(links.connect_timeout, "connect-timeout",
           "bound of one TCP connect attempt to a peer node")
      .add(log_level, "log-level",
           "lowest level logged: debug, info, warn or error");
  // Measured on the 2-core target (README, Performance): work sharing with
  // blocking idle workers beats work stealing, whose polling naps cost a
  // context switch each; BASP messages are deserialized on the multiplexer
  // thread instead of a hop to BASP worker threads.
  set("scheduler.policy", caf::atom("sharing"));
  set("scheduler.max-threads", size_t{2});
  set("middleman.workers", size_t{0});
  set("middleman.heartbeat-interval", caf::timespan{std::chrono::seconds(1)});
  set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(5)});
  actors::add_message_types(*this);
  load<caf::io::middleman>();
}

void node_config::log_start(const std::string& program,
                            const std::string& node) const {
  actors::log_setup(node, actors::parse_log_level(log_level).value_or(
                              actors::log_level::info));
  actors::log_line line{actors::log_level::info, "start"};
  line.field("program", program).field("pid", static_cast<int64_t>(getpid()));
  for (const auto& opt : custom_options_) {
    auto category = opt.category();
    if (category != "global" && category != "openssl")
      continue;
    std::string name{opt.full_name().begin(), opt.full_name().end()};
    if (name.rfind("global.", 0) == 0)
      name.erase(0, 7);
    // Never a secret in the log: the key's passphrase is left out.
    if (name.find("passphrase") != std::string::npos)
      continue;
    auto value = opt.get();
    if (!value)
      continue;
    auto text = caf::to_string(*value);
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
      text = text.substr(1, text.size() - 2);
    line.field(name, text);
  }
}

store_node_config::store_node_config(std::string default_data_dir,
                                     uint16_t default_port,
                                     std::string default_node_name)
    : data_dir(std::move(default_data_dir)),
      node_name(std::move(default_node_name)) {
  port = default_port;
  opt_group{custom_options_, "global"}
      .add(data_dir, "data-dir", "RocksDB directory of this node's store")
      .add(sync_writes, "sync-writes", "fsync every write (power-loss safe)")
      .add(cache_mib, "cache-mib",
           "RocksDB block cache in MiB, and a row cache of half that")
      .add(write_buffer_mib, "write-buffer-mib",
           "RocksDB memtable size in MiB; also the free space needed before "
           "writes resume after a full disk")
      .add(salvage_wal, "salvage-wal",
           "open a store whose WAL is damaged, dropping every record after "
           "the damage")
      .add(idempotency_ttl, "idempotency-ttl",
           "how long Idempotency-Key outcomes are kept at least, e.g. 24h, "
           "90min, 7d (API.md promises 24h)")
      .add(shard_map, "shard-map",
           "shard map file (default: 128 shards on one user and one order "
           "node)")
      .add(node_name, "node-name", "this node's name in the shard map")
      .add(user_nodes, "user-nodes",
           "addresses of the user nodes: name=host:port,...");
}

persistence::store_options store_node_config::store_options() const {
  persistence::store_options opts;
  opts.sync_writes = sync_writes;
  opts.cache_bytes = cache_mib << 20;
  opts.write_buffer_bytes = write_buffer_mib << 20;
  opts.salvage_wal = salvage_wal;
  opts.key_ttl = parse_ttl(idempotency_ttl).value_or(std::chrono::hours(24));
  // The store's lines (errors with RocksDB's status, recoveries, stalls),
  // already rate-limited by the store, as log events.
  opts.log = [](const std::string& line) {
    if (line.rfind("write stall", 0) == 0)
      actors::log_line{actors::log_level::warn, "write_stall"}.field("message",
                                                                     line);
    else if (line.find(" works again ") != std::string::npos)
      actors::log_line{actors::log_level::info, "storage_recovered"}.field(
          "message", line);
    else
      actors::log_line{actors::log_level::error, "storage_error"}.field(
          "message", line);
  };
  return opts;
}

std::optional<std::string>
store_node_config::check_store_flags(const std::string& node) const {
  auto ttl = parse_ttl(idempotency_ttl);
  if (!ttl)
    return "--idempotency-ttl must be a whole number and a unit (ms, s, min, "
           "h, d), positive and at most 3650d, e.g. 24h; got \"" +
           idempotency_ttl + "\"";
  if (*ttl < std::chrono::hours(24))
    actors::log_line{actors::log_level::warn, "config_warning"}.field(
        "message", node + ": warning: --idempotency-ttl is below the 24h "
                          "that API.md promises: a retry after it may create "
                          "a second record");
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> parse_ttl(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
    ++digits;
  if (digits == 0 || digits > 10)
    return std::nullopt;
  uint64_t n = 0;
  for (size_t i = 0; i < digits; ++i)
    n = n * 10 + static_cast<uint64_t>(text[i] - '0');
  auto unit = text.substr(digits);
  uint64_t ms_per = 0;
  if (unit == "ms")
    ms_per = 1;
  else if (unit == "s")
    ms_per = 1000;
  else if (unit == "min")
    ms_per = 60'000;
  else if (unit == "h")
    ms_per = 3'600'000;
  else if (unit == "d")
    ms_per = 86'400'000;
  // At most 10 digits and a day a unit: no overflow below 2^64.
  constexpr uint64_t max_ms = uint64_t{3650} * 86'400'000;
  if (ms_per == 0 || n == 0 || n > max_ms / ms_per)
    return std::nullopt;
  return std::chrono::milliseconds{static_cast<int64_t>(n * ms_per)};
}

void block_shutdown_signals() {
  auto set = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void wait_for_shutdown_signal() {
  auto set = shutdown_signals();
  int sig = 0;
  sigwait(&set, &sig);
}

std::optional<int> parse_args(node_config& cfg, int argc, char** argv) {
  if (auto err = cfg.parse(argc, argv)) {
    std::cerr << argv[0]
              << ": bad arguments: " << caf::actor_system_config::render(err)
              << std::endl;
    return 1;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  auto level = actors::parse_log_level(cfg.log_level);
  if (!level) {
    std::cerr << argv[0]
              << ": bad arguments: --log-level must be debug, info, warn or "
                 "error; got \""
              << cfg.log_level << "\"" << std::endl;
    return 1;
  }
  std::string program = argv[0];
  if (auto slash = program.rfind('/'); slash != std::string::npos)
    program.erase(0, slash + 1);
  actors::log_setup(program, *level);
  return std::nullopt;
}

void begin_shutdown() {
  shutdown_requested = true;
}

bool shutdown_begun() {
  return shutdown_requested;
}

void main_actor_died(caf::actor_system& sys, const std::string& node,
                     const caf::error& reason) {
  auto why = reason ? sys.render(reason) : std::string{"normal exit"};
  std::cout.flush();
  actors::log_line{actors::log_level::error, "main_actor_exited"}.field(
      "message", node + ": main actor exited (" + why +
                     "), exiting with code " +
                     std::to_string(main_actor_died_exit_code));
  std::_Exit(main_actor_died_exit_code);
}

caf::expected<actors::shard_map> load_shard_map(const std::string& path) {
  if (path.empty())
    return actors::shard_map::even(actors::default_shards, 1, 1);
  return actors::shard_map::load(path);
}

std::optional<std::string> check_node_name(const actors::shard_map& map,
                                           actors::service s,
                                           const std::string& name) {
  if (map.index_of(s, name))
    return std::nullopt;
  std::string known;
  for (auto& n : map.nodes(s))
    known += (known.empty() ? "" : ", ") + n;
  return "node name " + name + " is not a node of " +
         std::string{actors::to_string(s)} + " in the shard map (" + known +
         ")";
}

caf::expected<std::vector<actors::named_address>>
user_node_addresses(const actors::shard_map& map, const std::string& list,
                    const std::string& self) {
  auto parsed = actors::parse_addresses(list);
  if (!parsed)
    return std::move(parsed.error());
  const auto& names = map.nodes(actors::service::users);
  for (auto& a : *parsed)
    if (std::find(names.begin(), names.end(), a.name) == names.end())
      return actors::invalid("--user-nodes: " + a.name +
                             " is not a user node of the shard map");
  std::vector<actors::named_address> out;
  for (auto& n : names) {
    if (n == self)
      continue;
    auto i = std::find_if(parsed->begin(), parsed->end(),
                          [&](const auto& a) { return a.name == n; });
    if (i == parsed->end())
      return actors::invalid("--user-nodes: no address for " + n);
    out.push_back(*i);
  }
  return out;
}

void print_shard_map(const std::string& node, const std::string& name,
                     const actors::shard_map& map) {
  std::cout << node << ": " << name << ", shard map " << map.digest() << " ("
            << map.shards() << " shards, "
            << map.nodes(actors::service::users).size() << " user nodes, "
            << map.nodes(actors::service::orders).size() << " order nodes)"
            << std::endl;
}

int fail(const std::string& node, const std::string& text) {
  actors::log_line{actors::log_level::error, "start_failed"}.field(
      "message", node + ": " + text);
  return 1;
}

} // namespace microshop::nodes
