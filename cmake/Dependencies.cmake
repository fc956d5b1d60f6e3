# Third-party packages, all from Debian 12 (see scripts/install-deps.sh).
find_package(OpenCV 4.6 REQUIRED COMPONENTS core imgproc imgcodecs dnn)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
find_package(Threads REQUIRED)
find_package(Torch REQUIRED PATHS /usr/lib/x86_64-linux-gnu/cmake/Torch /usr/share/cmake/Torch)
find_package(PkgConfig REQUIRED)
find_package(CURL REQUIRED)                                        # CURL::libcurl (notify sinks)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)   # compiled .so: always link the target (clients in tests)
pkg_check_modules(MICROHTTPD REQUIRED IMPORTED_TARGET libmicrohttpd)  # the HTTP server (src/http/server.cc)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)      # argon2id password hashes
find_package(Protobuf REQUIRED)                                    # before ONNX: onnx_proto links protobuf::libprotobuf
find_package(ONNX REQUIRED)                                        # onnx, onnx_proto: the ONNX export (model/onnx_export.cc)
# The fuzz build (-DLABELLOOP_FUZZ=ON, clang-14 + libfuzzer-14-dev from install-deps.sh's
# FUZZ_PKGS) does not include this file: fuzz/CMakeLists.txt finds the few packages it needs.
