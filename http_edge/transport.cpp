#include "http_edge/transport.hpp"

#include "http_edge/http_doorman.hpp"
#include "http_edge/http_scribe.hpp"

#include <caf/io/network/default_multiplexer.hpp>
#include <linux/sockios.h>
#include <sys/ioctl.h>

namespace microshop::http_edge {

using caf::io::network::default_multiplexer;

caf::expected<std::pair<http_doorman_ptr, uint16_t>>
add_http_doorman(caf::io::abstract_broker* self, uint16_t port,
                 const std::string& host) {
  auto fd = caf::io::network::new_tcp_acceptor_impl(port, host.c_str(), true);
  if (!fd)
    return std::move(fd.error());
  auto& mx = static_cast<default_multiplexer&>(self->backend());
  auto ptr = caf::make_counted<http_doorman>(mx, *fd);
  auto bound = ptr->port();
  self->add_doorman(ptr);
  return std::make_pair(std::move(ptr), bound);
}

void intrusive_ptr_add_ref(http_scribe* x) {
  x->ref();
}

void intrusive_ptr_release(http_scribe* x) {
  x->deref();
}

void intrusive_ptr_add_ref(http_doorman* x) {
  x->ref();
}

void intrusive_ptr_release(http_doorman* x) {
  x->deref();
}

http_scribe_ptr take_accepted(http_doorman& x) {
  return std::move(x.accepted_);
}

void resume_accepting(http_doorman& x) {
  x.exhausted_ = 0;
  x.add_to_loop();
}

int accept_exhausted(const http_doorman& x) {
  return x.exhausted_;
}

void pause_reading(http_scribe& x) {
  x.pause();
}

void resume_reading(http_scribe& x) {
  x.resume();
}

bool reading_paused(const http_scribe& x) {
  return x.paused();
}

size_t kernel_queued(const http_scribe& x) {
  int n = 0;
  if (::ioctl(x.fd(), SIOCOUTQ, &n) != 0 || n < 0)
    return 0;
  return static_cast<size_t>(n);
}

bool output_idle(const http_scribe& x) {
  return x.output_idle();
}

void close_gracefully(caf::io::abstract_broker* self, http_scribe& x) {
  self->close(x.hdl());
}

void abort(http_scribe& x) {
  x.abort_now();
}

bool is_open(const http_scribe& x) {
  return x.open();
}

} // namespace microshop::http_edge
