# What `cmake --install` puts where, man pages made from --help, and the Debian package that
# scripts/package.sh builds with CPack (errkb_<version>_<arch>.deb). The agent console's files are
# compiled into errkb-server: there are no web assets to install.
# A Debian system package's layout by default: /usr/bin, /etc/errkb, /usr/lib/systemd/system.
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX /usr CACHE PATH "Install prefix" FORCE)
endif()
include(GNUInstallDirs)
# Installing and packing take the programs as built (scripts/package.sh builds them first); they do
# not build the whole tree, test suites included, on their own.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

install(TARGETS errkb errkb-indexer errkb-server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The service's config is a conffile in /etc for a /usr install, the package's prefix, whatever the
# prefix the tree was configured with: so the folder is chosen at install time, when CPack has set it.
install(CODE "
  set(errkb_config_dir \"\${CMAKE_INSTALL_PREFIX}/etc/errkb\")
  if(CMAKE_INSTALL_PREFIX STREQUAL /usr)
    set(errkb_config_dir /etc/errkb)
  endif()
  file(INSTALL DESTINATION \"\${errkb_config_dir}\" TYPE FILE FILES \"${PROJECT_SOURCE_DIR}/packaging/errkb.yaml\")
")
install(FILES packaging/systemd/errkb.service packaging/systemd/errkb-indexer.service
              packaging/systemd/errkb-indexer.path packaging/systemd/errkb-indexer.timer
        DESTINATION lib/systemd/system)
install(FILES server/errkb.example.yaml DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES README.md docs/operations.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY data/ DESTINATION ${CMAKE_INSTALL_DATADIR}/errkb/demo-kb)

# Man pages: help2man runs each program's --help and --version.
find_program(ERRKB_HELP2MAN help2man)
if(ERRKB_HELP2MAN)
  set(ERRKB_MAN_PAGES)
  set(summary_errkb "ask an errkb server about error codes and symptoms")
  set(summary_errkb-indexer "build, update, back up and restore the errkb index")
  set(summary_errkb-server "errkb HTTP API: likely causes for an error code or symptoms")
  foreach(program errkb errkb-indexer errkb-server)
    set(page ${PROJECT_BINARY_DIR}/man/${program}.1)
    add_custom_command(
      OUTPUT ${page}.gz
      COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
      COMMAND ${ERRKB_HELP2MAN} --no-info --no-discard-stderr --name=${summary_${program}}
              --include=${PROJECT_SOURCE_DIR}/packaging/man/see-also.h2m --output=${page} $<TARGET_FILE:${program}>
      COMMAND gzip -9nf ${page}
      DEPENDS ${program} ${PROJECT_SOURCE_DIR}/packaging/man/see-also.h2m
      COMMENT "Man page of ${program}"
      VERBATIM)
    list(APPEND ERRKB_MAN_PAGES ${page}.gz)
  endforeach()
  add_custom_target(errkb_man_pages ALL DEPENDS ${ERRKB_MAN_PAGES})
  install(FILES ${ERRKB_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man not found: no man pages (scripts/install-deps.sh installs it)")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME errkb)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "errkb maintainers <errkb@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "error-code knowledge base: likely causes for an error code or symptoms")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "error-code knowledge base: likely causes for an error code or symptoms\nSupport agents and AI agents paste an error code in any spelling, or symptoms, and get ranked\nlikely causes with checks, resolutions and evidence from a folder of articles, forum extracts\nand vendor error catalogues. Runs as the errkb service (errkb-server), with errkb-indexer\nkeeping its index up to date; includes the errkb command-line client.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)
# Shared libraries found by dpkg-shlibdeps; adduser for the maintainer scripts, procps for the
# service's ExecReload (kill).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, procps")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
