// Hostile traffic against the real Server on 127.0.0.1 (issue 9, rows 1-4): malformed
// requests sent byte for byte over raw sockets, bodies that never end, amplifying Range
// headers, slow clients, and a detect queue under load. After every attack the server
// must still answer GET /api/v1/health.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "auth/auth_service.h"
#include "db/auth_db.h"
#include "http/server.h"
#include "http/static_assets.h"
#include "http/testing/raw_http_client.h"
#include "store/object_store.h"

namespace labelloop::http {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using testing::HeaderOf;
using testing::RawHttpConnection;
using testing::RoundTrip;
using testing::StatusOf;
using nlohmann::json;

constexpr size_t kMaxUploadBytes = 256 * 1024;

// One server with an admin token; the detect hook can be held to fill the queue.
class HostileServer {
 public:
  explicit HostileServer(ServerOptions options = {}) {
    upload_dir_ = std::filesystem::temp_directory_path() /
                  ("labelloop-hostile-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(upload_dir_);
    auto auth_db = db::OpenSqliteAuthDb(":memory:", &clock_);
    EXPECT_TRUE(auth_db.ok());
    auth_db_ = std::move(*auth_db);
    auth_ = std::make_unique<auth::AuthService>(auth_db_.get(), &clock_);
    EXPECT_TRUE(auth_->AddUser("root", "correct horse battery staple", auth::Role::kAdmin).ok());
    auto token = auth_->CreateToken("attacker-tests", auth::Role::kAdmin);
    EXPECT_TRUE(token.ok());
    token_ = token->token;

    options.port = 0;
    options.max_upload_bytes = kMaxUploadBytes;
    options.upload_temp_dir = upload_dir_.string();
    ServerDeps deps;
    deps.bucket = bucket_.get();
    deps.auth = auth_.get();
    deps.clock = &clock_;
    deps.hooks.detect = [this](std::string_view bytes, std::string_view, int, double, std::string_view) -> Result<json> {
      detects_started_.fetch_add(1);
      release_detects_.wait();
      return json{{"labels", json::array()}, {"size", bytes.size()}};
    };
    deps.hooks.dashboard = []() -> Result<json> {
      return InvalidArgumentError("no dashboard for \xff\xfe (invalid UTF-8 in an error message)");
    };
    deps.hooks.object_created = [](const std::string& key, const std::string&) {
      if (key == "manifests/throw") throw std::runtime_error("hook exploded with \xff\xfe invalid UTF-8");
    };
    auto server = Server::Create(options, deps);
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    EXPECT_TRUE(server_->Start().ok());
  }

  ~HostileServer() {
    ReleaseDetects();
    server_->Stop();
    std::error_code ec;
    std::filesystem::remove_all(upload_dir_, ec);
  }

  int port() const { return server_->port(); }
  const std::string& token() const { return token_; }
  store::ObjectStore& bucket() { return *bucket_; }
  int detects_started() const { return detects_started_.load(); }
  void ReleaseDetects() {
    std::call_once(released_, [this] { release_.set_value(); });
  }
  void RemoveUploadDir() { std::filesystem::remove_all(upload_dir_); }
  size_t UploadDirFiles() const {
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(upload_dir_),
                                             std::filesystem::directory_iterator()));
  }

  // GET /api/v1/health on a fresh connection from 127.0.0.1 answers 200.
  bool Healthy() const {
    std::string reply = RoundTrip(port(), "GET /api/v1/health HTTP/1.1\r\nHost: test\r\n\r\n");
    return StatusOf(reply) == 200;
  }

 private:
  static inline std::atomic<int> counter_{0};
  FakeClock clock_;
  std::unique_ptr<store::ObjectStore> bucket_ = store::NewMemoryObjectStore(&clock_);
  std::unique_ptr<db::AuthDb> auth_db_;
  std::unique_ptr<auth::AuthService> auth_;
  std::unique_ptr<Server> server_;
  std::string token_;
  std::filesystem::path upload_dir_;
  std::once_flag released_;
  std::promise<void> release_;
  std::shared_future<void> release_detects_ = release_.get_future().share();
  std::atomic<int> detects_started_{0};
};

class HostileRequestsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { spdlog::set_level(spdlog::level::err); }
};

void ExpectJsonError(const std::string& reply, int status, const std::string& code) {
  ASSERT_EQ(StatusOf(reply), status) << reply.substr(0, 400);
  EXPECT_EQ(HeaderOf(reply, "Content-Type"), "application/json") << reply.substr(0, 400);
  json body = json::parse(testing::BodyOf(reply), nullptr, false);
  ASSERT_FALSE(body.is_discarded()) << reply.substr(0, 400);
  EXPECT_EQ(body["error"]["code"], code) << reply.substr(0, 400);
}

// Row 1: `curl http://HOST/%ff` aborted the process (the 404 message echoed the decoded
// path, and nlohmann's strict dump threw on the invalid UTF-8).
TEST_F(HostileRequestsTest, InvalidUtf8AnywhereIs400JsonAndTheServerLives) {
  HostileServer server;
  const std::string auth = "Authorization: Bearer " + server.token() + "\r\n";
  ExpectJsonError(RoundTrip(server.port(), "GET /%ff HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "invalid_argument");
  ASSERT_TRUE(server.Healthy()) << "the server died on GET /%ff";
  ExpectJsonError(RoundTrip(server.port(), "GET /api/v1/objects?prefix=%c3%28 HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"),
                  400, "invalid_argument");
  ExpectJsonError(RoundTrip(server.port(), "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Name: \xff\xfe\r\n\r\n"), 400,
                  "invalid_argument");
  ExpectJsonError(RoundTrip(server.port(), "GET /api/v1/objects/a%00b.jpg HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"),
                  400, "invalid_argument");
  ExpectJsonError(RoundTrip(server.port(), "GET /api/v1/health%zz HTTP/1.1\r\nHost: x\r\n\r\n"), 400,
                  "invalid_argument");
  // Invalid UTF-8 inside a JSON body, and in an error a hook returns.
  const std::string body = "{\"user\": \"\xff\", \"password\": \"x\"}";
  ExpectJsonError(RoundTrip(server.port(), "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                           "application/json\r\nContent-Length: " +
                                               std::to_string(body.size()) + "\r\n\r\n" + body),
                  400, "invalid_argument");
  ExpectJsonError(RoundTrip(server.port(), "GET /api/v1/dashboard HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"), 400,
                  "invalid_argument");
  // A handler that throws is a 500, never a second throw.
  ExpectJsonError(RoundTrip(server.port(), "PUT /api/v1/objects/manifests/throw HTTP/1.1\r\nHost: x\r\n"
                                           "Content-Length: 1\r\n" + auth + "\r\nx"),
                  500, "internal");
  EXPECT_TRUE(server.Healthy());
}

// Item 1: a corpus of malformed requests; after each one the server still answers.
TEST_F(HostileRequestsTest, MalformedRequestCorpusNeverKillsTheServer) {
  HostileServer server;
  const std::string long_line(200 * 1024, 'a');
  std::string header_flood = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 20'000; ++i) header_flood += "X-Flood-" + std::to_string(i) + ": y\r\n";
  header_flood += "\r\n";
  std::string many_ranges = "GET /label/app.js HTTP/1.1\r\nHost: x\r\nRange: bytes=0-";
  for (int i = 0; i < 2700; ++i) many_ranges += ",0-";
  many_ranges += "\r\n\r\n";
  const std::vector<std::pair<std::string, std::string>> corpus = {
      {"bad UTF-8 in the path", "GET /%ff%fe HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"raw bad UTF-8 in the path", "GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"overlong UTF-8", "GET /%c0%af HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"bad percent-encoding", "GET /%g0%2 HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"truncated percent", "GET /api/v1/health?x=% HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"NUL in the path", "GET /a\0b HTTP/1.1\r\nHost: x\r\n\r\n"s},
      {"encoded NUL", "GET /label/%00 HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"NUL in a header", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n"s},
      {"over-long request line", "GET /" + long_line + " HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"over-long header", "GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + long_line + "\r\n\r\n"},
      {"header flood", header_flood},
      {"header without colon", "GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"},
      {"bad chunk size", "PUT /api/v1/objects/manifests/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                             server.token() + "\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"},
      {"huge chunk size", "PUT /api/v1/objects/manifests/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                              server.token() + "\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n"},
      {"negative Content-Length", "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\nabc"},
      {"two Content-Lengths", "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: "
                              "40\r\n\r\n{}"},
      {"garbage after the body", "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
                                 "\x01\x02garbage\xff\xff\r\n\r\n"},
      {"HTTP/0.9", "GET /\r\n"},
      {"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4\0\0\0\0\0"s},
      {"unknown version", "GET / HTTP/9.9\r\nHost: x\r\n\r\n"},
      {"absolute-form target", "GET http://evil.example/ HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"asterisk target", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"unknown method", "BREW /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"binary garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http"s},
      {"gzip body", "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: "
                    "4\r\n\r\nabcd"},
      {"2,700-part Range", many_ranges},
  };
  for (const auto& [name, request] : corpus) {
    SCOPED_TRACE(name);
    std::string reply = RoundTrip(server.port(), request);
    const int status = StatusOf(reply);
    EXPECT_TRUE(status == 0 || (status >= 200 && status < 600)) << reply.substr(0, 300);
    EXPECT_NE(status, 500) << reply.substr(0, 300);
    EXPECT_LT(reply.size(), 1'000'000u) << "a reply larger than any asset: amplification";
    ASSERT_TRUE(server.Healthy()) << "the server stopped answering after: " << name;
  }
}

// Row 3: 2,700 ranges made a 54 MB reply from a 20 KB file.
TEST_F(HostileRequestsTest, RangeRequestsNeverAmplify) {
  HostileServer server;
  const StaticAsset* asset = FindStaticAsset("portal/app.js");
  ASSERT_NE(asset, nullptr);
  const std::string size = std::to_string(asset->bytes.size());
  auto get = [&](const std::string& range) {
    return RoundTrip(server.port(), "GET /label/app.js HTTP/1.1\r\nHost: x\r\nRange: " + range + "\r\n\r\n");
  };
  std::string many = "bytes=0-";
  for (int i = 0; i < 2700; ++i) many += ",0-";
  std::string reply = get(many);
  EXPECT_EQ(StatusOf(reply), 200);
  EXPECT_EQ(testing::BodyOf(reply).size(), asset->bytes.size());
  reply = get("bytes=0-9");
  EXPECT_EQ(StatusOf(reply), 206);
  EXPECT_EQ(HeaderOf(reply, "Content-Range"), "bytes 0-9/" + size);
  EXPECT_EQ(testing::BodyOf(reply), asset->bytes.substr(0, 10));
  reply = get("bytes=0-4,5-9,3-7");  // overlapping: merged into one
  EXPECT_EQ(StatusOf(reply), 206);
  EXPECT_EQ(testing::BodyOf(reply), asset->bytes.substr(0, 10));
  reply = get("bytes=-5");
  EXPECT_EQ(testing::BodyOf(reply), asset->bytes.substr(asset->bytes.size() - 5));
  reply = get("bytes=0-1,100-101");  // disjoint: the whole body, never multipart
  EXPECT_EQ(StatusOf(reply), 200);
  EXPECT_EQ(testing::BodyOf(reply).size(), asset->bytes.size());
  reply = get("bytes=" + size + "-");
  ExpectJsonError(reply, 416, "range_not_satisfiable");
  EXPECT_EQ(HeaderOf(reply, "Content-Range"), "bytes */" + size);
  // Objects too.
  ASSERT_TRUE(server.bucket().Put("manifests/r.txt", "0123456789").ok());
  reply = RoundTrip(server.port(), "GET /api/v1/objects/manifests/r.txt HTTP/1.1\r\nHost: x\r\nAuthorization: "
                                   "Bearer " + server.token() + "\r\nRange: bytes=2-4\r\n\r\n");
  EXPECT_EQ(StatusOf(reply), 206);
  EXPECT_EQ(testing::BodyOf(reply), "234");
}

// Row 2: a chunked body without credentials was read whole (1.19 GB) before the 401.
TEST_F(HostileRequestsTest, UnauthenticatedChunkedUploadIsRefusedBeforeItsBody) {
  HostileServer server;
  RawHttpConnection connection;
  ASSERT_TRUE(connection.Connect(server.port()));
  ASSERT_TRUE(connection.Send("PUT /api/v1/objects/images_for_detection/x.jpg HTTP/1.1\r\nHost: x\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n10000\r\n"));
  ASSERT_TRUE(connection.Send(std::string(0x8000, 'z')));  // half a chunk; the rest never comes
  std::string reply = connection.ReadResponse(3s);
  ExpectJsonError(reply, 401, "unauthenticated");
  EXPECT_TRUE(connection.WaitClosed(3s)) << "the server must not wait for the body it refused";
  // 1 GB more without credentials: the server stops listening after the refusal, long
  // before a gigabyte is sent.
  RawHttpConnection flood;
  ASSERT_TRUE(flood.Connect(server.port()));
  ASSERT_TRUE(flood.Send("PUT /api/v1/objects/images_for_detection/y.jpg HTTP/1.1\r\nHost: x\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "100000\r\n" + std::string(0x100000, 'z') + "\r\n";
  int64_t sent = 0;
  while (sent < (int64_t{1} << 30) && flood.Send(chunk)) sent += static_cast<int64_t>(chunk.size());
  EXPECT_LT(sent, int64_t{64} << 20) << "the server kept reading an unauthenticated body";
  EXPECT_FALSE(server.bucket().Head("images_for_detection/y.jpg").ok());
  EXPECT_TRUE(server.Healthy());
}

// Row 2 with credentials: the body is capped in every framing and never held in memory.
TEST_F(HostileRequestsTest, BodiesAreCappedInEveryFraming) {
  HostileServer server;
  const std::string auth = "Authorization: Bearer " + server.token() + "\r\n";
  // Declared too large: 413 before the body.
  std::string reply = RoundTrip(server.port(), "PUT /api/v1/objects/manifests/big HTTP/1.1\r\nHost: x\r\n" + auth +
                                                   "Content-Length: 999999999\r\n\r\n");
  ExpectJsonError(reply, 413, "payload_too_large");
  // JSON routes take 1 MiB at most.
  reply = RoundTrip(server.port(), "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n");
  ExpectJsonError(reply, 413, "payload_too_large");
  // Chunked past the limit: cut off, nothing stored, no temp file left.
  RawHttpConnection connection;
  ASSERT_TRUE(connection.Connect(server.port()));
  ASSERT_TRUE(connection.Send("PUT /api/v1/objects/manifests/chunked HTTP/1.1\r\nHost: x\r\n" + auth +
                              "Transfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "10000\r\n" + std::string(0x10000, 'c') + "\r\n";
  for (int i = 0; i < 8 && connection.Send(chunk); ++i) {
  }
  connection.Send("0\r\n\r\n");
  EXPECT_TRUE(connection.WaitClosed(3s));
  EXPECT_FALSE(server.bucket().Head("manifests/chunked").ok());
  // A chunked body under the limit is stored.
  reply = RoundTrip(server.port(), "PUT /api/v1/objects/manifests/small HTTP/1.1\r\nHost: x\r\n" + auth +
                                       "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  ASSERT_EQ(StatusOf(reply), 200) << reply;
  auto stored = server.bucket().Get("manifests/small");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*stored, "hello world");
  // Compressed request bodies are refused (nothing here inflates them).
  reply = RoundTrip(server.port(), "PUT /api/v1/objects/manifests/gz HTTP/1.1\r\nHost: x\r\n" + auth +
                                       "Content-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc");
  ExpectJsonError(reply, 415, "unsupported_media_type");
  std::this_thread::sleep_for(100ms);  // the cut-off exchange ends on its own thread
  EXPECT_EQ(server.UploadDirFiles(), 0u) << "a temp file outlived its request";
  EXPECT_TRUE(server.Healthy());
}

// A body that cannot be written to its temp file (here the upload folder is gone; a full
// disk takes the same path, see tests/e2e/disk_full_e2e_test.cc) is answered with a JSON
// error naming the request, not a cut connection, and nothing is stored.
TEST_F(HostileRequestsTest, AnUnwritableUploadFolderIsAnsweredNotCut) {
  HostileServer server;
  server.RemoveUploadDir();
  const std::string reply =
      RoundTrip(server.port(), "PUT /api/v1/objects/manifests/lost HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                   server.token() + "\r\nContent-Length: 11\r\n\r\nhello world");
  ExpectJsonError(reply, 503, "unavailable");
  EXPECT_NE(reply.find("/api/v1/objects/manifests/lost"), std::string::npos) << reply;
  EXPECT_FALSE(server.bucket().Head("manifests/lost").ok());
  EXPECT_TRUE(server.Healthy());
}

// Row 4 and item 3: 100 slow connections from one address (127.0.0.2) hold their heads
// open; /api/v1/health from 127.0.0.1 still answers within 1 s, and the per-address cap
// closes what is beyond it.
TEST_F(HostileRequestsTest, SlowClientsFromOneAddressCannotStarveOthers) {
  ServerOptions options;
  options.max_connections_per_address = 16;
  HostileServer server(options);
  std::vector<RawHttpConnection> slow(100);
  for (RawHttpConnection& c : slow) {
    ASSERT_TRUE(c.Connect(server.port(), "127.0.0.2"));
    c.Send("GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n");  // the head never ends
  }
  std::this_thread::sleep_for(200ms);
  const auto started = std::chrono::steady_clock::now();
  std::string reply = RoundTrip(server.port(), "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(StatusOf(reply), 200);
  EXPECT_LT(elapsed, 1s);
  int closed = 0;
  for (RawHttpConnection& c : slow) closed += c.WaitClosed(10ms) ? 1 : 0;
  EXPECT_GE(closed, 100 - 16) << "connections beyond the per-address cap must be closed";
}

// Row 4: a client that sends one header line now and then is cut off at the head deadline.
TEST_F(HostileRequestsTest, TricklingHeadIsClosedAtTheDeadline) {
  ServerOptions options;
  options.request_head_timeout_s = 1;
  HostileServer server(options);
  RawHttpConnection trickle;
  ASSERT_TRUE(trickle.Connect(server.port()));
  ASSERT_TRUE(trickle.Send("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n"));
  const auto started = std::chrono::steady_clock::now();
  bool closed = false;
  for (int line = 0; line < 20 && !closed; ++line) {
    trickle.Send("X-Line-" + std::to_string(line) + ": y\r\n");  // well within the idle timeout
    closed = trickle.WaitClosed(300ms);
  }
  EXPECT_TRUE(closed) << "a head trickled for 6 s was not cut off";
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_TRUE(server.Healthy());
}

// Item 3: the detect queue is bounded; a full queue answers 503 with Retry-After without
// reading the image.
TEST_F(HostileRequestsTest, DetectQueueIsBoundedAndAnswers503WithRetryAfter) {
  ServerOptions options;
  options.detect_concurrency = 1;
  options.detect_queue_length = 1;
  HostileServer server(options);
  const std::string request = "POST /api/v1/detect HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + server.token() +
                              "\r\nContent-Type: image/jpeg\r\nContent-Length: 5\r\n\r\nimage";
  auto running = std::async(std::launch::async, [&] { return RoundTrip(server.port(), request); });
  for (int i = 0; i < 200 && server.detects_started() == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(server.detects_started(), 1);
  RawHttpConnection waiting;
  ASSERT_TRUE(waiting.Connect(server.port()));
  ASSERT_TRUE(waiting.Send(request));
  std::this_thread::sleep_for(200ms);  // queued behind the running one
  std::string refused = RoundTrip(server.port(), request);
  ExpectJsonError(refused, 503, "unavailable");
  EXPECT_FALSE(HeaderOf(refused, "Retry-After").empty());
  EXPECT_TRUE(server.Healthy()) << "a full detect queue must not block other routes";
  server.ReleaseDetects();
  EXPECT_EQ(StatusOf(running.get()), 200);
  EXPECT_EQ(StatusOf(waiting.ReadResponse(5s)), 200);
}

}  // namespace
}  // namespace labelloop::http
