// A whole tour of the API never shows a password or an Argon2 hash: not in
// any response, not in any node's log.

#include "e2e/e2e.hpp"

using namespace microshop::testing;
using nlohmann::json;

BOOST_FIXTURE_TEST_SUITE(secrets, e2e_fixture)

BOOST_AUTO_TEST_CASE(no_response_or_log_line_contains_a_password_or_hash) {
  const std::vector<std::string> passwords{
      "Tr0ub4dor&3-secret", "correct horse battery", "p@ss\"w0rd\\unique"};
  const std::string short_password = "Zq!9x";
  std::vector<http_response> seen;
  auto keep = [&](http_response r) {
    seen.push_back(r);
    return r;
  };
  std::vector<std::string> ids;
  for (size_t i = 0; i < passwords.size(); ++i) {
    auto name = "secret" + std::to_string(i);
    auto r = keep(post("/api/users", json{{"username", name},
                                          {"email", name + "@example.com"},
                                          {"password", passwords[i]}}
                                         .dump()));
    BOOST_REQUIRE_EQUAL(r.status, 201);
    ids.push_back(r.json()["id"]);
    // The same user again: 409, and the message must not echo the password.
    keep(post("/api/users", json{{"username", name},
                                 {"email", name + "@example.com"},
                                 {"password", passwords[i]}}
                                .dump()));
  }
  keep(post("/api/users", json{{"username", "shorty"},
                               {"email", "s@example.com"},
                               {"password", short_password}}
                              .dump()));
  keep(
      post("/api/users", R"({"username":"x","password":"Tr0ub4dor&3-secret")"));
  for (auto& id : ids) {
    keep(get("/api/users/" + id));
    keep(place(id));
  }
  keep(get("/api/users"));
  keep(get("/api/orders"));
  // Stop the nodes so that every log line is written.
  auto all = nodes.all();
  for (auto n = all.rbegin(); n != all.rend(); ++n)
    BOOST_CHECK_MESSAGE(nodes.stop(*n) == 0, to_string(*n));
  std::vector<std::string> secrets = passwords;
  secrets.push_back(short_password);
  secrets.push_back("$argon2");
  for (auto& r : seen)
    for (auto& s : secrets) {
      BOOST_CHECK_MESSAGE(r.body.find(s) == std::string::npos,
                          "response shows " << s << ": " << r.body);
      for (auto& [name, value] : r.headers)
        BOOST_CHECK(value.find(s) == std::string::npos);
    }
  for (auto n : all) {
    auto log = nodes.log(n);
    BOOST_CHECK(!log.empty());
    for (auto& s : secrets)
      BOOST_CHECK_MESSAGE(log.find(s) == std::string::npos,
                          to_string(n) << " log shows " << s);
  }
}

BOOST_AUTO_TEST_SUITE_END()
