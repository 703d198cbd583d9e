#include "http_edge/request_parser.hpp"

#include <boost/test/unit_test.hpp>

using namespace microshop::http_edge;

BOOST_AUTO_TEST_SUITE(request_parser_suite)

BOOST_AUTO_TEST_CASE(parses_pipelined_requests_split_at_any_byte) {
  std::string stream = "POST /api/users HTTP/1.1\r\nHost: x\r\n"
                       "Content-Type: application/json\r\nContent-Length: 2"
                       "\r\n\r\n{}GET /healthz HTTP/1.1\r\nHost: x\r\n"
                       "Connection: close\r\n\r\n";
  for (size_t split = 1; split < stream.size(); ++split) {
    request_parser p;
    std::vector<http_request> out;
    BOOST_REQUIRE_EQUAL(p.feed(stream.data(), split, out), 0);
    BOOST_REQUIRE_EQUAL(
        p.feed(stream.data() + split, stream.size() - split, out), 0);
    BOOST_REQUIRE_EQUAL(out.size(), 2u);
    BOOST_CHECK_EQUAL(out[0].method, "POST");
    BOOST_CHECK_EQUAL(out[0].target, "/api/users");
    BOOST_CHECK_EQUAL(out[0].body, "{}");
    BOOST_REQUIRE(out[0].header("content-type"));
    BOOST_CHECK_EQUAL(*out[0].header("content-type"), "application/json");
    BOOST_CHECK(out[0].keep_alive);
    BOOST_CHECK_EQUAL(out[1].method, "GET");
    BOOST_CHECK(!out[1].keep_alive);
  }
}

BOOST_AUTO_TEST_CASE(decodes_chunked_bodies) {
  request_parser p;
  std::vector<http_request> out;
  std::string req =
      "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  BOOST_REQUIRE_EQUAL(p.feed(req.data(), req.size(), out), 0);
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_CHECK_EQUAL(out[0].body, "abcde");
}

BOOST_AUTO_TEST_CASE(http_1_0_closes_unless_asked_to_keep_alive) {
  request_parser p;
  std::vector<http_request> out;
  std::string req = "GET /a HTTP/1.0\r\nHost: x\r\n\r\nGET /b HTTP/1.0\r\n"
                    "Host: x\r\nConnection: keep-alive\r\n\r\n";
  BOOST_REQUIRE_EQUAL(p.feed(req.data(), req.size(), out), 0);
  BOOST_REQUIRE_EQUAL(out.size(), 2u);
  BOOST_CHECK(!out[0].keep_alive);
  BOOST_CHECK(out[1].keep_alive);
  BOOST_CHECK(out[0].http10);
  BOOST_CHECK(out[1].http10);
}

BOOST_AUTO_TEST_CASE(headers_over_the_limit_are_431_and_stay_failed) {
  request_parser p{{1024, 1 << 20}};
  std::vector<http_request> out;
  std::string req =
      "GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(2000, 'a') + "\r\n\r\n";
  BOOST_CHECK_EQUAL(p.feed(req.data(), req.size(), out), 431);
  BOOST_CHECK(out.empty());
  std::string ok = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  BOOST_CHECK_EQUAL(p.feed(ok.data(), ok.size(), out), 431);
}

BOOST_AUTO_TEST_CASE(a_declared_or_streamed_body_over_the_limit_is_413) {
  std::vector<http_request> out;
  request_parser declared{{8192, 10}};
  std::string big = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n";
  BOOST_CHECK_EQUAL(declared.feed(big.data(), big.size(), out), 413);
  request_parser streamed{{8192, 10}};
  std::string chunked = "POST / HTTP/1.1\r\nHost: x\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n"
                        "6\r\nabcdef\r\n6\r\nghijkl\r\n";
  BOOST_CHECK_EQUAL(streamed.feed(chunked.data(), chunked.size(), out), 413);
  BOOST_CHECK(out.empty());
}

BOOST_AUTO_TEST_CASE(garbage_is_400) {
  for (const std::string& bad :
       {std::string{"NOT HTTP\r\n\r\n"},
        std::string{"GET / HTTP/9.9.9\r\n\r\n"},
        std::string{"GET / HTTP/1.1\r\nBad Header\r\n\r\n"},
        std::string("GET /\0 HTTP/1.1\r\n\r\n", 19)}) {
    request_parser p;
    std::vector<http_request> out;
    BOOST_CHECK_MESSAGE(p.feed(bad.data(), bad.size(), out) == 400, bad);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(request_parser_phases)

BOOST_AUTO_TEST_CASE(reports_its_phase_and_the_bytes_of_the_request_it_holds) {
  request_parser p;
  std::vector<http_request> out;
  BOOST_CHECK(p.phase() == request_phase::idle);
  BOOST_CHECK_EQUAL(p.buffered_bytes(), 0u);
  auto feed = [&](std::string_view s) {
    BOOST_REQUIRE_EQUAL(p.feed(s.data(), s.size(), out), 0);
  };
  // Line breaks between requests are not a request yet.
  feed("\r\n");
  BOOST_CHECK(p.phase() == request_phase::idle);
  feed("P");
  BOOST_CHECK(p.phase() == request_phase::headers);
  feed("OST /abc HTTP/1.1\r\nHost: xy\r\nContent-Length: 10\r\n");
  BOOST_CHECK(p.phase() == request_phase::headers);
  auto in_headers = p.buffered_bytes();
  BOOST_CHECK_GE(in_headers,
                 std::string_view{"/abcHostxyContent-Length10"}.size());
  feed("\r\n");
  BOOST_CHECK(p.phase() == request_phase::body);
  BOOST_CHECK_EQUAL(p.buffered_bytes(), in_headers);
  feed("12345");
  BOOST_CHECK(p.phase() == request_phase::body);
  BOOST_CHECK_EQUAL(p.buffered_bytes(), in_headers + 5);
  feed("67890");
  BOOST_CHECK(p.phase() == request_phase::idle);
  BOOST_CHECK_EQUAL(p.buffered_bytes(), 0u);
  BOOST_CHECK_EQUAL(out.size(), 1u);
  // A request without a body is done with its headers.
  feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_CHECK(p.phase() == request_phase::idle);
  BOOST_CHECK_EQUAL(out.size(), 2u);
}

BOOST_AUTO_TEST_CASE(counts_a_chunked_body_as_it_arrives) {
  request_parser p;
  std::vector<http_request> out;
  std::string head =
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  BOOST_REQUIRE_EQUAL(p.feed(head.data(), head.size(), out), 0);
  auto base = p.buffered_bytes();
  std::string chunk = "4\r\nabcd\r\n";
  BOOST_REQUIRE_EQUAL(p.feed(chunk.data(), chunk.size(), out), 0);
  BOOST_CHECK(p.phase() == request_phase::body);
  BOOST_CHECK_EQUAL(p.buffered_bytes(), base + 4);
  std::string end = "0\r\nX-Trailer: t\r\n\r\n";
  BOOST_REQUIRE_EQUAL(p.feed(end.data(), end.size(), out), 0);
  BOOST_CHECK(p.phase() == request_phase::idle);
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_CHECK_EQUAL(out[0].body, "abcd");
  // Trailer fields are not kept as headers.
  BOOST_CHECK(out[0].header("x-trailer") == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
