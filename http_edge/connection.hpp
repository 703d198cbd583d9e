#pragma once

#include "http_edge/http_metrics.hpp"
#include "http_edge/request_parser.hpp"
#include "http_edge/response.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace microshop::http_edge {

/// What one client connection may hold and how long it may take
/// (API.md, "Slow or greedy clients").
struct connection_limits {
  using duration = std::chrono::steady_clock::duration;
  /// Requests read and not yet answered at which reading pauses.
  size_t max_unanswered = 32;
  /// Answers not yet sent, in bytes, at which reading pauses.
  size_t max_unsent_bytes = size_t{256} * 1024;
  /// From a request's first byte to the end of its headers (then 408).
  duration header_timeout = std::chrono::seconds(10);
  /// From the end of a request's headers to the end of its body (then 408).
  duration body_timeout = std::chrono::seconds(30);
  /// Nothing received and nothing pending this long: the connection closes.
  duration idle_timeout = std::chrono::seconds(30);
};

/// Told of every answer a connection writes (metrics, the access log).
class answer_observer {
public:
  virtual ~answer_observer() = default;

  /// An answer with `status` to a request for `r` with method `m`, `d` after
  /// the request was handed out, for the request with `request_id`.
  virtual void on_answer(resource r, method_label m, int status,
                         std::chrono::steady_clock::duration d,
                         std::string_view request_id) = 0;
};

/// One HTTP/1.1 client connection without any I/O: turns received bytes
/// into requests, hands them out one by one while its limits allow, and
/// writes their answers back in request order. Its `id` is never reused, so
/// a late answer can always tell whether its connection still exists.
class connection {
public:
  using clock = std::chrono::steady_clock;

  connection(uint64_t id, request_limits req_limits, connection_limits limits,
             clock::time_point now);

  /// The identity of this connection, unique within the edge's lifetime.
  uint64_t id() const {
    return id_;
  }

  /// Parses `size` bytes that arrived at `now`.
  void receive(const char* data, size_t size, clock::time_point now);

  /// Records that the client half-closed: requests already read are still
  /// answered, then the connection closes.
  void receive_eof();

  /// The next request to dispatch and the sequence number to answer it
  /// with, or nothing while none is complete or `max_unanswered` are out.
  /// Requests the edge can refuse by itself (a malformed stream, a missed
  /// deadline) never come out of here: they are answered in place.
  std::optional<std::pair<uint64_t, http_request>> next_request();

  /// Answers request `seq`; returns false if it has no open slot (already
  /// answered).
  bool answer(uint64_t seq, response r);

  /// Marks request `seq` with `tag` (e.g. the node it waits for).
  void set_tag(uint64_t seq, uint8_t tag);

  /// Marks request `seq` as a write that reached a node: if that node is
  /// lost before it answers, the outcome is unknown (the node may have
  /// stored it), which is a `504`, never a `503`.
  void mark_write_sent(uint64_t seq);

  /// Whether `mark_write_sent` marked request `seq`.
  bool write_sent(uint64_t seq) const;

  /// Records the resource request `seq` was routed to (for metrics).
  void set_route(uint64_t seq, resource r);

  /// Whether request `seq` has its answer (or is unknown: written, or never
  /// handed out).
  bool answered(uint64_t seq) const;

  /// The X-Request-Id of request `seq` (the client's when valid, else one
  /// made for it), written on its answer; empty for an unknown `seq`.
  const std::string& request_id(uint64_t seq) const;

  /// Tells `obs` (which must outlive the connection; null: nobody) of every
  /// answer written from now on.
  void observe(answer_observer* obs) {
    observer_ = obs;
  }

  /// The requests marked with `tag` that are not answered yet.
  std::vector<uint64_t> waiting_on(uint8_t tag) const;

  /// Refuses further requests with `r` (a status the edge gives without a
  /// node: 408, 503, a malformed stream) after the ones already read; the
  /// connection closes after it and reads nothing more.
  void refuse(response r);

  /// Appends the answers that are due, in request order, to `out` (and a
  /// `100 Continue` where a client waits for one) until `out` holds
  /// `max_unsent_bytes`; returns true when the connection is to be closed
  /// after them.
  bool write(std::vector<char>& out);

  /// Refuses requests whose headers or body missed their deadline at `now`
  /// with 408; returns true when the connection has been idle for
  /// `idle_timeout` with nothing pending and should close silently.
  bool check_deadlines(clock::time_point now);

  /// Restarts the running header or body deadline at `now` (after reading
  /// was paused by the edge, which is not the client's delay).
  void restart_clock(clock::time_point now) {
    phase_since_ = now;
    last_rx_ = now;
  }

  /// Whether more bytes should be read, given `unsent` bytes of answers not
  /// yet on the wire. Pauses at the limits, resumes below half of them.
  bool wants_input(size_t unsent, bool paused) const;

  /// Whether no more requests will be read (close requested, stream broken,
  /// deadline missed, or client half-closed).
  bool read_closed() const {
    return read_closed_;
  }

  /// Whether every request read has been answered and written.
  bool drained() const {
    return queue_.empty() && slots_.empty() && !failure_;
  }

  /// Bytes held in memory: the request being received, those read but not
  /// yet dispatched, and answers not yet written.
  size_t buffered_bytes() const {
    return parser_.buffered_bytes() + queued_bytes_ + answered_bytes_;
  }

  /// Whether a request waits to be dispatched and the limits let it.
  bool may_dispatch() const {
    return !queue_.empty() && slots_.size() < limits_.max_unanswered;
  }

  /// Requests read and not yet answered on the wire.
  size_t unanswered() const {
    return queue_.size() + slots_.size();
  }

private:
  struct slot {
    bool ready = false;
    bool keep_alive = true;
    bool http10 = false;
    uint8_t tag = 0;
    bool write_sent = false;
    resource route = resource::none;
    method_label method = method_label::other;
    clock::time_point start;
    std::string request_id;
    response resp;
  };

  uint64_t id_;
  connection_limits limits_;
  request_parser parser_;
  std::deque<http_request> queue_;
  size_t queued_bytes_ = 0;
  size_t answered_bytes_ = 0;
  std::map<uint64_t, slot> slots_;
  uint64_t next_seq_ = 0;
  uint64_t next_out_ = 0;
  bool read_closed_ = false;
  /// A final refusal that follows the queued requests.
  std::optional<response> failure_;
  /// The request the client waits on with `Expect: 100-continue`, counted
  /// as the sequence number it will get.
  std::optional<uint64_t> continue_seq_;
  request_phase last_phase_ = request_phase::idle;
  clock::time_point phase_since_;
  clock::time_point last_rx_;
  answer_observer* observer_ = nullptr;
};

} // namespace microshop::http_edge
