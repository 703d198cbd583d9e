// The edge's client sockets: connections in, requests read, answers out,
// limits and deadlines kept.

#include "actors/log.hpp"
#include "http_edge/edge_state.hpp"
#include "http_edge/request_id.hpp"

#include <cstring>

namespace microshop::http_edge {

namespace {

using caf::io::connection_handle;
using namespace std::chrono_literals;

/// How long a closed connection may linger to read the client's FIN.
constexpr auto linger_for = std::chrono::seconds(2);
/// Backoff bounds while `accept` has no file descriptors.
constexpr caf::timespan min_accept_backoff = std::chrono::milliseconds(100);
constexpr caf::timespan max_accept_backoff = std::chrono::seconds(1);

void pump(edge_broker* self, connection_handle hdl);

/// How the edge ends a connection.
enum class ending {
  /// After what it has written: FIN, then the socket lingers for the
  /// client's close (at most `linger_for`).
  graceful,
  /// At once, with a reset (a client that does not read).
  reset,
  /// The client is gone already.
  gone,
};

/// Forgets the connection on `hdl` and ends its socket as `how` says.
void drop_client(edge_broker* self, connection_handle hdl, ending how) {
  auto& st = self->state;
  auto i = st.clients.find(hdl);
  if (i == st.clients.end())
    return;
  st.buffered -= i->second.accounted;
  auto io = std::move(i->second.io);
  st.clients.erase(i);
  if (how == ending::graceful) {
    close_gracefully(self, *io);
    st.lingering.emplace_back(clock::now() + linger_for, std::move(io));
  } else if (how == ending::reset) {
    abort(*io);
  }
}

/// Writes what is due on `hdl`, closes it when it is done, and pauses or
/// resumes reading by its limits.
/// Returns false when the connection was closed.
bool write_out(edge_broker* self, connection_handle hdl, client& cl) {
  auto& buf = self->wr_buf(hdl);
  auto before = buf.size();
  bool close = cl.conn->write(buf);
  // While write progress is reported, `unsent` is exact (the socket's
  // pending bytes included); otherwise the buffer handed over is what is
  // known. (The scribe may send it at once: then no progress is reported,
  // and the tick finds the output drained, see `on_client_tick`.)
  cl.unsent = cl.acking ? cl.unsent + (buf.size() - before) : buf.size();
  if (!buf.empty())
    self->flush(hdl);
  if (close) {
    drop_client(self, hdl, ending::graceful);
    return false;
  }
  auto& lim = self->state.cfg.conn_limits;
  if (cl.unsent > lim.max_unsent_bytes / 2 && !cl.acking) {
    // Large output: follow its progress, to resume reading when it drained.
    cl.acking = true;
    cl.progress_at = clock::now();
    self->ack_writes(hdl, true);
  }
  bool paused = reading_paused(*cl.io);
  bool wanted = cl.conn->wants_input(cl.unsent, paused);
  if (wanted && paused) {
    cl.conn->restart_clock(clock::now());
    resume_reading(*cl.io);
  } else if (!wanted && !paused && !cl.conn->read_closed()) {
    pause_reading(*cl.io);
  }
  // Count what this connection holds against the edge's total.
  auto held = cl.conn->buffered_bytes() + cl.unsent;
  self->state.buffered += held - cl.accounted;
  cl.accounted = held;
  return true;
}

/// Dispatches the requests `hdl` has read as far as its limits allow, then
/// writes what is due.
void pump(edge_broker* self, connection_handle hdl) {
  auto i = self->state.clients.find(hdl);
  if (i == self->state.clients.end())
    return;
  auto id = i->second.conn->id();
  // Writing answers frees places for queued requests, and answering those
  // at once can fill the output again: go on until neither moves.
  for (;;) {
    auto& cl = i->second;
    while (auto next = cl.conn->next_request()) {
      dispatch(self, {hdl, id, next->first}, *cl.conn, next->second);
      // An answer given at once may have closed the connection.
      i = self->state.clients.find(hdl);
      if (i == self->state.clients.end() || i->second.conn->id() != id)
        return;
    }
    auto before = cl.conn->unanswered();
    if (!write_out(self, hdl, cl) || cl.conn->unanswered() == before ||
        !cl.conn->may_dispatch())
      return;
  }
}

/// Records that `remaining` bytes of the output of `hdl` are still unsent;
/// once none are, stops following its progress. Then writes what waits and
/// dispatches the requests queued while the output was full.
void on_output_progress(edge_broker* self, connection_handle hdl,
                        size_t remaining) {
  auto i = self->state.clients.find(hdl);
  if (i == self->state.clients.end())
    return;
  auto& cl = i->second;
  cl.progress_at = clock::now();
  cl.unsent = remaining;
  if (cl.unsent == 0) {
    cl.acking = false;
    self->ack_writes(hdl, false);
  }
  pump(self, hdl);
}

} // namespace

response overloaded(std::string_view what) {
  auto r = error_response(503, what);
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

void complete(edge_broker* self, const slot_ref& ref, response resp) {
  auto i = self->state.clients.find(ref.hdl);
  if (i == self->state.clients.end() || i->second.conn->id() != ref.conn)
    return;
  if (!i->second.conn->answer(ref.seq, std::move(resp)))
    return;
  pump(self, ref.hdl);
}

void on_data(edge_broker* self, caf::io::new_data_msg& msg) {
  auto& st = self->state;
  auto i = st.clients.find(msg.handle);
  if (i == st.clients.end())
    return;
  auto& cl = i->second;
  if (msg.buf.empty()) {
    // The client half-closed: answer what it sent, then close.
    cl.conn->receive_eof();
  } else {
    cl.conn->receive(msg.buf.data(), msg.buf.size(), clock::now());
    auto held = cl.conn->buffered_bytes() + cl.unsent;
    if (st.buffered - cl.accounted + held > st.cfg.max_buffered_bytes)
      cl.conn->refuse(overloaded("Server is out of request memory"));
  }
  pump(self, msg.handle);
}

void on_new_connection(edge_broker* self,
                       const caf::io::new_connection_msg& msg) {
  auto& st = self->state;
  auto io = take_accepted(*st.doorman);
  if (!io)
    return;
  if (st.accept_retry_at) {
    st.accept_retry_at.reset();
    st.accept_backoff = min_accept_backoff;
  }
  if (st.log_accept_recovery && !accept_exhausted(*st.doorman)) {
    actors::log_line{actors::log_level::info, "accept_resumed"};
    st.log_accept_recovery = false;
  }
  self->configure_read(msg.handle,
                       caf::io::receive_policy::at_most(size_t{16} * 1024));
  if (st.clients.size() >= st.cfg.max_connections) {
    auto refusal = overloaded("Too many connections");
    auto id = make_request_id();
    write_response(refusal, false, false, id, self->wr_buf(msg.handle));
    st.observer.on_answer(resource::none, method_label::other, refusal.status,
                          {}, id);
    self->flush(msg.handle);
    close_gracefully(self, *io);
    st.lingering.emplace_back(clock::now() + linger_for, std::move(io));
    return;
  }
  auto now = clock::now();
  client cl;
  cl.conn = std::make_unique<connection>(st.next_conn_id++, st.cfg.limits,
                                         st.cfg.conn_limits, now);
  if (st.cfg.metrics || st.cfg.access_log)
    cl.conn->observe(&st.observer);
  cl.io = std::move(io);
  cl.progress_at = now;
  st.clients.emplace(msg.handle, std::move(cl));
}

void on_transferred(edge_broker* self,
                    const caf::io::data_transferred_msg& msg) {
  on_output_progress(self, msg.handle, msg.remaining);
}

void on_closed(edge_broker* self, const caf::io::connection_closed_msg& msg) {
  drop_client(self, msg.handle, ending::gone);
}

void on_client_tick(edge_broker* self, clock::time_point now) {
  auto& st = self->state;
  std::vector<connection_handle> idle;
  std::vector<connection_handle> stalled;
  std::vector<connection_handle> refused;
  std::vector<connection_handle> drained;
  for (auto& [hdl, cl] : st.clients) {
    if (cl.acking && cl.unsent > 0) {
      // Bytes leaving the socket's own queue are progress too.
      auto queued = kernel_queued(*cl.io);
      if (queued < cl.kernel_queued)
        cl.progress_at = now;
      cl.kernel_queued = queued;
      // Output the socket took at once is never reported: once nothing is
      // left anywhere, the connection has drained (which is progress, not a
      // stall).
      if (queued == 0 && output_idle(*cl.io)) {
        drained.push_back(hdl);
        continue;
      }
    }
    if (cl.acking && cl.unsent > 0 &&
        now - cl.progress_at > st.cfg.conn_limits.idle_timeout) {
      stalled.push_back(hdl); // a client that does not read its answers
    } else if (reading_paused(*cl.io)) {
      continue; // waiting for the edge, not for the client
    } else if (bool was_closed = cl.conn->read_closed();
               cl.conn->check_deadlines(now)) {
      // Answers the socket still holds are being received (a small window
      // drains slowly): not idle yet.
      if (kernel_queued(*cl.io) > 0)
        cl.conn->restart_clock(now);
      else
        idle.push_back(hdl);
    } else if (!was_closed && cl.conn->read_closed()) {
      refused.push_back(hdl); // a deadline passed: write its 408
    }
  }
  for (auto hdl : stalled)
    drop_client(self, hdl, ending::reset);
  for (auto hdl : idle)
    drop_client(self, hdl, ending::graceful);
  for (auto hdl : refused)
    pump(self, hdl);
  for (auto hdl : drained)
    on_output_progress(self, hdl, 0);
  std::erase_if(st.lingering, [&](auto& x) {
    if (!is_open(*x.second))
      return true;
    if (now < x.first)
      return false;
    abort(*x.second);
    return true;
  });
  if (auto err = accept_exhausted(*st.doorman); err != 0) {
    st.accept_backoff = std::max(st.accept_backoff, min_accept_backoff);
    if (!st.accept_retry_at) {
      if (!st.accept_logged_at || now - *st.accept_logged_at > 60s) {
        actors::log_line{actors::log_level::error, "accept_failed"}
            .field("error", std::strerror(err))
            .field("action", "new connections wait until descriptors free up");
        st.accept_logged_at = now;
        st.log_accept_recovery = true;
      }
      st.accept_retry_at = now + st.accept_backoff;
    } else if (now >= *st.accept_retry_at) {
      st.accept_backoff =
          std::min<caf::timespan>(max_accept_backoff, st.accept_backoff * 2);
      st.accept_retry_at = now + st.accept_backoff;
      resume_accepting(*st.doorman);
    }
  }
}

} // namespace microshop::http_edge
