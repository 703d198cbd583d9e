#pragma once

#include "http_edge/response.hpp"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace microshop::http_edge {

/// docs/openapi.json as it was at build time.
std::string_view openapi_document();

/// docs/site/index.html as it was at build time: the page behind `GET
/// /docs`, which loads `/docs/redoc.standalone.js` and renders
/// `/openapi.json`.
std::string_view docs_page_html();

/// Where `scripts/bootstrap.sh` puts Redoc's bundle:
/// `$MICROSHOP_NPM_CACHE/node_modules/redoc/bundles` (the variable's
/// default: /var/cache/microshop/npm).
std::filesystem::path default_docs_dir();

/// Files larger than this are never served from the docs directory.
constexpr size_t max_static_file_bytes = size_t{32} << 20;

/// The media type for a file named `name`, by its extension (unknown:
/// `application/octet-stream`).
std::string_view media_type_of(std::string_view name);

/// Whether `raw` (a path below `/docs/`, still percent-encoded) names a
/// file the docs directory may serve: after decoding, segments of
/// `A-Z a-z 0-9 . _ -` only, none empty or starting with '.'. Sets
/// `relative` to the decoded path.
bool safe_relative_path(std::string_view raw, std::string& relative);

/// `GET /openapi.json` (`head`: the same headers without the body).
response openapi_response(bool head);

/// `GET /docs` (`raw_path` empty: the page) and `GET /docs/<raw_path>` (a
/// file of `dir`): 404 for a name that is unsafe or not a regular file
/// inside `dir` (symlinks out of it included), 503 when `dir` lacks Redoc's
/// bundle (not installed), 413 for a file over `max_static_file_bytes`.
response docs_response(const std::filesystem::path& dir,
                       std::string_view raw_path, bool head);

} // namespace microshop::http_edge
