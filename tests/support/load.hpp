#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace microshop::testing {

/// What one request got: the status (0 when the connection failed) and body.
struct outcome {
  int status = 0;
  std::string body;
};

/// Closed-loop HTTP load: `clients` threads, each on its own keep-alive
/// connection (reconnecting after a failure), sending the requests `next`
/// makes until stopped or `max_per_client` were sent. Bounded in count and
/// time by construction.
class load {
public:
  struct request {
    std::string method;
    std::string target;
    std::string body;
  };
  using generator = std::function<request(int client, int n)>;

  load(uint16_t port, int clients, generator next, int max_per_client = 20000);
  ~load();

  /// Stops every client after its current request and waits for them.
  void stop();

  /// Every outcome so far, with the request that produced it.
  std::vector<std::pair<request, outcome>> results() const;

  /// Outcomes counted by status.
  std::map<int, int> by_status() const;

private:
  void run(int client);

  uint16_t port_;
  generator next_;
  int max_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mtx_;
  std::vector<std::pair<request, outcome>> results_;
  std::vector<std::thread> threads_;
};

} // namespace microshop::testing
