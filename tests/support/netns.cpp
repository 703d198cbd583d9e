#include "support/netns.hpp"

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <regex>
#include <set>
#include <sys/file.h>
#include <unistd.h>

namespace microshop::testing {

namespace {

/// Namespaces of a test process are "mt<pid>-<k>-<name>".
constexpr const char* name_start = "mt";

/// Holds an exclusive lock that test processes take while they pick a
/// subnet and make their namespaces.
class setup_lock {
public:
  setup_lock() {
    fd_ = ::open("/run/microshop-test-netns.lock", O_RDWR | O_CREAT | O_CLOEXEC,
                 0600);
    if (fd_ >= 0)
      ::flock(fd_, LOCK_EX);
  }
  ~setup_lock() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  setup_lock(const setup_lock&) = delete;
  setup_lock& operator=(const setup_lock&) = delete;

private:
  int fd_ = -1;
};

std::string lib_path() {
  return (source_dir() / "scripts" / "netns_lib.sh").string();
}

/// Runs `body` in bash after sourcing netns_lib.sh, with `args` as $1...
command_result lib_script(const std::string& body,
                          const std::vector<std::string>& args) {
  std::vector<std::string> argv{"bash", "-c",
                                "source \"$0\" || exit 1\n" + body, lib_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

/// Removes the namespaces and links of test processes that are gone.
void remove_stale() {
  auto listing = run_command({ip_tool(), "netns", "list"}).output +
                 run_command({ip_tool(), "-o", "link", "show"}).output;
  static const std::regex re{R"((?:^|[\s:])mt([0-9]+)-[0-9]+-)"};
  std::set<long> pids;
  for (std::sregex_iterator i{listing.begin(), listing.end(), re}, end;
       i != end; ++i)
    pids.insert(std::stol((*i)[1].str()));
  for (auto pid : pids) {
    if (pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 ||
        errno != ESRCH)
      continue;
    netns_lib("netns_cleanup", {name_start + std::to_string(pid)});
  }
}

/// "10.215.X" for a /24 that no link of this machine has an address in.
std::string free_subnet() {
  for (int i = 0; i < 256; ++i) {
    auto base =
        "10.215." + std::to_string((static_cast<int>(::getpid()) + i) % 256);
    if (netns_lib("netns_subnet_used", {base}).code != 0)
      return base;
  }
  BOOST_FAIL("no free /24 in 10.215.0.0/16 for a test network");
  return {};
}

} // namespace

std::string ip_tool() {
  for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"})
    if (std::filesystem::exists(p))
      return p;
  return "ip";
}

command_result netns_lib(const std::string& function,
                         const std::vector<std::string>& args) {
  return lib_script("\"$@\"", [&] {
    std::vector<std::string> v{function};
    v.insert(v.end(), args.begin(), args.end());
    return v;
  }());
}

netns_net::netns_net(const std::vector<std::string>& names) {
  BOOST_REQUIRE_MESSAGE(::geteuid() == 0,
                        "a netns cluster (MICROSHOP_TEST_NETNS=1) needs root: "
                        "it makes network namespaces");
  static std::atomic<int> next{0};
  prefix_ =
      name_start + std::to_string(::getpid()) + "-" + std::to_string(next++);
  setup_lock lock;
  remove_stale();
  base_ = free_subnet();
  std::vector<std::string> args{prefix_, base_};
  for (size_t i = 0; i < names.size(); ++i) {
    addresses_[names[i]] = base_ + "." + std::to_string(2 + i);
    args.push_back(names[i]);
  }
  BOOST_REQUIRE_MESSAGE(names.size() <= 250, "at most 250 namespaces");
  // Anything of this prefix is from a process that had our pid before.
  auto made = lib_script(R"(set -e
    p=$1 b=$2
    shift 2
    netns_cleanup "$p"
    netns_bridge "$p"
    netns_host "$p" "$b.1/24"
    i=2
    for n; do
      netns_add "$p" "$n" "$b.$i/24"
      i=$((i + 1))
    done)",
                         args);
  if (made.code != 0) {
    netns_lib("netns_cleanup", {prefix_});
    BOOST_FAIL("cannot make the network namespaces of " << prefix_ << ": "
                                                        << made.output);
  }
}

netns_net::~netns_net() {
  auto r = netns_lib("netns_cleanup", {prefix_});
  if (r.code != 0)
    BOOST_TEST_MESSAGE("removing the namespaces of " << prefix_ << ": "
                                                     << r.output);
}

std::string netns_net::address(const std::string& name) const {
  auto i = addresses_.find(name);
  BOOST_REQUIRE_MESSAGE(i != addresses_.end(), name << " has no namespace");
  return i->second;
}

std::string netns_net::netns(const std::string& name) const {
  BOOST_REQUIRE_MESSAGE(addresses_.count(name), name << " has no namespace");
  return prefix_ + "-" + name;
}

std::vector<std::string> netns_net::exec_prefix(const std::string& name) const {
  return {ip_tool(), "netns", "exec", netns(name)};
}

command_result netns_net::run_in(const std::string& name,
                                 const std::vector<std::string>& argv) const {
  auto full = exec_prefix(name);
  full.insert(full.end(), argv.begin(), argv.end());
  return run_command(full);
}

} // namespace microshop::testing
