#include "partitions/partitions.hpp"
#include "support/http_client.hpp"

#include <memory>
#include <nlohmann/json.hpp>

namespace microshop::testing {

namespace {

/// The method, target and body of the `n`th call of a client of `kind`.
struct http_call {
  std::string method;
  std::string target;
  std::string body;
  std::string key;
};

} // namespace

std::string to_string(call_kind k) {
  switch (k) {
  case call_kind::create_user:
    return "create_user";
  case call_kind::read_user:
    return "read_user";
  case call_kind::create_order:
    return "create_order";
  case call_kind::read_order:
    return "read_order";
  }
  return "?";
}

traffic::traffic(uint16_t port, std::vector<std::string> user_ids,
                 std::vector<std::string> order_ids, std::string tag,
                 int per_kind, std::chrono::milliseconds think)
    : port_(port), users_(std::move(user_ids)), orders_(std::move(order_ids)),
      tag_(std::move(tag)), think_(think) {
  for (auto kind : {call_kind::create_user, call_kind::read_user,
                    call_kind::create_order, call_kind::read_order})
    for (int i = 0; i < per_kind; ++i)
      threads_.emplace_back([this, kind, i] { run(kind, i); });
}

traffic::~traffic() {
  stop();
}

void traffic::stop() {
  stop_ = true;
  for (auto& t : threads_)
    if (t.joinable())
      t.join();
}

std::vector<call_record> traffic::records() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return records_;
}

void traffic::run(call_kind kind, int client) {
  using nlohmann::json;
  auto make = [&](int n) {
    auto user = users_[static_cast<size_t>(client * 5 + n) % users_.size()];
    switch (kind) {
    case call_kind::create_user: {
      auto name = tag_ + "_" + std::to_string(client) + "_" + std::to_string(n);
      return http_call{"POST", "/api/users",
                       json{{"username", name},
                            {"email", name + "@partitions.example.com"},
                            {"password", "password-" + name}}
                           .dump(),
                       name};
    }
    case call_kind::read_user:
      return http_call{"GET", "/api/users/" + user, "", user};
    case call_kind::create_order:
      return http_call{"POST", "/api/orders",
                       json{{"userId", user},
                            {"products",
                             {{{"productId", "p" + std::to_string(n % 7)},
                               {"quantity", n % 3 + 1},
                               {"price", 2.5}}}}}
                           .dump(),
                       user};
    case call_kind::read_order: {
      auto order =
          orders_[static_cast<size_t>(client * 3 + n) % orders_.size()];
      return http_call{"GET", "/api/orders/" + order, "", order};
    }
    }
    return http_call{};
  };
  std::unique_ptr<http_connection> conn;
  for (int n = 0; !stop_; ++n) {
    auto c = make(n);
    call_record rec;
    rec.kind = kind;
    rec.key = c.key;
    rec.start = steady::now();
    try {
      if (!conn)
        conn = std::make_unique<http_connection>(port_);
      conn->send(c.method, c.target, c.body);
      if (auto resp = conn->read(std::chrono::seconds(10))) {
        rec.status = resp->status;
        rec.body = std::move(resp->body);
        auto close = resp->header("connection");
        if (close && *close == "close")
          conn.reset();
      } else {
        conn.reset();
      }
    } catch (const std::exception&) {
      conn.reset();
    }
    rec.end = steady::now();
    {
      std::lock_guard<std::mutex> guard{mtx_};
      records_.push_back(std::move(rec));
    }
    std::this_thread::sleep_for(think_);
  }
}

} // namespace microshop::testing
