#include "http_edge/connection.hpp"

#include "http_edge/request_id.hpp"

#include <string>

namespace microshop::http_edge {

namespace {

constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

size_t size_of(const http_request& req) {
  size_t n = req.method.size() + req.target.size() + req.body.size();
  for (const auto& [name, value] : req.headers)
    n += name.size() + value.size();
  return n;
}

std::string seconds_text(std::chrono::steady_clock::duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms % 1000 == 0)
    return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

} // namespace

connection::connection(uint64_t id, request_limits req_limits,
                       connection_limits limits, clock::time_point now)
    : id_(id), limits_(limits), parser_(req_limits), phase_since_(now),
      last_rx_(now) {
  // nop
}

void connection::receive(const char* data, size_t size, clock::time_point now) {
  last_rx_ = now;
  if (read_closed_)
    return;
  std::vector<http_request> requests;
  auto before = queue_.size();
  auto failed = parser_.feed(data, size, requests);
  for (auto& req : requests) {
    queued_bytes_ += size_of(req);
    bool last = !req.keep_alive;
    queue_.push_back(std::move(req));
    if (last) {
      read_closed_ = true;
      break;
    }
  }
  if (failed != 0 && !read_closed_)
    refuse(error_response(failed, parser_.error_message()));
  if (parser_.take_continue())
    continue_seq_ = next_seq_ + queue_.size();
  // A deadline runs from the moment its phase began: a request completed in
  // this chunk means the one now in progress began in it too.
  auto phase = parser_.phase();
  if (phase != last_phase_ || queue_.size() != before)
    phase_since_ = now;
  last_phase_ = phase;
}

void connection::receive_eof() {
  // What was not a complete request is dropped: the client cannot send the
  // rest any more.
  read_closed_ = true;
}

std::optional<std::pair<uint64_t, http_request>> connection::next_request() {
  if (queue_.empty() || slots_.size() >= limits_.max_unanswered)
    return std::nullopt;
  auto req = std::move(queue_.front());
  queue_.pop_front();
  queued_bytes_ -= size_of(req);
  auto seq = next_seq_++;
  auto& s = slots_[seq];
  s.keep_alive = req.keep_alive;
  s.http10 = req.http10;
  s.method = method_of(req.method);
  if (observer_)
    s.start = clock::now();
  s.request_id = request_id_of(req);
  return std::make_pair(seq, std::move(req));
}

bool connection::answer(uint64_t seq, response r) {
  auto i = slots_.find(seq);
  if (i == slots_.end() || i->second.ready)
    return false;
  i->second.ready = true;
  i->second.resp = std::move(r);
  answered_bytes_ += i->second.resp.body.size();
  return true;
}

void connection::set_tag(uint64_t seq, uint8_t tag) {
  if (auto i = slots_.find(seq); i != slots_.end())
    i->second.tag = tag;
}

void connection::mark_write_sent(uint64_t seq) {
  if (auto i = slots_.find(seq); i != slots_.end())
    i->second.write_sent = true;
}

bool connection::write_sent(uint64_t seq) const {
  auto i = slots_.find(seq);
  return i != slots_.end() && i->second.write_sent;
}

void connection::set_route(uint64_t seq, resource r) {
  if (auto i = slots_.find(seq); i != slots_.end())
    i->second.route = r;
}

bool connection::answered(uint64_t seq) const {
  auto i = slots_.find(seq);
  return i == slots_.end() || i->second.ready;
}

const std::string& connection::request_id(uint64_t seq) const {
  static const std::string none;
  auto i = slots_.find(seq);
  return i == slots_.end() ? none : i->second.request_id;
}

std::vector<uint64_t> connection::waiting_on(uint8_t tag) const {
  std::vector<uint64_t> result;
  for (const auto& [seq, s] : slots_)
    if (!s.ready && s.tag == tag)
      result.push_back(seq);
  return result;
}

void connection::refuse(response r) {
  if (failure_)
    return;
  read_closed_ = true;
  failure_ = std::move(r);
}

bool connection::write(std::vector<char>& out) {
  while (out.size() < limits_.max_unsent_bytes) {
    auto i = slots_.find(next_out_);
    if (i == slots_.end()) {
      // Every dispatched request is written: a refusal follows the last.
      if (failure_ && queue_.empty() && slots_.empty()) {
        auto id = make_request_id();
        write_response(*failure_, false, false, id, out);
        if (observer_)
          observer_->on_answer(resource::none, method_label::other,
                               failure_->status, clock::now() - phase_since_,
                               id);
        failure_.reset();
        return true;
      }
      break;
    }
    if (!i->second.ready)
      break;
    auto& s = i->second;
    bool close = !s.keep_alive;
    write_response(s.resp, !close, s.http10, s.request_id, out);
    if (observer_)
      observer_->on_answer(s.route, s.method, s.resp.status,
                           clock::now() - s.start, s.request_id);
    answered_bytes_ -= s.resp.body.size();
    slots_.erase(i);
    ++next_out_;
    if (close)
      return true;
  }
  if (continue_seq_ && *continue_seq_ == next_out_ && queue_.empty() &&
      parser_.phase() == request_phase::body) {
    out.insert(out.end(), continue_line.begin(), continue_line.end());
    continue_seq_.reset();
  } else if (continue_seq_ && *continue_seq_ < next_seq_) {
    continue_seq_.reset(); // the body arrived without waiting
  }
  return read_closed_ && drained();
}

bool connection::check_deadlines(clock::time_point now) {
  if (!read_closed_) {
    auto elapsed = now - phase_since_;
    if (last_phase_ == request_phase::headers &&
        elapsed > limits_.header_timeout) {
      refuse(error_response(408, "Request headers not received within " +
                                     seconds_text(limits_.header_timeout)));
      return false;
    }
    if (last_phase_ == request_phase::body && elapsed > limits_.body_timeout) {
      refuse(error_response(408, "Request body not received within " +
                                     seconds_text(limits_.body_timeout)));
      return false;
    }
  }
  return drained() && last_phase_ == request_phase::idle &&
         now - last_rx_ > limits_.idle_timeout;
}

bool connection::wants_input(size_t unsent, bool paused) const {
  if (read_closed_ || !queue_.empty())
    return false;
  if (paused)
    return slots_.size() <= limits_.max_unanswered / 2 &&
           unsent <= limits_.max_unsent_bytes / 2;
  return slots_.size() < limits_.max_unanswered &&
         unsent < limits_.max_unsent_bytes;
}

} // namespace microshop::http_edge
