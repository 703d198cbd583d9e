// Usernames and emails stay unique across user nodes: under concurrent
// creates spread over three user nodes, and across a kill -9 of one of them
// in the middle of a storm of creates.

#include "sharding/sharding.hpp"
#include "support/load.hpp"

#include <csignal>
#include <thread>

using namespace microshop::testing;
using namespace std::chrono_literals;

namespace {

using three_user_nodes = sharded_fixture<3, 1>;

struct tally {
  int created = 0;
  int taken = 0;
  std::string winner;
  std::string other;
};

/// Counts 201s and 409s with `error`; anything else fails the test.
tally count(const std::vector<http_response>& rs, const std::string& error) {
  tally t;
  for (auto& r : rs) {
    if (r.status == 201) {
      ++t.created;
      t.winner = r.body;
    } else if (r.status == 409 && e2e_fixture::error_of(r) == error) {
      ++t.taken;
    } else {
      t.other += std::to_string(r.status) + " " + r.body + "\n";
    }
  }
  return t;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(uniqueness_across_nodes, three_user_nodes)

BOOST_AUTO_TEST_CASE(
    of_64_concurrent_creates_of_one_username_exactly_one_is_201) {
  for (int round = 0; round < 4; ++round) {
    auto name = "racer" + std::to_string(round);
    std::vector<std::string> bodies;
    for (int i = 0; i < 64; ++i)
      bodies.push_back(
          user_body(i % 2 ? mixed_case(name) : name,
                    name + "-" + std::to_string(i) + "@example.com"));
    auto t =
        count(create_users_at_once(http, bodies), "username already taken");
    BOOST_CHECK_MESSAGE(t.created == 1 && t.taken == 63,
                        name << ": " << t.created << " created, " << t.taken
                             << " taken, others:\n"
                             << t.other);
    auto id = field_of(t.winner, "id");
    auto again = get("/api/users/" + id);
    BOOST_CHECK_EQUAL(again.status, 200);
    BOOST_CHECK_EQUAL(again.json(), nlohmann::json::parse(t.winner));
  }
  BOOST_CHECK_EQUAL(get_list("/api/users").json().size(), 4u);
}

BOOST_AUTO_TEST_CASE(of_64_concurrent_creates_of_one_email_exactly_one_is_201) {
  for (int round = 0; round < 4; ++round) {
    auto email = "shared" + std::to_string(round) + "@example.com";
    std::vector<std::string> bodies;
    for (int i = 0; i < 64; ++i)
      bodies.push_back(
          user_body("mail" + std::to_string(round) + "_" + std::to_string(i),
                    i % 2 ? mixed_case(email) : email));
    auto t = count(create_users_at_once(http, bodies), "email already taken");
    BOOST_CHECK_MESSAGE(t.created == 1 && t.taken == 63,
                        email << ": " << t.created << " created, " << t.taken
                              << " taken, others:\n"
                              << t.other);
    BOOST_CHECK_EQUAL(get("/api/users/" + field_of(t.winner, "id")).status,
                      200);
  }
  BOOST_CHECK_EQUAL(get_list("/api/users").json().size(), 4u);
}

BOOST_AUTO_TEST_CASE(
    a_user_node_killed_during_a_create_storm_blocks_no_name_and_shares_none) {
  auto victim = node::user(2);
  load storm{http, 8, [](int client, int n) {
               auto name =
                   "st" + std::to_string(client) + "_" + std::to_string(n);
               return load::request{"POST", "/api/users",
                                    user_body(name, name + "@storm.example")};
             }};
  std::this_thread::sleep_for(700ms);
  nodes.kill9(victim);
  std::this_thread::sleep_for(300ms);
  nodes.start(victim);
  wait_ready();
  std::this_thread::sleep_for(500ms);
  storm.stop();
  auto results = storm.results();
  BOOST_TEST_MESSAGE("storm: " << results.size() << " creates");
  for (auto [status, n] : storm.by_status())
    BOOST_TEST_MESSAGE("  " << status << ": " << n);
  std::vector<std::pair<std::string, std::string>> created, failed;
  for (auto& [req, out] : results) {
    auto j = nlohmann::json::parse(req.body);
    std::pair names{j["username"].get<std::string>(),
                    j["email"].get<std::string>()};
    (out.status == 201 ? created : failed).push_back(names);
    if (out.status == 201) {
      auto id = field_of(out.body, "id");
      auto r = get("/api/users/" + id);
      BOOST_CHECK_MESSAGE(r.status == 200 &&
                              r.json() == nlohmann::json::parse(out.body),
                          "created " << id << " reads " << r.status);
    }
  }
  // The kill cost some creates and the storm went on after the restart.
  BOOST_REQUIRE(!failed.empty());
  BOOST_REQUIRE(created.size() > 100);
  // Every 201 user holds both its names.
  int probe = 0;
  for (auto& [name, email] : created) {
    auto p = std::to_string(probe++);
    auto by_name = post(
        "/api/users", user_body(mixed_case(name), "probe" + p + "@x.example"));
    BOOST_CHECK_MESSAGE(
        by_name.status == 409 && error_of(by_name) == "username already taken",
        name << " -> " << by_name.status << " " << by_name.body);
    auto by_email =
        post("/api/users", user_body("probe" + p, mixed_case(email)));
    BOOST_CHECK_MESSAGE(
        by_email.status == 409 && error_of(by_email) == "email already taken",
        email << " -> " << by_email.status << " " << by_email.body);
  }
  // Every other name is held by a user that exists, or free to take.
  auto held = names_held(http);
  int freed = 0, kept = 0;
  for (auto& [name, email] : failed) {
    auto p = std::to_string(probe++);
    auto by_name =
        post("/api/users", user_body(name, "probe" + p + "@x.example"));
    auto lower_email = email; // the storm's emails are lower case already
    if (by_name.status == 201)
      ++freed;
    else if (by_name.status == 409 && held.usernames.count(name))
      ++kept;
    else
      BOOST_ERROR(name << " neither free nor held: " << by_name.status << " "
                       << by_name.body);
    auto by_email = post("/api/users", user_body("probe" + p, lower_email));
    if (by_email.status == 201)
      ++freed;
    else if (by_email.status == 409 && held.emails.count(lower_email))
      ++kept;
    else
      BOOST_ERROR(email << " neither free nor held: " << by_email.status << " "
                        << by_email.body);
  }
  BOOST_TEST_MESSAGE(created.size() << " created; of the names of the "
                                    << failed.size() << " others " << freed
                                    << " were free, " << kept << " held");
}

BOOST_AUTO_TEST_SUITE_END()
