# Writes OUT, a C++ source holding every DIR/*.sql file as bytes (cmake -P, run at build time),
# so chatd carries its migrations and an installed binary needs no source tree.
file(GLOB files RELATIVE "${DIR}" "${DIR}/*.sql")
list(SORT files)
set(body "")
set(table "")
set(i 0)
foreach(name IN LISTS files)
  file(READ "${DIR}/${name}" hex HEX)
  string(LENGTH "${hex}" hex_len)
  math(EXPR size "${hex_len} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND body "const unsigned char file_${i}[] = {${bytes}0};\n")
  string(APPEND table "      {\"${name}\", std::string(reinterpret_cast<const char*>(file_${i}), ${size})},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE "${OUT}.tmp" "// Generated from migrations/*.sql by cmake/embed_migrations.cmake: do not edit.
#include \"persistence/migrations.hpp\"

namespace chat::persistence {
namespace {
${body}}  // namespace

const std::vector<migration_text>& embedded_migrations() {
  static const std::vector<migration_text> all{
${table}  };
  return all;
}

}  // namespace chat::persistence
")
# Only touch OUT when it changed, so an unchanged set of migrations recompiles nothing.
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
