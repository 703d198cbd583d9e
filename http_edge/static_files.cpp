#include "http_edge/static_files.hpp"

#include "http_edge/router.hpp"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace microshop::http_edge {

namespace {

/// What Redoc's page needs from the docs directory.
constexpr std::string_view bundle_name = "redoc.standalone.js";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

/// `body` as `type`, for GET or (without the body on the wire) HEAD.
response file_response(std::string body, std::string_view type, bool head) {
  response r{200, std::move(body), {}, std::string{type}};
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.omit_body = head;
  return r;
}

response not_installed(const std::filesystem::path& dir) {
  return error_response(503, "Docs page assets not installed: no " +
                                 std::string{bundle_name} + " in " +
                                 dir.string() +
                                 " (run scripts/bootstrap.sh or set "
                                 "--docs-dir)");
}

/// Whether `path` is `dir` or inside it, both canonical.
bool inside(const std::filesystem::path& dir,
            const std::filesystem::path& path) {
  auto d = dir.begin();
  auto p = path.begin();
  for (; d != dir.end(); ++d, ++p)
    if (p == path.end() || *p != *d)
      return false;
  return true;
}

/// Reads the regular file `path` (no symlink at its last step) of at most
/// `max_static_file_bytes`; sets `status` to 404 or 413 when it cannot.
bool read_file(const std::filesystem::path& path, std::string& out,
               int& status) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    status = 404;
    return false;
  }
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  status = 404;
  if (ok && static_cast<size_t>(st.st_size) > max_static_file_bytes) {
    status = 413;
    ok = false;
  }
  if (ok) {
    out.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < out.size()) {
      auto n = ::read(fd, out.data() + got, out.size() - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      got += static_cast<size_t>(n);
    }
    out.resize(got);
  }
  ::close(fd);
  return ok;
}

} // namespace

std::filesystem::path default_docs_dir() {
  const char* cache = std::getenv("MICROSHOP_NPM_CACHE");
  std::filesystem::path root =
      cache && *cache ? cache : "/var/cache/microshop/npm";
  return root / "node_modules" / "redoc" / "bundles";
}

std::string_view media_type_of(std::string_view name) {
  if (ends_with(name, ".js"))
    return "text/javascript; charset=utf-8";
  if (ends_with(name, ".json") || ends_with(name, ".map"))
    return "application/json; charset=utf-8";
  if (ends_with(name, ".html"))
    return "text/html; charset=utf-8";
  if (ends_with(name, ".css"))
    return "text/css; charset=utf-8";
  if (ends_with(name, ".txt"))
    return "text/plain; charset=utf-8";
  if (ends_with(name, ".svg"))
    return "image/svg+xml";
  if (ends_with(name, ".png"))
    return "image/png";
  return "application/octet-stream";
}

bool safe_relative_path(std::string_view raw, std::string& relative) {
  if (!percent_decode(raw, relative, false) || relative.empty())
    return false;
  bool segment_start = true;
  for (char c : relative) {
    bool word = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (c == '/') {
      if (segment_start)
        return false; // An empty segment.
      segment_start = true;
    } else if (c == '.') {
      if (segment_start)
        return false; // ".", "..", or a hidden file.
      segment_start = false;
    } else if (word) {
      segment_start = false;
    } else {
      return false;
    }
  }
  return !segment_start;
}

response openapi_response(bool head) {
  return file_response(std::string{openapi_document()},
                       "application/json; charset=utf-8", head);
}

response docs_response(const std::filesystem::path& dir,
                       std::string_view raw_path, bool head) {
  std::error_code ec;
  auto root = std::filesystem::canonical(dir, ec);
  if (ec || !std::filesystem::is_regular_file(root / bundle_name, ec))
    return not_installed(dir);
  if (raw_path.empty()) {
    auto r = file_response(std::string{docs_page_html()},
                           "text/html; charset=utf-8", head);
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; script-src 'self'; "
                           "style-src 'self' 'unsafe-inline'; img-src 'self' "
                           "data:; worker-src 'self' blob:");
    return r;
  }
  std::string relative;
  if (!safe_relative_path(raw_path, relative))
    return error_response(404, "Not found");
  // Names are checked above; a symlink inside `dir` may still lead out.
  auto path = std::filesystem::canonical(root / relative, ec);
  if (ec || !inside(root, path))
    return error_response(404, "Not found");
  std::string body;
  int status = 404;
  if (!read_file(path, body, status))
    return error_response(status, status == 413 ? "File too large to serve"
                                                : "Not found");
  return file_response(std::move(body), media_type_of(relative), head);
}

} // namespace microshop::http_edge
