# Installation and the Debian package.
#
#   cmake --install BUILD --prefix P
#     P/bin/relman
#     P/share/relman/workflows/*.yaml
#     P/share/man/man1/relman.1
#     P/share/bash-completion/completions/relman
#
# relman finds its workflows in CMAKE_INSTALL_PREFIX/share/relman/workflows
# (compiled in) and in <dir of the executable>/../share/relman/workflows, so
# an installation moved to another prefix still works.
#
#   cmake -S . -B build-deb -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DRELMAN_TESTS=OFF
#   cmake --build build-deb --target relman && (cd build-deb && cpack)
#     -> build-deb/relman_VERSION_ARCH.deb   (scripts/install-test.sh installs and checks it)
include(GNUInstallDirs)

install(TARGETS relman RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/workflows/ DESTINATION ${CMAKE_INSTALL_DATADIR}/relman/workflows
        FILES_MATCHING PATTERN "*.yaml" PATTERN "*.yml")

install(FILES ${CMAKE_SOURCE_DIR}/docs/relman.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
# bash-completion loads completions/NAME on the first Tab after `NAME`.
install(FILES ${CMAKE_SOURCE_DIR}/completions/relman.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME relman)
install(FILES ${CMAKE_SOURCE_DIR}/completions/_relman DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${CMAKE_SOURCE_DIR}/completions/relman.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} OPTIONAL)
# The README's links (docs/cli.md, ...) and theirs (../release-state/schema.json)
# resolve in the installed tree as in the checkout.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs FILES_MATCHING PATTERN "*.md"
        PATTERN "*.yml")
install(FILES ${CMAKE_SOURCE_DIR}/release-state/schema.json DESTINATION ${CMAKE_INSTALL_DOCDIR}/release-state)

# CPack: one .deb. Only relman itself goes in it (the tests are not installed).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME relman)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "relman")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "release manager's engine: CPython's PEP 101 as a resumable workflow")
# One string: two quoted arguments would make a CMake list, joined with ';'.
set(CPACK_PACKAGE_DESCRIPTION "relman runs a release runbook (CPython's PEP 101) as a journaled, resumable \
workflow: parallel steps, gates, rehearsals in a sandbox, a release report.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "relman maintainers <relman@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The shared libraries' packages (libgit2-1.5, libgpgme11, libcurl4,
# libarchive13, liblzma5, libssl3, libyaml-cpp0.7, libfmt9, ...) come from
# dpkg-shlibdeps, with the versions the binary was linked against. gnupg:
# rehearsals make a throwaway key with the gpg command and its agent.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "gnupg")
# Building the interpreter from the tarball (build.make) needs a compiler and make.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "build-essential, ccache, man-db, bash-completion")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "graphviz")
include(CPack)
