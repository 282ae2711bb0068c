# Writes a C++ source that defines <NAMESPACE>::Migrations() from the SQL files in FILES.
# Invoked by crm_embed_migrations() at build time.
set(body "")
foreach(file ${FILES})
  get_filename_component(fname ${file} NAME)
  string(REGEX MATCH "^([0-9]+)_(.+)\\.sql$" ok ${fname})
  if(NOT ok)
    message(FATAL_ERROR "migration file name must be NNNN_name.sql: ${fname}")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  set(name ${CMAKE_MATCH_2})
  file(READ ${file} sql)
  string(APPEND body "      {${version}, \"${name}\", R\"crm_sql(${sql})crm_sql\"},\n")
endforeach()
file(WRITE ${OUT}.tmp
"// Generated from the migration files; do not edit.
#include \"libs/db/migrate.h\"

namespace ${NAMESPACE} {

const crm::db::MigrationSet& Migrations() {
  static const auto* set = new crm::db::MigrationSet{
    \"${COMPONENT}\",
    {
${body}    }};
  return *set;
}

}  // namespace ${NAMESPACE}
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
