// Issue 9 against the real `labelloop serve`: rows 1-3 sent as raw bytes to the binary
// (the in-process corpus is src/http/hostile_requests_test.cc). The process must answer
// each with a JSON error and stay up; uploads reach the bucket through a temp file and
// leave nothing behind.
#include <gtest/gtest.h>

#include <filesystem>

#include "../cli/cli_runner.h"
#include "http/testing/raw_http_client.h"
#include "server_process.h"

namespace labelloop::e2e {
namespace {

namespace fs = std::filesystem;
using cli_test::RunLabelloopOn;
using cli_test::ScratchDir;
using http::testing::RawHttpConnection;
using http::testing::RoundTrip;
using http::testing::StatusOf;
using namespace std::chrono_literals;

TEST(HostileE2eTest, TheRealServerSurvivesRowsOneToThree) {
  ScratchDir scratch("labelloop-e2e-hostile");
  const std::string data = scratch.Sub("data");
  ASSERT_EQ(RunLabelloopOn(data, {"init"}).exit_code, 0);
  auto token = RunLabelloopOn(data, {"tokens", "create", "e2e-hostile", "--role", "admin"});
  ASSERT_EQ(token.exit_code, 0) << token;
  ServerProcess server(LABELLOOP_BINARY, data, {}, {{"LABELLOOP_ADMIN_PASSWORD", "hostile-e2e-admin"}});
  ASSERT_TRUE(server.Start()) << server.log();
  const int port = server.port();
  auto healthy = [&] { return StatusOf(RoundTrip(port, "GET /api/v1/health HTTP/1.1\r\nHost: e2e\r\n\r\n")) == 200; };

  // Row 1: this aborted the process.
  EXPECT_EQ(StatusOf(RoundTrip(port, "GET /%ff HTTP/1.1\r\nHost: e2e\r\n\r\n")), 400);
  ASSERT_TRUE(healthy()) << server.log();

  // Row 2: an unauthenticated chunked body is refused from its head.
  RawHttpConnection upload;
  ASSERT_TRUE(upload.Connect(port));
  upload.Send("PUT /api/v1/objects/images_for_detection/x.jpg HTTP/1.1\r\nHost: e2e\r\n"
              "Transfer-Encoding: chunked\r\n\r\n100000\r\n" + std::string(0x1000, 'z'));
  EXPECT_EQ(StatusOf(upload.ReadResponse(5s)), 401);
  EXPECT_FALSE(fs::exists(data + "/bucket/images_for_detection/x.jpg"));

  // Row 3: 2,700 ranges get the file once.
  std::string ranges = "GET /label/app.js HTTP/1.1\r\nHost: e2e\r\nRange: bytes=0-";
  for (int i = 0; i < 2700; ++i) ranges += ",0-";
  std::string reply = RoundTrip(port, ranges + "\r\n\r\n");
  EXPECT_EQ(StatusOf(reply), 200);
  EXPECT_LT(reply.size(), 200'000u);

  // An authenticated chunked upload lands in the bucket; its temp file is gone.
  reply = RoundTrip(port, "PUT /api/v1/objects/manifests/e2e.txt HTTP/1.1\r\nHost: e2e\r\nAuthorization: Bearer " +
                              token.LastOutLine() + "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  ASSERT_EQ(StatusOf(reply), 200) << reply;
  EXPECT_EQ(cli_test::ReadFileBytes(data + "/bucket/manifests/e2e.txt"), "hello");
  EXPECT_TRUE(fs::is_empty(data + "/bucket/.uploads"));
  EXPECT_TRUE(healthy());
  EXPECT_EQ(server.Terminate(), 0) << server.log();
}

}  // namespace
}  // namespace labelloop::e2e
