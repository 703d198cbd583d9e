#pragma once

#include <caf/expected.hpp>
#include <caf/intrusive_ptr.hpp>
#include <caf/io/abstract_broker.hpp>
#include <caf/io/accept_handle.hpp>
#include <caf/io/connection_handle.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace microshop::http_edge {

class http_scribe;
class http_doorman;

// Reference counting for the opaque types below (defined in transport.cpp).
void intrusive_ptr_add_ref(http_scribe* x);
void intrusive_ptr_release(http_scribe* x);
void intrusive_ptr_add_ref(http_doorman* x);
void intrusive_ptr_release(http_doorman* x);

using http_scribe_ptr = caf::intrusive_ptr<http_scribe>;
using http_doorman_ptr = caf::intrusive_ptr<http_doorman>;

/// Opens a TCP listening socket on `host:port` (port 0: any free port) and
/// adds it to `self` as an `http_doorman`. Returns the doorman and the bound
/// port, or why the socket cannot be opened.
caf::expected<std::pair<http_doorman_ptr, uint16_t>>
add_http_doorman(caf::io::abstract_broker* self, uint16_t port,
                 const std::string& host);

/// Takes the scribe of the connection the doorman accepted last; valid inside
/// the broker's `new_connection_msg` handler, nullptr elsewhere.
http_scribe_ptr take_accepted(http_doorman& x);

/// The `errno` of the `accept` that ran out of descriptors and paused the
/// doorman, or 0 while it accepts.
int accept_exhausted(const http_doorman& x);

/// Watches the listening socket again.
void resume_accepting(http_doorman& x);

/// Stops reading from the connection until `resume_reading`; bytes the
/// client sends meanwhile wait in the kernel (TCP flow control).
void pause_reading(http_scribe& x);

/// Reads from the connection again, unless the client has half-closed it.
void resume_reading(http_scribe& x);

/// Whether reading is paused.
bool reading_paused(const http_scribe& x);

/// The bytes written to the connection's socket that it has not sent yet
/// (SIOCOUTQ), or 0 when that cannot be read.
size_t kernel_queued(const http_scribe& x);

/// Whether CAF's stream holds no output of the connection (nothing being
/// written, nothing waiting to be).
bool output_idle(const http_scribe& x);

/// Closes the connection after the broker's output has been sent: sends FIN,
/// then discards what the client still sends until it closes too or `abort`
/// is called, so that the client reads its last answer instead of a reset.
/// The broker hears nothing more of the connection.
void close_gracefully(caf::io::abstract_broker* self, http_scribe& x);

/// Resets the connection now (RST), dropping unsent output; for a client
/// that does not read or that lingers after `close_gracefully`.
void abort(http_scribe& x);

/// Whether the connection's socket is still open (not yet aborted or closed
/// by both sides).
bool is_open(const http_scribe& x);

} // namespace microshop::http_edge
