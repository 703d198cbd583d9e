#include "http_edge/connection.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace microshop::http_edge;
using namespace std::chrono_literals;

namespace {

using clock_type = connection::clock;

const std::string get_healthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

struct fixture {
  clock_type::time_point t0 = clock_type::time_point{} + 1000s;
  connection_limits limits = [] {
    connection_limits x;
    x.max_unanswered = 4;
    x.max_unsent_bytes = 1000;
    x.header_timeout = 10s;
    x.body_timeout = 30s;
    x.idle_timeout = 30s;
    return x;
  }();
  connection c{7, request_limits{}, limits, t0};

  void feed(const std::string& bytes, clock_type::time_point at) {
    c.receive(bytes.data(), bytes.size(), at);
  }

  std::string written() {
    std::vector<char> out;
    c.write(out);
    return {out.begin(), out.end()};
  }
};

size_t count_of(const std::string& text, std::string_view what) {
  size_t n = 0;
  for (auto i = text.find(what); i != std::string::npos;
       i = text.find(what, i + 1))
    ++n;
  return n;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_connection, fixture)

BOOST_AUTO_TEST_CASE(keeps_its_identity) {
  BOOST_CHECK_EQUAL(c.id(), 7u);
}

BOOST_AUTO_TEST_CASE(
    writes_answers_in_request_order_whatever_order_they_come_in) {
  feed(get_healthz + get_healthz + get_healthz, t0);
  auto a = c.next_request();
  auto b = c.next_request();
  auto d = c.next_request();
  BOOST_REQUIRE(a && b && d);
  BOOST_CHECK(!c.next_request());
  BOOST_CHECK(c.answer(d->first, response{202, "{}", {}}));
  BOOST_CHECK(c.answer(b->first, response{201, "{}", {}}));
  BOOST_CHECK_EQUAL(written(), ""); // the first is not answered yet
  BOOST_CHECK(c.answer(a->first, response{200, "{}", {}}));
  auto out = written();
  auto p200 = out.find("HTTP/1.1 200");
  auto p201 = out.find("HTTP/1.1 201");
  auto p202 = out.find("HTTP/1.1 202");
  BOOST_CHECK(p200 < p201 && p201 < p202 && p202 != std::string::npos);
  BOOST_CHECK(c.drained());
}

BOOST_AUTO_TEST_CASE(answers_a_request_only_once) {
  feed(get_healthz, t0);
  auto a = c.next_request();
  BOOST_REQUIRE(a);
  BOOST_CHECK(c.answer(a->first, response{200, "{}", {}}));
  BOOST_CHECK(!c.answer(a->first, response{500, "{}", {}}));
  BOOST_CHECK(!c.answer(a->first + 1, response{500, "{}", {}}));
}

BOOST_AUTO_TEST_CASE(hands_out_no_more_than_max_unanswered_requests) {
  std::string six;
  for (int i = 0; i < 6; ++i)
    six += get_healthz;
  feed(six, t0);
  std::vector<uint64_t> seqs;
  while (auto r = c.next_request())
    seqs.push_back(r->first);
  BOOST_CHECK_EQUAL(seqs.size(), 4u);
  BOOST_CHECK_EQUAL(c.unanswered(), 6u);
  BOOST_CHECK(!c.wants_input(0, false));
  // Two answered and written: the queued two come out.
  c.answer(seqs[0], response{200, "{}", {}});
  c.answer(seqs[1], response{200, "{}", {}});
  written();
  BOOST_CHECK(c.next_request());
  BOOST_CHECK(c.next_request());
  BOOST_CHECK(!c.next_request());
}

BOOST_AUTO_TEST_CASE(pauses_at_its_limits_and_resumes_below_half_of_them) {
  BOOST_CHECK(c.wants_input(0, false));
  BOOST_CHECK(!c.wants_input(1000, false)); // unsent output at the limit
  BOOST_CHECK(!c.wants_input(600, true));   // paused: resumes below half
  BOOST_CHECK(c.wants_input(500, true));
  feed(get_healthz + get_healthz + get_healthz + get_healthz, t0);
  while (c.next_request()) {
  }
  BOOST_CHECK(!c.wants_input(0, false)); // four unanswered
}

BOOST_AUTO_TEST_CASE(refuses_headers_that_miss_their_deadline_with_408) {
  feed("GET /healthz HTTP/1.1\r\nHo", t0);
  BOOST_CHECK(!c.check_deadlines(t0 + 9s));
  BOOST_CHECK_EQUAL(written(), "");
  BOOST_CHECK(!c.check_deadlines(t0 + 11s));
  BOOST_CHECK(c.read_closed());
  std::vector<char> out;
  BOOST_CHECK(c.write(out)); // close after it
  std::string text(out.begin(), out.end());
  BOOST_CHECK_EQUAL(text.substr(0, 12), "HTTP/1.1 408");
  BOOST_CHECK_NE(text.find("Request headers not received within 10 s"),
                 std::string::npos);
}

BOOST_AUTO_TEST_CASE(refuses_a_body_that_misses_its_deadline_with_408) {
  feed("POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{",
       t0);
  BOOST_CHECK(!c.check_deadlines(t0 + 29s));
  BOOST_CHECK(!c.read_closed());
  c.check_deadlines(t0 + 31s);
  BOOST_CHECK(c.read_closed());
  BOOST_CHECK_NE(written().find("Request body not received within 30 s"),
                 std::string::npos);
}

BOOST_AUTO_TEST_CASE(runs_each_deadline_per_request_not_per_connection) {
  // A request completes at 8 s and the next one starts in the same chunk:
  // its headers have 10 s from then.
  feed("GET /healthz HTTP/1.1\r\nHost: x\r\n", t0);
  feed("\r\nGET /healthz HTTP/1.1\r\n", t0 + 8s);
  BOOST_CHECK(!c.check_deadlines(t0 + 17s));
  BOOST_CHECK(!c.read_closed());
  c.check_deadlines(t0 + 19s);
  BOOST_CHECK(c.read_closed());
}

BOOST_AUTO_TEST_CASE(closes_when_idle_but_never_with_a_request_pending) {
  feed(get_healthz, t0);
  auto a = c.next_request();
  BOOST_REQUIRE(a);
  BOOST_CHECK(!c.check_deadlines(t0 + 60s)); // the answer is pending
  c.answer(a->first, response{200, "{}", {}});
  written();
  BOOST_CHECK(!c.check_deadlines(t0 + 29s));
  BOOST_CHECK(c.check_deadlines(t0 + 31s));
}

BOOST_AUTO_TEST_CASE(answers_a_half_closed_client_then_closes) {
  feed(get_healthz + get_healthz + "GET /heal", t0);
  c.receive_eof();
  auto a = c.next_request();
  auto b = c.next_request();
  BOOST_REQUIRE(a && b);
  BOOST_CHECK(!c.next_request()); // the incomplete third is dropped
  c.answer(a->first, response{200, "{}", {}});
  std::vector<char> out;
  BOOST_CHECK(!c.write(out)); // one answer still due
  c.answer(b->first, response{200, "{}", {}});
  BOOST_CHECK(c.write(out));
  BOOST_CHECK_EQUAL(count_of({out.begin(), out.end()}, "HTTP/1.1 200"), 2u);
}

BOOST_AUTO_TEST_CASE(answers_requests_before_a_malformed_one_then_refuses) {
  feed(get_healthz + "BLAH\r\n\r\n", t0);
  auto a = c.next_request();
  BOOST_REQUIRE(a);
  BOOST_CHECK(!c.next_request());
  BOOST_CHECK(c.read_closed());
  BOOST_CHECK_EQUAL(written(), ""); // the 400 waits for the first answer
  c.answer(a->first, response{200, "{}", {}});
  std::vector<char> out;
  BOOST_CHECK(c.write(out));
  std::string text(out.begin(), out.end());
  BOOST_CHECK_LT(text.find("HTTP/1.1 200"), text.find("HTTP/1.1 400"));
  BOOST_CHECK_NE(text.find("Connection: close"), std::string::npos);
}

BOOST_AUTO_TEST_CASE(reads_nothing_after_a_request_that_closes) {
  feed("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" +
           get_healthz,
       t0);
  auto a = c.next_request();
  BOOST_REQUIRE(a);
  BOOST_CHECK(!c.next_request());
  c.answer(a->first, response{200, "{}", {}});
  std::vector<char> out;
  BOOST_CHECK(c.write(out));
  BOOST_CHECK_EQUAL(count_of({out.begin(), out.end()}, "HTTP/1.1 "), 1u);
}

BOOST_AUTO_TEST_CASE(a_refusal_follows_the_requests_already_read) {
  feed(get_healthz, t0);
  c.refuse(error_response(503, "Server is out of request memory"));
  feed(get_healthz, t0); // ignored: nothing more is read
  auto a = c.next_request();
  BOOST_REQUIRE(a);
  BOOST_CHECK(!c.next_request());
  c.answer(a->first, response{200, "{}", {}});
  std::vector<char> out;
  BOOST_CHECK(c.write(out));
  std::string text(out.begin(), out.end());
  BOOST_CHECK_LT(text.find("HTTP/1.1 200"), text.find("HTTP/1.1 503"));
}

BOOST_AUTO_TEST_CASE(lists_the_requests_waiting_on_a_tag) {
  feed(get_healthz + get_healthz, t0);
  auto a = c.next_request();
  auto b = c.next_request();
  BOOST_REQUIRE(a && b);
  c.set_tag(a->first, 1);
  c.set_tag(b->first, 2);
  BOOST_CHECK(c.waiting_on(1) == std::vector<uint64_t>{a->first});
  c.answer(a->first, response{200, "{}", {}});
  BOOST_CHECK(c.waiting_on(1).empty());
  BOOST_CHECK(c.waiting_on(2) == std::vector<uint64_t>{b->first});
}

BOOST_AUTO_TEST_CASE(writes_no_more_than_max_unsent_bytes_at_once) {
  feed(get_healthz + get_healthz + get_healthz, t0);
  std::vector<uint64_t> seqs;
  while (auto r = c.next_request())
    seqs.push_back(r->first);
  for (auto seq : seqs)
    c.answer(seq, response{200, std::string(600, 'x'), {}});
  BOOST_CHECK_GE(c.buffered_bytes(), 1800u);
  std::vector<char> out;
  c.write(out); // the first two pass 1,000 bytes
  BOOST_CHECK_EQUAL(count_of({out.begin(), out.end()}, "HTTP/1.1 200"), 2u);
  BOOST_CHECK_LT(c.buffered_bytes(), 1000u);
  out.clear(); // sent
  c.write(out);
  BOOST_CHECK_EQUAL(count_of({out.begin(), out.end()}, "HTTP/1.1 200"), 1u);
  BOOST_CHECK(c.drained());
}

BOOST_AUTO_TEST_CASE(counts_the_bytes_it_holds) {
  BOOST_CHECK_EQUAL(c.buffered_bytes(), 0u);
  feed("POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" +
           std::string(600, 'x'),
       t0);
  BOOST_CHECK_GE(c.buffered_bytes(), 600u);
}

BOOST_AUTO_TEST_SUITE_END()
