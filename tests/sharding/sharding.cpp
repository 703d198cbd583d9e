#include "sharding/sharding.hpp"

#include <cctype>
#include <latch>
#include <memory>
#include <regex>
#include <thread>

namespace microshop::testing {

std::string user_body(const std::string& username, const std::string& email) {
  return nlohmann::json{{"username", username},
                        {"email", email},
                        {"password", "password-" + username}}
      .dump();
}

std::vector<http_response>
create_users_at_once(uint16_t port, const std::vector<std::string>& bodies) {
  std::vector<http_response> out(bodies.size());
  std::vector<std::unique_ptr<http_connection>> conns;
  for (size_t i = 0; i < bodies.size(); ++i)
    conns.push_back(std::make_unique<http_connection>(port));
  std::latch go{static_cast<std::ptrdiff_t>(bodies.size())};
  std::vector<std::thread> threads;
  for (size_t i = 0; i < bodies.size(); ++i)
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      conns[i]->send("POST", "/api/users", bodies[i]);
      if (auto r = conns[i]->read(std::chrono::seconds(20)))
        out[i] = std::move(*r);
    });
  for (auto& t : threads)
    t.join();
  return out;
}

std::vector<std::string> walk(uint16_t port, const std::string& first) {
  std::vector<std::string> ids;
  auto target = first;
  static const std::regex limit_re{R"([?&]limit=(\d+))"};
  std::smatch m;
  auto limit = std::regex_search(first, m, limit_re) ? m[1].str() : "100";
  while (!target.empty()) {
    auto r = request(port, "GET", target);
    BOOST_REQUIRE_MESSAGE(r.status == 200,
                          target << " -> " << r.status << " " << r.body);
    auto page = r.json();
    BOOST_REQUIRE(page.is_array());
    BOOST_REQUIRE_MESSAGE(page.size() <= std::stoul(limit),
                          target << " -> " << page.size() << " items");
    for (auto& x : page)
      ids.push_back(x["id"].get<std::string>());
    target = next_link(r);
    if (!target.empty())
      BOOST_REQUIRE_MESSAGE(!ids.empty() &&
                                target == first + "&after=" + ids.back(),
                            "Link " << target);
  }
  return ids;
}

bool strictly_ascending(const std::vector<std::string>& ids) {
  for (size_t i = 1; i < ids.size(); ++i)
    if (!(ids[i - 1] < ids[i]))
      return false;
  return true;
}

std::string field_of(const std::string& body, const std::string& name) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  return j.is_object() && j.contains(name) && j[name].is_string()
             ? j[name].get<std::string>()
             : "";
}

std::string mixed_case(const std::string& text) {
  auto out = text;
  for (size_t i = 0; i < out.size(); ++i) {
    auto c = static_cast<unsigned char>(out[i]);
    out[i] = static_cast<char>(i % 2 ? std::toupper(c) : std::tolower(c));
  }
  return out;
}

held_names names_held(uint16_t port) {
  held_names out;
  auto lower = [](std::string s) {
    for (auto& c : s)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::string target = "/api/users?limit=1000";
  while (!target.empty()) {
    auto r = request(port, "GET", target);
    BOOST_REQUIRE_MESSAGE(r.status == 200, target << " -> " << r.status);
    for (auto& u : r.json()) {
      out.usernames.insert(lower(u["username"].get<std::string>()));
      out.emails.insert(lower(u["email"].get<std::string>()));
    }
    target = next_link(r);
  }
  return out;
}

} // namespace microshop::testing
