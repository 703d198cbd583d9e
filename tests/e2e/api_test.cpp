// API.md, row by row, against a real cluster over HTTP (any shape).

#include "e2e/e2e.hpp"

#include <memory>
#include <set>
#include <vector>

using namespace microshop::testing;
using nlohmann::json;

namespace {

bool is_timestamp(const json& j) {
  static const std::regex iso{R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)"};
  return j.is_string() && std::regex_match(j.get<std::string>(), iso);
}

std::string user_body(const std::string& name, const std::string& email,
                      const std::string& password = "password-1") {
  return json{{"username", name}, {"email", email}, {"password", password}}
      .dump();
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(users_api, e2e_fixture)

BOOST_AUTO_TEST_CASE(
    creating_a_user_answers_201_with_location_and_no_password) {
  auto r = post("/api/users",
                user_body("Alice", "Alice@Example.com", "sup3r-secret"));
  BOOST_REQUIRE_EQUAL(r.status, 201);
  auto u = r.json();
  BOOST_CHECK_EQUAL(u["username"], "Alice");
  BOOST_CHECK_EQUAL(u["email"], "Alice@Example.com");
  BOOST_CHECK(is_timestamp(u["createdAt"]));
  BOOST_CHECK_EQUAL(u.size(), 4u); // id, username, email, createdAt only
  BOOST_REQUIRE(r.header("location"));
  BOOST_CHECK_EQUAL(*r.header("location"),
                    "/api/users/" + u["id"].get<std::string>());
  BOOST_CHECK(r.body.find("sup3r-secret") == std::string::npos);
  BOOST_CHECK(r.body.find("argon2") == std::string::npos);
  auto again = get(*r.header("location"));
  BOOST_CHECK_EQUAL(again.status, 200);
  BOOST_CHECK_EQUAL(again.json(), u);
}

BOOST_AUTO_TEST_CASE(lists_users_oldest_first) {
  std::vector<std::string> ids;
  for (auto name : {"carol", "alice", "bob"}) {
    ids.push_back(make_user(name)["id"]);
    next_millisecond();
  }
  auto r = get_list("/api/users");
  BOOST_REQUIRE_EQUAL(r.status, 200);
  auto list = r.json();
  BOOST_REQUIRE(list.is_array());
  BOOST_REQUIRE_EQUAL(list.size(), 3u);
  for (size_t i = 0; i < 3; ++i)
    BOOST_CHECK_EQUAL(list[i]["id"], ids[i]);
  BOOST_CHECK(!r.header("link"));
}

BOOST_AUTO_TEST_CASE(bad_user_bodies_are_400_naming_the_field) {
  struct bad {
    std::string body;
    std::string field;
  };
  std::vector<bad> cases{
      {"{not json", "body"},
      {"[1,2]", "body"},
      {R"({"email":"a@example.com","password":"password1"})", "username"},
      {R"({"username":7,"email":"a@example.com","password":"password1"})",
       "username"},
      {R"({"username":"al","email":"a@example.com","password":"password1"})",
       "username"},
      {R"({"username":"al ice","email":"a@example.com","password":"password1"})",
       "username"},
      {R"({"username":"alice","password":"password1"})", "email"},
      {R"({"username":"alice","email":"no-at-sign","password":"password1"})",
       "email"},
      {R"({"username":"alice","email":"a@nodot","password":"password1"})",
       "email"},
      {R"({"username":"alice","email":"a@example.com"})", "password"},
      {R"({"username":"alice","email":"a@example.com","password":"short"})",
       "password"},
      {R"({"username":"alice","email":"a@example.com","password":null})",
       "password"},
  };
  for (auto& c : cases) {
    auto r = post("/api/users", c.body);
    BOOST_CHECK_MESSAGE(r.status == 400, c.body << " -> " << r.status);
    BOOST_CHECK_MESSAGE(error_of(r).find(c.field) == 0,
                        c.body << " -> " << error_of(r));
    BOOST_CHECK(r.body.find("short") == std::string::npos ||
                c.field != "password");
  }
  BOOST_CHECK_EQUAL(get("/api/users").json().size(), 0u);
}

BOOST_AUTO_TEST_CASE(unknown_fields_are_ignored) {
  auto r =
      post("/api/users", R"({"username":"alice","email":"a@example.com",)"
                         R"("password":"password1","admin":true,"age":3})");
  BOOST_CHECK_EQUAL(r.status, 201);
  BOOST_CHECK(!r.json().contains("admin"));
}

BOOST_AUTO_TEST_CASE(taken_usernames_and_emails_are_409_in_any_case) {
  make_user("alice");
  auto same_name = post("/api/users", user_body("ALICE", "other@example.com"));
  BOOST_CHECK_EQUAL(same_name.status, 409);
  BOOST_CHECK_EQUAL(error_of(same_name), "username already taken");
  auto same_email = post("/api/users", user_body("bob", "Alice@EXAMPLE.com"));
  BOOST_CHECK_EQUAL(same_email.status, 409);
  BOOST_CHECK_EQUAL(error_of(same_email), "email already taken");
  BOOST_CHECK_EQUAL(get_list("/api/users").json().size(), 1u);
}

BOOST_AUTO_TEST_CASE(a_body_that_is_not_json_by_content_type_is_415) {
  auto body = user_body("alice", "a@example.com");
  auto plain = checked(request(http, "POST", "/api/users", body,
                               {{"Content-Type", "text/plain"}}));
  BOOST_CHECK_EQUAL(plain.status, 415);
  auto none = checked(request(http, "POST", "/api/users", body, {}));
  BOOST_CHECK_EQUAL(none.status, 415);
  auto with_charset =
      checked(request(http, "POST", "/api/users", body,
                      {{"Content-Type", "Application/JSON; charset=utf-8"}}));
  BOOST_CHECK_EQUAL(with_charset.status, 201);
}

BOOST_AUTO_TEST_CASE(a_body_over_1_mib_is_413) {
  std::string big =
      R"({"username":"alice","pad":")" + std::string(1024 * 1024, 'x') + "\"}";
  auto r = post("/api/users", big);
  BOOST_CHECK_EQUAL(r.status, 413);
  // Chunked bodies are counted as they arrive.
  http_connection conn{http};
  conn.send_raw("POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Type: "
                "application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::string chunk(64 * 1024, 'y');
  char size[16];
  std::snprintf(size, sizeof(size), "%zx\r\n", chunk.size());
  for (int i = 0; i < 20; ++i)
    conn.send_raw(std::string{size} + chunk + "\r\n");
  auto chunked = conn.read();
  BOOST_REQUIRE(chunked);
  BOOST_CHECK_EQUAL(chunked->status, 413);
}

BOOST_AUTO_TEST_CASE(headers_over_8_kib_are_431) {
  auto r = checked(request(http, "GET", "/api/users", {},
                           {{"X-Big", std::string(9000, 'h')}}));
  BOOST_CHECK_EQUAL(r.status, 431);
  auto fine = checked(request(http, "GET", "/api/users", {},
                              {{"X-Fine", std::string(7000, 'h')}}));
  BOOST_CHECK_EQUAL(fine.status, 200);
}

BOOST_AUTO_TEST_CASE(an_unknown_or_impossible_user_id_is_404) {
  auto missing = get("/api/users/0192f2a0-0000-7000-8000-000000000000");
  BOOST_CHECK_EQUAL(missing.status, 404);
  BOOST_CHECK_EQUAL(missing.body, R"({"error":"User not found"})");
  auto impossible = get("/api/users/not-an-id");
  BOOST_CHECK_EQUAL(impossible.status, 404);
  BOOST_CHECK_EQUAL(impossible.body, R"({"error":"User not found"})");
}

BOOST_AUTO_TEST_CASE(pages_users_with_link_headers) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(make_user("user" + std::to_string(i))["id"]);
    next_millisecond();
  }
  std::vector<std::string> seen;
  std::string target = "/api/users?limit=2";
  int pages = 0;
  while (!target.empty()) {
    auto r = get(target);
    BOOST_REQUIRE_EQUAL(r.status, 200);
    for (auto& u : r.json())
      seen.push_back(u["id"]);
    target = next_link(r);
    if (!target.empty())
      BOOST_CHECK_EQUAL(target, "/api/users?limit=2&after=" + seen.back());
    BOOST_REQUIRE(++pages <= 3);
  }
  BOOST_CHECK(seen == ids);
  BOOST_CHECK_EQUAL(pages, 3);
}

BOOST_AUTO_TEST_CASE(a_bad_limit_or_after_is_400) {
  for (auto q : {"limit=0", "limit=1001", "limit=abc", "limit=", "limit=-1",
                 "after=nope", "after=", "limit=%zz"}) {
    auto r = get(std::string{"/api/users?"} + q);
    BOOST_CHECK_MESSAGE(r.status == 400, q << " -> " << r.status);
  }
  BOOST_CHECK_EQUAL(get("/api/users?limit=1000").status, 200);
  BOOST_CHECK_EQUAL(get("/api/orders?limit=abc").status, 400);
  BOOST_CHECK_EQUAL(get("/api/orders?userId=nope").status, 400);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(orders_api, e2e_fixture)

BOOST_AUTO_TEST_CASE(an_order_is_201_pending_with_an_exact_total) {
  auto alice = make_user("alice");
  auto r = place(alice["id"], 3);
  BOOST_REQUIRE_EQUAL(r.status, 201);
  BOOST_CHECK(r.body.find("\"total\":0.3,") != std::string::npos);
  auto o = r.json();
  BOOST_CHECK_EQUAL(o["userId"], alice["id"]);
  BOOST_CHECK_EQUAL(o["status"], "pending");
  BOOST_CHECK(is_timestamp(o["createdAt"]));
  BOOST_CHECK_EQUAL(o["products"].size(), 3u);
  BOOST_CHECK_EQUAL(o["products"][0]["price"], 0.1);
  BOOST_REQUIRE(r.header("location"));
  BOOST_CHECK_EQUAL(*r.header("location"),
                    "/api/orders/" + o["id"].get<std::string>());
  BOOST_CHECK_EQUAL(get(*r.header("location")).json(), o);
}

BOOST_AUTO_TEST_CASE(totals_are_exact_decimal_sums) {
  auto alice = make_user("alice");
  auto r = post("/api/orders",
                json{{"userId", alice["id"]},
                     {"products",
                      {{{"productId", "a"}, {"quantity", 3}, {"price", 19.99}},
                       {{"productId", "b"}, {"quantity", 1}, {"price", 0.01}},
                       {{"productId", "c"}, {"quantity", 2}, {"price", 5}}}}}
                    .dump());
  BOOST_REQUIRE_EQUAL(r.status, 201);
  BOOST_CHECK(r.body.find("\"total\":69.98,") != std::string::npos);
  BOOST_CHECK(r.body.find("\"price\":19.99") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_order_for_an_unknown_user_is_400_and_not_stored) {
  auto r = place("0192f2a0-0000-7000-8000-000000000000");
  BOOST_CHECK_EQUAL(r.status, 400);
  BOOST_CHECK_EQUAL(r.body, R"({"error":"User not found"})");
  auto malformed = place("bob");
  BOOST_CHECK_EQUAL(malformed.status, 400);
  BOOST_CHECK_EQUAL(error_of(malformed), "User not found");
  BOOST_CHECK_EQUAL(get("/api/orders").json().size(), 0u);
}

BOOST_AUTO_TEST_CASE(bad_order_bodies_are_400_naming_the_field) {
  auto uid = make_user("alice")["id"].get<std::string>();
  auto item = [](json price, json qty, json pid = "p") {
    return json{{"productId", pid}, {"quantity", qty}, {"price", price}};
  };
  struct bad {
    json body;
    std::string field;
  };
  std::vector<bad> cases{
      {json{{"products", {item(1, 1)}}}, "userId"},
      {json{{"userId", 5}, {"products", {item(1, 1)}}}, "userId"},
      {json{{"userId", uid}}, "products"},
      {json{{"userId", uid}, {"products", "x"}}, "products"},
      {json{{"userId", uid}, {"products", json::array()}}, "products"},
      {json{{"userId", uid}, {"products", json::array({item(1, 1), 3})}},
       "products[1]"},
      {json{{"userId", uid}, {"products", {item(1, 1, "")}}},
       "products[0].productId"},
      {json{{"userId", uid}, {"products", {item(1, 1, std::string(65, 'p'))}}},
       "products[0].productId"},
      {json{{"userId", uid}, {"products", {item(1, 0)}}},
       "products[0].quantity"},
      {json{{"userId", uid}, {"products", {item(1, 1000001)}}},
       "products[0].quantity"},
      {json{{"userId", uid}, {"products", {item(1, 1.5)}}},
       "products[0].quantity"},
      {json{{"userId", uid}, {"products", {item(1.005, 1)}}},
       "products[0].price"},
      {json{{"userId", uid}, {"products", {item(-1, 1)}}}, "products[0].price"},
      {json{{"userId", uid}, {"products", {item(1000000000.01, 1)}}},
       "products[0].price"},
      {json{{"userId", uid}, {"products", {item("1", 1)}}},
       "products[0].price"},
  };
  json many = json::array();
  for (int i = 0; i < 101; ++i)
    many.push_back(item(1, 1));
  cases.push_back({json{{"userId", uid}, {"products", many}}, "products"});
  for (auto& c : cases) {
    auto r = post("/api/orders", c.body.dump());
    BOOST_CHECK_MESSAGE(r.status == 400, c.body.dump() << " -> " << r.status);
    BOOST_CHECK_MESSAGE(error_of(r).find(c.field) == 0,
                        c.body.dump().substr(0, 80) << " -> " << error_of(r));
  }
  BOOST_CHECK_EQUAL(get("/api/orders").json().size(), 0u);
}

BOOST_AUTO_TEST_CASE(lists_orders_oldest_first_and_filters_by_user) {
  auto alice = make_user("alice")["id"].get<std::string>();
  auto bob = make_user("bob")["id"].get<std::string>();
  std::vector<std::string> alices;
  for (int i = 0; i < 5; ++i) {
    auto r = place(i % 2 == 0 ? alice : bob, 1);
    BOOST_REQUIRE_EQUAL(r.status, 201);
    if (i % 2 == 0)
      alices.push_back(r.json()["id"]);
  }
  BOOST_CHECK_EQUAL(get_list("/api/orders").json().size(), 5u);
  std::vector<std::string> seen;
  std::string target = "/api/orders?userId=" + alice + "&limit=2";
  while (!target.empty()) {
    auto r = get(target);
    BOOST_REQUIRE_EQUAL(r.status, 200);
    for (auto& o : r.json()) {
      BOOST_CHECK_EQUAL(o["userId"], alice);
      seen.push_back(o["id"]);
    }
    target = next_link(r);
    if (!target.empty())
      BOOST_CHECK(target.starts_with("/api/orders?userId=" + alice +
                                     "&limit=2&after="));
  }
  BOOST_CHECK(seen == alices);
}

BOOST_AUTO_TEST_CASE(an_unknown_order_is_404) {
  auto r = get("/api/orders/0192f2a0-0000-7000-8000-000000000000");
  BOOST_CHECK_EQUAL(r.status, 404);
  BOOST_CHECK_EQUAL(r.body, R"({"error":"Order not found"})");
  BOOST_CHECK_EQUAL(get("/api/orders/%2e%2e").status, 404);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(http_protocol, e2e_fixture)

BOOST_AUTO_TEST_CASE(health_is_200_and_readiness_lists_each_node) {
  auto h = get("/healthz");
  BOOST_CHECK_EQUAL(h.status, 200);
  BOOST_CHECK_EQUAL(h.json(), json({{"status", "ok"}}));
  auto r = get("/readyz");
  BOOST_CHECK_EQUAL(r.status, 200);
  BOOST_CHECK_EQUAL(r.json()["status"], "ready");
  // Each user node shows its links to the other user nodes, each order node
  // its links to every user node, in map order.
  json listed = json::object();
  auto users = nodes.nodes(node_kind::users);
  for (auto n : nodes.all()) {
    if (n.kind == node_kind::edge)
      continue;
    json links = json::array();
    for (auto u : users)
      if (u != n)
        links.push_back({{"name", to_string(u)}, {"connected", true}});
    listed[to_string(n)] = {{"connected", true}, {"links", links}};
  }
  BOOST_CHECK_EQUAL(r.json()["nodes"], listed);
}

BOOST_AUTO_TEST_CASE(an_unknown_path_is_404_and_a_wrong_method_405_with_allow) {
  auto r = get("/nope");
  BOOST_CHECK_EQUAL(r.status, 404);
  BOOST_CHECK_EQUAL(r.body, R"({"error":"Not found"})");
  BOOST_CHECK_EQUAL(get("/api/users/a/b").status, 404);
  BOOST_CHECK_EQUAL(get("/api").status, 404);
  auto del = checked(request(http, "DELETE", "/api/users"));
  BOOST_CHECK_EQUAL(del.status, 405);
  BOOST_REQUIRE(del.header("allow"));
  BOOST_CHECK_EQUAL(*del.header("allow"), "GET, POST, OPTIONS");
  auto put = checked(request(http, "PUT", "/api/orders/x"));
  BOOST_CHECK_EQUAL(put.status, 405);
  BOOST_CHECK_EQUAL(*put.header("allow"), "GET, OPTIONS");
}

BOOST_AUTO_TEST_CASE(a_cors_preflight_is_204_echoing_the_requested_headers) {
  auto r = checked(
      request(http, "OPTIONS", "/api/orders", {},
              {{"Origin", "https://shop.example"},
               {"Access-Control-Request-Method", "POST"},
               {"Access-Control-Request-Headers", "content-type, x-trace"}}));
  BOOST_CHECK_EQUAL(r.status, 204);
  BOOST_CHECK(r.body.empty());
  BOOST_REQUIRE(r.header("access-control-allow-methods"));
  BOOST_CHECK(r.header("access-control-allow-methods")->find("POST") !=
              std::string::npos);
  BOOST_REQUIRE(r.header("access-control-allow-headers"));
  BOOST_CHECK_EQUAL(*r.header("access-control-allow-headers"),
                    "content-type, x-trace");
  auto item = checked(request(http, "OPTIONS", "/api/users/anything"));
  BOOST_CHECK_EQUAL(item.status, 204);
}

BOOST_AUTO_TEST_CASE(keep_alive_and_pipelined_requests_answer_in_order) {
  auto uid = make_user("alice")["id"].get<std::string>();
  http_connection conn{http};
  // Slow (node round trip) and fast (edge only) requests interleaved.
  std::string batch;
  std::vector<int> expected;
  for (int i = 0; i < 4; ++i) {
    batch += "GET /api/users/" + uid + " HTTP/1.1\r\nHost: x\r\n\r\n";
    expected.push_back(200);
    batch += "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n";
    expected.push_back(404);
    batch += "GET /api/orders/" + uid + " HTTP/1.1\r\nHost: x\r\n\r\n";
    expected.push_back(404);
  }
  conn.send_raw(batch);
  for (size_t i = 0; i < expected.size(); ++i) {
    auto r = conn.read();
    BOOST_REQUIRE_MESSAGE(r, "response " << i << " missing");
    BOOST_CHECK_EQUAL(r->status, expected[i]);
    if (expected[i] == 200)
      BOOST_CHECK_EQUAL(r->json()["id"], uid);
  }
  // The connection stays open for more.
  conn.send("GET", "/healthz");
  auto more = conn.read();
  BOOST_REQUIRE(more);
  BOOST_CHECK_EQUAL(more->status, 200);
}

BOOST_AUTO_TEST_CASE(requests_sent_together_each_get_their_own_answer) {
  // The edge sends the requests it reads in one round to each node as one
  // batch: every answer must still reach its own request, past the size at
  // which a batch is cut (128) and across connections.
  auto alice = make_user("alice")["id"].get<std::string>();
  auto bob = make_user("bob")["id"].get<std::string>();
  auto missing = std::string{"0190a0b0-c0d0-7e00-8f00-000000000001"};
  auto order_body = [](const std::string& uid, int quantity) {
    return nlohmann::json{
        {"userId", uid},
        {"products",
         {{{"productId", "p"}, {"quantity", quantity}, {"price", 0.5}}}}}
        .dump();
  };
  auto post_raw = [](const std::string& body) {
    return "POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Type: "
           "application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  struct expectation {
    int status;
    std::string user_id; // of the user or order answered, if any
    int quantity = 0;
  };
  constexpr int connections = 3;
  constexpr int per_connection = 150;
  std::vector<std::unique_ptr<http_connection>> conns;
  std::vector<std::vector<expectation>> expected(connections);
  for (int c = 0; c < connections; ++c) {
    conns.push_back(std::make_unique<http_connection>(http));
    std::string bytes;
    for (int i = 0; i < per_connection; ++i) {
      switch ((i + c) % 5) {
      case 0:
        bytes += "GET /api/users/" + alice + " HTTP/1.1\r\nHost: x\r\n\r\n";
        expected[c].push_back({200, alice});
        break;
      case 1:
        bytes += "GET /api/users/" + missing + " HTTP/1.1\r\nHost: x\r\n\r\n";
        expected[c].push_back({404, ""});
        break;
      case 2:
        bytes += post_raw(order_body(bob, i + 1));
        expected[c].push_back({201, bob, i + 1});
        break;
      case 3:
        bytes += post_raw(order_body(missing, 1));
        expected[c].push_back({400, ""});
        break;
      default:
        bytes += "GET /api/users/" + bob + " HTTP/1.1\r\nHost: x\r\n\r\n";
        expected[c].push_back({200, bob});
      }
    }
    conns.back()->send_raw(bytes);
  }
  size_t created = 0;
  for (int c = 0; c < connections; ++c) {
    for (int i = 0; i < per_connection; ++i) {
      auto r = conns[c]->read();
      BOOST_REQUIRE_MESSAGE(r, "connection " << c << ": answer " << i
                                             << " missing");
      auto& want = expected[c][i];
      BOOST_REQUIRE_MESSAGE(r->status == want.status,
                            "connection " << c << " answer " << i << ": "
                                          << r->status << " " << r->body);
      auto body = r->json();
      if (want.status == 200)
        BOOST_CHECK_EQUAL(body["id"], want.user_id);
      if (want.status == 201) {
        BOOST_CHECK_EQUAL(body["userId"], want.user_id);
        BOOST_CHECK_EQUAL(body["products"][0]["quantity"], want.quantity);
        ++created;
      }
      if (want.status == 400)
        BOOST_CHECK_EQUAL(body["error"], "User not found");
    }
  }
  auto mine = get("/api/orders?limit=1000&userId=" + bob);
  BOOST_CHECK_EQUAL(mine.json().size(), created);
  BOOST_CHECK_EQUAL(get_list("/api/orders?limit=1000").json().size(), created);
}

BOOST_AUTO_TEST_CASE(a_malformed_request_is_400_and_closes_the_connection) {
  http_connection conn{http};
  conn.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                "THIS IS NOT HTTP\r\n\r\n");
  auto first = conn.read();
  BOOST_REQUIRE(first);
  BOOST_CHECK_EQUAL(first->status, 200);
  auto second = conn.read();
  BOOST_REQUIRE(second);
  BOOST_CHECK_EQUAL(second->status, 400);
  BOOST_CHECK(second->header("connection") &&
              *second->header("connection") == "close");
  BOOST_CHECK(conn.closed_by_peer(std::chrono::seconds(5)));
  // The edge keeps serving everyone else.
  BOOST_CHECK_EQUAL(get("/healthz").status, 200);
}

BOOST_AUTO_TEST_CASE(connection_close_is_honoured) {
  http_connection conn{http};
  conn.send("GET", "/healthz", {}, {{"Connection", "close"}});
  auto r = conn.read();
  BOOST_REQUIRE(r);
  BOOST_CHECK_EQUAL(r->status, 200);
  BOOST_CHECK(conn.closed_by_peer(std::chrono::seconds(5)));
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

struct short_idle_fixture : e2e_fixture {
  short_idle_fixture() : e2e_fixture(false) {
    nodes.extra_args[node::edge] = {"--idle-timeout=1s"};
    start_all();
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(idle_connections, short_idle_fixture)

BOOST_AUTO_TEST_CASE(a_silent_client_is_disconnected_after_the_idle_timeout) {
  http_connection silent{http};
  http_connection talker{http};
  talker.send("GET", "/healthz");
  BOOST_REQUIRE(talker.read());
  auto t0 = std::chrono::steady_clock::now();
  BOOST_CHECK(silent.closed_by_peer(std::chrono::seconds(5)));
  auto took = std::chrono::steady_clock::now() - t0;
  BOOST_CHECK(took >= std::chrono::milliseconds(700));
  BOOST_CHECK(took < std::chrono::milliseconds(2500));
}

BOOST_AUTO_TEST_SUITE_END()
