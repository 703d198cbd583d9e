# Writes OUT, a C++ file defining `std::string_view NAME()` in
# microshop::http_edge that returns the bytes of IN (run at build time:
# cmake -DIN=... -DOUT=... -DNAME=... -P embed.cmake).
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "(('\\\\x..',){32})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp"
  "// Generated from ${IN} by http_edge/embed.cmake; do not edit.\n"
  "#include <string_view>\n"
  "namespace microshop::http_edge {\n"
  "namespace {\n"
  "constexpr char bytes[${size} + 1] = {\n${bytes}'\\0'};\n"
  "} // namespace\n"
  "std::string_view ${NAME}() { return {bytes, ${size}}; }\n"
  "} // namespace microshop::http_edge\n")
file(RENAME "${OUT}.tmp" "${OUT}")
