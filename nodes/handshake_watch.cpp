#include "nodes/handshake_watch.hpp"

#include <algorithm>
#include <sys/socket.h>

namespace microshop::nodes {

handshake_watch::ticket_ptr handshake_watch::admit(int fd) {
  auto now = clock::now();
  std::erase_if(pending_, [&](const ticket_ptr& t) {
    if (t->started || t->gone)
      return true;
    if (now - t->since > deadline_) {
      ::shutdown(t->fd, SHUT_RDWR);
      return true;
    }
    return false;
  });
  while (!pending_.empty() && pending_.size() >= max_pending_) {
    ::shutdown(pending_.front()->fd, SHUT_RDWR);
    pending_.pop_front();
  }
  auto t = std::make_shared<ticket>(fd);
  pending_.push_back(t);
  return t;
}

} // namespace microshop::nodes
