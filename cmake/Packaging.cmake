# `make package` (CPack, DEB): the labelloop binary (console and portal embedded), the
# default state machine, the systemd unit with its maintainer scripts (own user), the
# backbone and background assets fetched by scripts/setup-assets.sh (so var/ must be
# prepared first: the Makefile's package target does that), and man pages generated from the
# CLI's --help by help2man at install (packaging) time.
# `make install`/cpack install what is built (the Makefile's package target builds first)
# rather than building every test and benchmark on the way.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(LABELLOOP_ASSET_SOURCE "${PROJECT_SOURCE_DIR}/var" CACHE PATH "prepared assets (scripts/setup-assets.sh)")

install(TARGETS labelloop RUNTIME DESTINATION bin)
install(FILES ${PROJECT_SOURCE_DIR}/statemachines/default.json DESTINATION share/labelloop/statemachines)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/labelloop.service DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/labelloop)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION share/doc/labelloop/docs)
# The assets the binary finds beside itself (app_config.h AssetsDir: <bin>/../share/labelloop).
install(FILES ${LABELLOOP_ASSET_SOURCE}/models/mobilenet_v2.onnx DESTINATION share/labelloop/models OPTIONAL)
install(DIRECTORY ${LABELLOOP_ASSET_SOURCE}/backgrounds ${LABELLOOP_ASSET_SOURCE}/decoys
        DESTINATION share/labelloop OPTIONAL)
install(CODE "
  if(NOT EXISTS \"${LABELLOOP_ASSET_SOURCE}/models/mobilenet_v2.onnx\")
    message(FATAL_ERROR \"no backbone in ${LABELLOOP_ASSET_SOURCE}: run scripts/setup-assets.sh (make backbone) first\")
  endif()
  execute_process(COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/make-man-pages.sh $<TARGET_FILE:labelloop>
                          ${PROJECT_VERSION} \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/share/man/man1\"
                  RESULT_VARIABLE man_result)
  if(NOT man_result EQUAL 0)
    message(FATAL_ERROR \"generating the man pages failed\")
  endif()")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME labelloop)
set(CPACK_PACKAGE_VENDOR labelloop)
set(CPACK_PACKAGE_CONTACT "labelloop maintainers <labelloop@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "custom image labels that improve themselves, self-hosted")
set(CPACK_PACKAGE_DESCRIPTION "One service trains, versions and deploys image classifiers from folders of labelled examples, classifies new images, and sends the uncertain ones to people for review.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # runtime libraries (OpenCV, libtorch, ...) from dpkg-shlibdeps
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/postinst ${PROJECT_SOURCE_DIR}/packaging/prerm ${PROJECT_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
