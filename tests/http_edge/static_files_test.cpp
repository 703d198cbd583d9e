#include "http_edge/response.hpp"
#include "http_edge/router.hpp"
#include "http_edge/routes.hpp"
#include "http_edge/static_files.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

using namespace microshop::http_edge;
namespace fs = std::filesystem;

namespace {

/// A docs directory with Redoc's bundle, a nested file, and a secret
/// beside it (outside the directory).
struct docs_tree {
  microshop::testing::temp_dir tmp;
  fs::path dir = tmp / "bundles";

  docs_tree() {
    fs::create_directories(dir / "sub");
    write(dir / "redoc.standalone.js", "/* redoc */");
    write(dir / "sub" / "a.map", "{}");
    write(tmp / "secret.txt", "secret");
  }
  static void write(const fs::path& p, const std::string& text) {
    std::ofstream{p} << text;
  }
};

std::string header(const response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers)
    if (n == name)
      return v;
  return "";
}

std::string wire(const response& r) {
  std::vector<char> out;
  write_response(r, true, false, "id-1", out);
  return {out.begin(), out.end()};
}

} // namespace

BOOST_AUTO_TEST_SUITE(static_files)

BOOST_AUTO_TEST_CASE(
    the_embedded_document_is_the_openapi_3_1_json_of_the_tree) {
  auto doc = nlohmann::json::parse(openapi_document());
  BOOST_CHECK_EQUAL(doc["openapi"], "3.1.0");
  BOOST_CHECK(doc["paths"].contains("/openapi.json"));
  auto r = openapi_response(false);
  BOOST_CHECK_EQUAL(r.status, 200);
  BOOST_CHECK_EQUAL(r.body, openapi_document());
  BOOST_CHECK_EQUAL(r.content_type, "application/json; charset=utf-8");
  BOOST_CHECK_NE(docs_page_html().find("/docs/redoc.standalone.js"),
                 std::string_view::npos);
}

BOOST_AUTO_TEST_CASE(head_sends_the_headers_of_get_without_the_body) {
  auto get = wire(openapi_response(false));
  auto head = wire(openapi_response(true));
  auto headers_end = get.find("\r\n\r\n") + 4;
  BOOST_CHECK_EQUAL(head, get.substr(0, headers_end));
  BOOST_CHECK_NE(
      head.find("Content-Length: " + std::to_string(openapi_document().size())),
      std::string::npos);
}

BOOST_AUTO_TEST_CASE(routes_docs_and_the_document_with_get_and_head_only) {
  BOOST_CHECK(match("/openapi.json").target == resource::openapi);
  BOOST_CHECK(match("/docs").target == resource::docs);
  BOOST_CHECK(match("/docs/").target == resource::docs);
  auto file = match("/docs/redoc.standalone.js?v=1");
  BOOST_CHECK(file.target == resource::docs);
  BOOST_CHECK_EQUAL(file.id, "redoc.standalone.js");
  BOOST_CHECK(match("/docsx").target == resource::none);
  BOOST_CHECK(match("/openapi.json/x").target == resource::none);
  BOOST_CHECK(allows(resource::docs, "HEAD"));
  BOOST_CHECK(!allows(resource::openapi, "POST"));
  BOOST_CHECK(!allows(resource::users, "HEAD"));
  BOOST_CHECK_EQUAL(allowed_methods(resource::openapi), "GET, HEAD, OPTIONS");
}

BOOST_AUTO_TEST_CASE(serves_the_page_and_files_of_the_docs_dir) {
  docs_tree t;
  auto page = docs_response(t.dir, "", false);
  BOOST_CHECK_EQUAL(page.status, 200);
  BOOST_CHECK_EQUAL(page.content_type, "text/html; charset=utf-8");
  BOOST_CHECK_EQUAL(page.body, docs_page_html());
  auto js = docs_response(t.dir, "redoc.standalone.js", false);
  BOOST_CHECK_EQUAL(js.status, 200);
  BOOST_CHECK_EQUAL(js.body, "/* redoc */");
  BOOST_CHECK_EQUAL(js.content_type, "text/javascript; charset=utf-8");
  BOOST_CHECK_EQUAL(header(js, "X-Content-Type-Options"), "nosniff");
  BOOST_CHECK_EQUAL(docs_response(t.dir, "sub/a.map", false).status, 200);
  BOOST_CHECK_EQUAL(docs_response(t.dir, "sub%2Fa.map", false).status, 200);
  BOOST_CHECK(docs_response(t.dir, "redoc.standalone.js", true).omit_body);
}

BOOST_AUTO_TEST_CASE(refuses_every_way_out_of_the_docs_dir) {
  docs_tree t;
  fs::create_symlink(t.tmp / "secret.txt", t.dir / "link.txt");
  fs::create_symlink(t.tmp.path(), t.dir / "up");
  for (auto path : {"../secret.txt", "%2e%2e/secret.txt", "%2E%2E%2Fsecret.txt",
                    "sub/../../secret.txt", "./redoc.standalone.js", ".hidden",
                    "sub//a.map", "/etc/passwd", "%2Fetc%2Fpasswd", "link.txt",
                    "up/secret.txt", "sub/", "sub", "a%00b", "a%zz", "a\\b",
                    "nothing.js"}) {
    auto r = docs_response(t.dir, path, false);
    BOOST_CHECK_MESSAGE(r.status == 404, path << ": " << r.status);
    BOOST_CHECK_MESSAGE(r.body.find("secret") == std::string::npos, path);
  }
}

BOOST_AUTO_TEST_CASE(refuses_a_file_too_large_to_serve) {
  docs_tree t;
  fs::resize_file(t.dir / "sub" / "a.map", max_static_file_bytes + 1);
  auto r = docs_response(t.dir, "sub/a.map", false);
  BOOST_CHECK_EQUAL(r.status, 413);
  BOOST_CHECK(r.content_type.empty()); // a JSON error
}

BOOST_AUTO_TEST_CASE(without_redoc_installed_the_docs_are_503_not_a_crash) {
  docs_tree t;
  fs::remove(t.dir / "redoc.standalone.js");
  for (auto path : {"", "redoc.standalone.js", "sub/a.map"}) {
    auto r = docs_response(t.dir, path, false);
    BOOST_CHECK_EQUAL(r.status, 503);
    BOOST_CHECK_NE(r.body.find("not installed"), std::string::npos);
  }
  BOOST_CHECK_EQUAL(docs_response(t.tmp / "none", "", false).status, 503);
}

BOOST_AUTO_TEST_CASE(docs_routes_become_docs_calls) {
  microshop::http_edge::http_request req;
  req.method = "HEAD";
  req.target = "/docs/redoc.standalone.js";
  auto call = route_request(req);
  auto* d = std::get_if<docs_call>(&call);
  BOOST_REQUIRE(d);
  BOOST_CHECK_EQUAL(d->path, "redoc.standalone.js");
  BOOST_CHECK(d->head);
}

BOOST_AUTO_TEST_SUITE_END()
