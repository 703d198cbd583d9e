#include "support/load.hpp"

#include "support/http_client.hpp"

#include <memory>

namespace microshop::testing {

load::load(uint16_t port, int clients, generator next, int max_per_client)
    : port_(port), next_(std::move(next)), max_(max_per_client) {
  for (int i = 0; i < clients; ++i)
    threads_.emplace_back([this, i] { run(i); });
}

load::~load() {
  stop();
}

void load::stop() {
  stop_ = true;
  for (auto& t : threads_)
    if (t.joinable())
      t.join();
}

void load::run(int client) {
  std::unique_ptr<http_connection> conn;
  for (int n = 0; n < max_ && !stop_; ++n) {
    auto req = next_(client, n);
    outcome out;
    try {
      if (!conn)
        conn = std::make_unique<http_connection>(port_);
      conn->send(req.method, req.target, req.body);
      if (auto resp = conn->read(std::chrono::seconds(10))) {
        out.status = resp->status;
        out.body = std::move(resp->body);
        auto c = resp->header("connection");
        if (c && *c == "close")
          conn.reset();
      } else {
        conn.reset();
      }
    } catch (const std::exception&) {
      conn.reset();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::lock_guard<std::mutex> guard{mtx_};
    results_.emplace_back(std::move(req), std::move(out));
  }
}

std::vector<std::pair<load::request, outcome>> load::results() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return results_;
}

std::map<int, int> load::by_status() const {
  std::map<int, int> counts;
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& r : results_)
    ++counts[r.second.status];
  return counts;
}

} // namespace microshop::testing
