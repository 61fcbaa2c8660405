# SOCI 4.0 (Debian libsoci-dev) ships no CMake config. Its MySQL backend header includes <mysql.h>
# from /usr/include/mariadb, so that directory is part of SOCI::mysql's interface.
find_path(SOCI_INCLUDE_DIR soci/soci.h)
find_library(SOCI_CORE_LIBRARY soci_core)
find_library(SOCI_MYSQL_LIBRARY soci_mysql)
find_library(SOCI_SQLITE3_LIBRARY soci_sqlite3)
find_path(MARIADB_INCLUDE_DIR mysql.h PATH_SUFFIXES mariadb)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(SOCI REQUIRED_VARS SOCI_INCLUDE_DIR SOCI_CORE_LIBRARY
  SOCI_MYSQL_LIBRARY SOCI_SQLITE3_LIBRARY MARIADB_INCLUDE_DIR)
if(SOCI_FOUND AND NOT TARGET SOCI::core)
  add_library(SOCI::core UNKNOWN IMPORTED)
  set_target_properties(SOCI::core PROPERTIES IMPORTED_LOCATION ${SOCI_CORE_LIBRARY}
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES ${SOCI_INCLUDE_DIR} INTERFACE_INCLUDE_DIRECTORIES ${SOCI_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES ${CMAKE_DL_LIBS})
  add_library(SOCI::mysql UNKNOWN IMPORTED)
  set_target_properties(SOCI::mysql PROPERTIES IMPORTED_LOCATION ${SOCI_MYSQL_LIBRARY}
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES ${MARIADB_INCLUDE_DIR} INTERFACE_INCLUDE_DIRECTORIES ${MARIADB_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES SOCI::core)
  add_library(SOCI::sqlite3 UNKNOWN IMPORTED)
  set_target_properties(SOCI::sqlite3 PROPERTIES IMPORTED_LOCATION ${SOCI_SQLITE3_LIBRARY}
    INTERFACE_LINK_LIBRARIES SOCI::core)
endif()
