// In-process tests of the HTTP server: a real Server on 127.0.0.1 with a port picked by the
// OS, an in-memory bucket, SQLite ":memory:" databases, a FakeClock, and httplib::Client.
// One server is shared by the whole suite (users, tokens and sessions cost an argon2id
// hash each); tests that need their own server create it.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "auth/auth_service.h"
#include "auth/password_hasher.h"
#include "db/auth_db.h"
#include "db/detection_db.h"
#include "db/metadata_db.h"
#include "db/notification_db.h"
#include "db/param_db.h"
#include "db/review_db.h"
#include "db/schedule_db.h"
#include "db/workflow_db.h"
#include <spdlog/spdlog.h>

#include "http/route_examples_test_util.h"
#include "http/route_table.h"
#include "http/server.h"
#include "http/static_assets.h"
#include "notify/notifier.h"
#include "params/parameter_store.h"
#include "review/review_service.h"
#include "review/sampling_service.h"
#include "schedule/scheduler.h"
#include "store/object_store.h"
#include "workflow/engine.h"
#include "workflow/state_machine.h"
#include "workflow/task_registry.h"

namespace labelloop::http {
namespace {

using auth::Role;
using nlohmann::json;

constexpr char kPassword[] = "correct horse battery staple";
constexpr size_t kMaxUploadBytes = 256 * 1024;

// How a request authenticates.
struct Identity {
  std::string label;
  std::optional<Role> role;  // nullopt: no credentials
  bool cookie = false;       // session cookie (with CSRF header) instead of a bearer token
};

struct SessionCredentials {
  std::string id;
  std::string csrf;
};

struct Environment {
  FakeClock clock;
  std::unique_ptr<store::ObjectStore> bucket = store::NewMemoryObjectStore(&clock);
  std::unique_ptr<db::AuthDb> auth_db;
  std::unique_ptr<auth::AuthService> auth;
  std::unique_ptr<db::MetadataDb> metadata;
  std::unique_ptr<db::DetectionDb> detections;
  std::unique_ptr<db::ParamDb> param_db;
  std::unique_ptr<params::ParameterStore> params;
  std::unique_ptr<db::ReviewDb> review_db;
  std::unique_ptr<review::ReviewService> reviews;
  std::unique_ptr<review::SamplingService> sampling;
  std::unique_ptr<db::NotificationDb> notification_db;
  std::unique_ptr<notify::Notifier> notifier;
  std::unique_ptr<db::ScheduleDb> schedule_db;
  std::unique_ptr<schedule::Scheduler> schedules;
  workflow::TaskRegistry registry;
  std::unique_ptr<db::WorkflowDb> workflow_db;
  std::unique_ptr<workflow::Engine> engine;
  std::unique_ptr<Server> server;
  std::map<Role, std::string> tokens;
  std::map<Role, SessionCredentials> sessions;

  std::mutex mu;
  std::vector<std::string> created_keys;  // GUARDED_BY(mu): object_created hook calls
  json last_detect_call;                  // GUARDED_BY(mu)
  std::atomic<bool> ready{false};         // what the readiness hook answers
};

Environment* env = nullptr;

std::string UserOf(Role role) { return std::string(auth::RoleName(role)) + "-user"; }

httplib::Client NewClient() {
  httplib::Client client("127.0.0.1", env->server->port());
  client.set_read_timeout(5, 0);
  return client;
}

// A request exactly as given (the client does not normalise the path).
httplib::Result Send(const std::string& method, const std::string& path, const std::string& body = "",
                     httplib::Headers headers = {}, const std::string& content_type = "application/json") {
  httplib::Client client = NewClient();
  httplib::Request request;
  request.method = method;
  request.path = path;
  request.headers = std::move(headers);
  if (!body.empty() || method == "POST" || method == "PUT") {
    request.body = body;
    request.set_header("Content-Type", content_type);
  }
  auto response = std::make_unique<httplib::Response>();
  httplib::Error error = httplib::Error::Success;
  bool sent = client.send(request, *response, error);
  return httplib::Result(sent ? std::move(response) : nullptr, error);
}

SessionCredentials LoginOverHttp(const std::string& user, const std::string& password,
                                 const std::string& cookie_before = "") {
  httplib::Headers headers;
  if (!cookie_before.empty()) headers.emplace("Cookie", "labelloop_session=" + cookie_before);
  auto res = Send("POST", "/api/v1/session", json{{"user", user}, {"password", password}}.dump(), headers);
  EXPECT_TRUE(res);
  if (!res) return {};
  EXPECT_EQ(res->status, 200) << res->body;
  std::string cookie = res->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("Path=/"), std::string::npos) << cookie;
  size_t start = cookie.find('=') + 1;
  std::string id = cookie.substr(start, cookie.find(';') - start);
  return {id, json::parse(res->body).value("csrf_token", "")};
}

httplib::Headers HeadersFor(const Identity& who, const std::string& method) {
  httplib::Headers headers;
  if (!who.role) return headers;
  if (!who.cookie) {
    headers.emplace("Authorization", "Bearer " + env->tokens.at(*who.role));
    return headers;
  }
  const SessionCredentials& session = env->sessions.at(*who.role);
  headers.emplace("Cookie", "labelloop_session=" + session.id);
  if (method != "GET") headers.emplace("X-CSRF-Token", session.csrf);
  return headers;
}

httplib::Headers Bearer(Role role) { return HeadersFor(Identity{"", role, false}, "GET"); }

json ParseBody(const httplib::Result& res) {
  json body = json::parse(res->body, nullptr, false);
  EXPECT_FALSE(body.is_discarded()) << res->body;
  return body;
}

void ExpectErrorShape(const httplib::Result& res, int http_status, const std::string& code) {
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, http_status) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  json body = ParseBody(res);
  ASSERT_TRUE(body.contains("error")) << res->body;
  EXPECT_EQ(body["error"]["code"], code) << res->body;
  EXPECT_TRUE(body["error"]["message"].is_string());
  EXPECT_FALSE(body["error"]["message"].get<std::string>().empty());
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    spdlog::set_level(spdlog::level::err);  // 503s of unwired dependencies are expected here
    env = new Environment();
    auto auth_db = db::OpenSqliteAuthDb(":memory:", &env->clock);
    ASSERT_TRUE(auth_db.ok()) << auth_db.status().ToString();
    env->auth_db = std::move(*auth_db);
    env->auth = std::make_unique<auth::AuthService>(env->auth_db.get(), &env->clock);
    auto metadata = db::OpenSqliteMetadataDb(":memory:", &env->clock);
    ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();
    env->metadata = std::move(*metadata);
    auto detections = db::OpenSqliteDetectionDb(":memory:", &env->clock);
    ASSERT_TRUE(detections.ok()) << detections.status().ToString();
    env->detections = std::move(*detections);
    auto param_db = db::OpenSqliteParamDb(":memory:", &env->clock);
    ASSERT_TRUE(param_db.ok()) << param_db.status().ToString();
    env->param_db = std::move(*param_db);
    env->params = std::make_unique<params::ParameterStore>(env->param_db.get(), &env->clock);
    ASSERT_TRUE(env->params->EnsureDefaults().ok());
    auto review_db = db::OpenSqliteReviewDb(":memory:", &env->clock);
    ASSERT_TRUE(review_db.ok()) << review_db.status().ToString();
    env->review_db = std::move(*review_db);
    // No random picks, so the queue-order test knows the order (random picks: review tests).
    env->reviews = std::make_unique<review::ReviewService>(env->review_db.get(), env->detections.get(),
                                                           env->bucket.get(), &env->clock,
                                                           review::ReviewOptions{.random_share = 0});
    env->sampling =
        std::make_unique<review::SamplingService>(env->detections.get(), env->review_db.get(), &env->clock);
    auto notification_db = db::OpenSqliteNotificationDb(":memory:", &env->clock);
    ASSERT_TRUE(notification_db.ok()) << notification_db.status().ToString();
    env->notification_db = std::move(*notification_db);
    env->notifier = std::make_unique<notify::Notifier>(env->notification_db.get(),
                                                       std::vector<std::unique_ptr<notify::Sink>>(), &env->clock);
    auto schedule_db = db::OpenSqliteScheduleDb(":memory:", &env->clock);
    ASSERT_TRUE(schedule_db.ok()) << schedule_db.status().ToString();
    env->schedule_db = std::move(*schedule_db);
    env->schedules = std::make_unique<schedule::Scheduler>(env->schedule_db.get(), &env->clock);
    auto workflow_db = db::OpenSqliteWorkflowDb(":memory:", &env->clock);
    ASSERT_TRUE(workflow_db.ok()) << workflow_db.status().ToString();
    env->workflow_db = std::move(*workflow_db);
    auto machine = workflow::ParseStateMachine(
        R"({"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "Next": "Done"}, "Done": {"Type": "Succeed"}}})",
        env->registry);
    ASSERT_TRUE(machine.ok()) << machine.status().ToString();
    auto engine = workflow::Engine::Create(std::move(*machine), &env->registry, env->workflow_db.get(), &env->clock);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    env->engine = std::move(*engine);

    ServerOptions options;
    options.port = 0;
    options.max_upload_bytes = kMaxUploadBytes;
    options.sse_keepalive_ms = 50;
    options.sse_max_idle_ms = 150;
    ServerDeps deps;
    deps.bucket = env->bucket.get();
    deps.auth = env->auth.get();
    deps.metadata = env->metadata.get();
    deps.detections = env->detections.get();
    deps.params = env->params.get();
    deps.reviews = env->reviews.get();
    deps.sampling = env->sampling.get();
    deps.notifier = env->notifier.get();
    deps.schedules = env->schedules.get();
    deps.engine = env->engine.get();
    deps.clock = &env->clock;
    deps.hooks.object_created = [](const std::string& key, const std::string&) {
      std::lock_guard lock(env->mu);
      env->created_keys.push_back(key);
    };
    deps.hooks.detect = [](std::string_view bytes, std::string_view filename, int max_results,
                           std::optional<double> min_confidence, std::string_view actor) -> Result<json> {
      std::lock_guard lock(env->mu);
      env->last_detect_call = {{"size", bytes.size()}, {"filename", filename}, {"max_results", max_results},
                               {"min_confidence", min_confidence ? json(*min_confidence) : json(nullptr)},
                               {"actor", actor}};
      return json{{"labels", {{{"name", "amazon_logo"}, {"confidence", 91.5}}}},
                  {"version", "v1"},
                  {"request_id", "req-1"}};
    };
    deps.hooks.ready = [] {
      const bool ready = env->ready.load();
      return std::make_pair(ready, json{{"status", ready ? "ready" : "not_ready"},
                                        {"components", {{"database", "ok"}, {"model", ready ? "ok" : "none"}}}});
    };
    // dashboard, start_model and stop_model stay empty: their routes answer 503.
    auto server = Server::Create(options, deps);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    env->server = std::move(*server);
    ASSERT_TRUE(env->server->Start().ok());

    for (Role role : {Role::kAdmin, Role::kReviewer, Role::kConsumer}) {
      ASSERT_TRUE(env->auth->AddUser(UserOf(role), kPassword, role).ok());
      auto token = env->auth->CreateToken(std::string(auth::RoleName(role)) + "-token", role);
      ASSERT_TRUE(token.ok()) << token.status().ToString();
      env->tokens[role] = token->token;
      env->sessions[role] = LoginOverHttp(UserOf(role), kPassword);
    }
  }

  static void TearDownTestSuite() {
    env->server->Stop();
    delete env;
    env = nullptr;
  }
};

// The test's own reading of a route's flags (not Access::Allows, which is under test).
bool RoleMayCall(Role role, const Route& route) {
  switch (role) {
    case Role::kAdmin: return true;
    case Role::kReviewer: return route.access.reviewer;
    case Role::kConsumer: return route.access.consumer;
  }
  return false;
}

// The test's own reading of the role-by-prefix rules (docs/auth.md), not ObjectAccess (under
// test): may `role` call the object route `method` on `key`, given no review task exists?
bool PrefixAllows(Role role, const std::string& method, const std::string& key) {
  if (role == Role::kAdmin) return true;
  const bool detection_image = key.starts_with("images_for_detection/");
  if (role == Role::kConsumer) return (method == "PUT" || method == "POST") && detection_image;
  return false;  // a reviewer reads only images of its open review tasks (there are none here)
}

bool IsObjectKeyRoute(const Route& route) { return route.pattern == "/api/v1/objects/{key+}"; }

// The authorisation matrix, generated from the route table: every route, called without
// credentials, with a token of each role and with a session cookie of each role. Object
// routes also obey the prefix rules (the next test walks every prefix).
TEST_F(ServerTest, AuthorisationMatrixCoversEveryRoute) {
  std::vector<Identity> identities = {{"anonymous", std::nullopt, false}};
  for (Role role : {Role::kAdmin, Role::kReviewer, Role::kConsumer}) {
    identities.push_back({std::string(auth::RoleName(role)) + " token", role, false});
    identities.push_back({std::string(auth::RoleName(role)) + " cookie", role, true});
  }
  int calls = 0;
  for (const Route& route : RouteTable()) {
    std::string method(route.method);
    std::string path = ExamplePath(route.pattern);
    for (const Identity& who : identities) {
      SCOPED_TRACE(method + " " + path + " as " + who.label);
      auto res = Send(method, path, "{}", HeadersFor(who, method));
      ASSERT_TRUE(res) << httplib::to_string(res.error());
      ++calls;
      int status = res->status;
      if (route.access.aws_signed || route.access.aws_signed_json) {
        EXPECT_EQ(status, 403) << res->body;  // AWS's answer to anything not signed with SigV4
      } else if (route.access.open) {
        EXPECT_NE(status, 401) << res->body;
        EXPECT_NE(status, 403) << res->body;
      } else if (!who.role) {
        EXPECT_EQ(status, 401) << res->body;
        EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer");
      } else if (!RoleMayCall(*who.role, route) ||
                 (IsObjectKeyRoute(route) && !PrefixAllows(*who.role, method, path.substr(16)))) {
        EXPECT_EQ(status, 403) << res->body;
      } else {
        EXPECT_NE(status, 401) << res->body;
        EXPECT_NE(status, 403) << res->body;
      }
      // Allowed or not, nothing may crash: 500 would be a bug (503 = dependency not wired).
      EXPECT_NE(status, 500) << res->body;
      if (who.cookie && method == "DELETE" && route.pattern == "/api/v1/session" && status == 204) {
        env->sessions[*who.role] = LoginOverHttp(UserOf(*who.role), kPassword);  // that was a logout
      }
    }
  }
  EXPECT_EQ(calls, static_cast<int>(RouteTable().size() * identities.size()));
}

// The prefix half of the matrix: every object route (PUT, multipart POST, GET, DELETE, list)
// on every top-level prefix, for every identity. Refused calls change nothing.
TEST_F(ServerTest, AuthorisationMatrixCoversEveryPrefix) {
  std::vector<Identity> identities = {{"anonymous", std::nullopt, false}};
  for (Role role : {Role::kAdmin, Role::kReviewer, Role::kConsumer}) {
    identities.push_back({std::string(auth::RoleName(role)) + " token", role, false});
    identities.push_back({std::string(auth::RoleName(role)) + " cookie", role, true});
  }
  const std::vector<std::string> prefixes = {"images_for_detection/", "images_labeled_by_folder/", "evaluation/",
                                             "manifests/", "a2i-human-loop-data/"};
  int calls = 0;
  for (const std::string& prefix : prefixes) {
    const std::string key = prefix + "matrix/x.jpg";
    ASSERT_TRUE(env->bucket->Put(key, "ORIGINAL").ok());
    for (const Identity& who : identities) {
      for (const std::string method : {"PUT", "POST", "GET", "LIST", "DELETE"}) {
        SCOPED_TRACE(method + " " + key + " as " + who.label);
        std::string wire_method = method == "LIST" ? "GET" : method;
        httplib::Headers headers = HeadersFor(who, wire_method);
        httplib::Result res{nullptr, httplib::Error::Unknown};
        if (method == "POST") {
          httplib::Client client = NewClient();
          res = client.Post("/api/v1/objects", headers,
                            httplib::MultipartFormDataItems{{"prefix", prefix + "matrix", "", ""},
                                                            {"file", "CHANGED", "x.jpg", "image/jpeg"}});
        } else if (method == "LIST") {
          res = Send("GET", "/api/v1/objects?prefix=" + prefix, "", headers);
        } else {
          res = Send(method, "/api/v1/objects/" + key, method == "PUT" ? "CHANGED" : "", headers, "image/jpeg");
        }
        ASSERT_TRUE(res) << httplib::to_string(res.error());
        ++calls;
        const bool route_allows = !who.role || *who.role == Role::kAdmin ||
                                  (*who.role == Role::kConsumer && (method == "PUT" || method == "POST")) ||
                                  (*who.role == Role::kReviewer && method == "GET");
        if (!who.role) {
          EXPECT_EQ(res->status, 401) << res->body;
        } else if (!route_allows || !PrefixAllows(*who.role, method == "LIST" ? "GET" : method, key)) {
          ExpectErrorShape(res, 403, "permission_denied");
        } else {
          EXPECT_LT(res->status, 300) << res->body;
        }
        // Whoever was refused, the object is as the last allowed call left it.
        auto stored = env->bucket->Get(key);
        if (res->status == 403 || res->status == 401) {
          if (method == "DELETE") {
            EXPECT_TRUE(stored.ok()) << "a refused DELETE removed " << key;
          }
        }
        if (method == "DELETE" && res->status == 204) {
          ASSERT_TRUE(env->bucket->Put(key, "ORIGINAL").ok());
        }
        if ((method == "PUT" || method == "POST") && res->status >= 400) {
          ASSERT_TRUE(stored.ok());
          EXPECT_EQ(*stored, "ORIGINAL") << "a refused write changed " << key;
        }
        if ((method == "PUT" || method == "POST") && res->status < 300) {
          ASSERT_TRUE(env->bucket->Put(key, "ORIGINAL").ok());
        }
      }
    }
    ASSERT_TRUE(env->bucket->Delete(key).ok());
  }
  EXPECT_EQ(calls, static_cast<int>(prefixes.size() * identities.size() * 5));
}

db::Detection ExampleDetection(const std::string& request_id, double confidence_pct);

// A reviewer sees an image exactly while it has a review task it may still answer on it.
TEST_F(ServerTest, ReviewerReadsOnlyImagesOfItsOpenReviewTasks) {
  const std::string key = "images_for_detection/rv/shop.jpg";
  ASSERT_TRUE(env->bucket->Put(key, "JPEGDATA").ok());
  const std::string url = "/api/v1/objects/" + key;
  ExpectErrorShape(Send("GET", url, "", Bearer(Role::kReviewer)), 403, "permission_denied");
  db::Detection detection = ExampleDetection("det-rv-shop", 30.0);
  detection.image_key = key;
  ASSERT_TRUE(env->detections->Insert(detection).ok());
  review::ReviewInput input;
  input.image_key = key;
  input.detection_request_id = "det-rv-shop";
  input.source = std::string(review::kSourceLowConfidence);
  input.model_label = "amazon_logo";
  input.candidate_labels = {"amazon_logo", "aws_logo"};
  auto task = env->reviews->CreateTask(input);
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  auto res = Send("GET", url, "", Bearer(Role::kReviewer));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->body, "JPEGDATA");
  // The task opens that image only: not its neighbours, not other prefixes.
  ASSERT_TRUE(env->bucket->Put("images_for_detection/rv/other.jpg", "OTHER").ok());
  ExpectErrorShape(Send("GET", "/api/v1/objects/images_for_detection/rv/other.jpg", "", Bearer(Role::kReviewer)), 403,
                   "permission_denied");
  ASSERT_TRUE(env->bucket->Put("evaluation/v1/model.bin", "MODEL").ok());
  ExpectErrorShape(Send("GET", "/api/v1/objects/evaluation/v1/model.bin", "", Bearer(Role::kReviewer)), 403,
                   "permission_denied");
  // Once answered (or stopped), the task no longer opens the image.
  ASSERT_TRUE(env->reviews->Stop(task->name).ok());
  ExpectErrorShape(Send("GET", url, "", Bearer(Role::kReviewer)), 403, "permission_denied");
  res = Send("GET", url, "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(ServerTest, HealthIsOpenAndEveryResponseHasSecurityHeaders) {
  for (const char* path : {"/api/v1/health", "/api/v1/parameters", "/nowhere", "/"}) {
    SCOPED_TRACE(path);
    auto res = Send("GET", path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(res->get_header_value("Content-Security-Policy"), "default-src 'self'");
    EXPECT_EQ(res->get_header_value("X-Frame-Options"), "DENY");
    EXPECT_EQ(res->get_header_value("Referrer-Policy"), "same-origin");
  }
  auto res = Send("GET", "/api/v1/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  json body = ParseBody(res);
  EXPECT_EQ(body["status"], "ok");
  EXPECT_TRUE(body["version"].is_string());
}

// The value of one sample line of GET /metrics ("name{labels} value"); 0 when absent.
double MetricSample(const std::string& text, const std::string& name_and_labels) {
  const std::string prefix = name_and_labels + " ";
  for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
    if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + prefix.size()));
  }
  return 0;
}

std::string ScrapeMetrics() {
  auto res = Send("GET", "/metrics", "", Bearer(Role::kConsumer));
  EXPECT_TRUE(res);
  if (!res) return "";
  EXPECT_EQ(res->status, 200) << res->body;
  return res->body;
}

TEST_F(ServerTest, RequestIdsAreEchoedAndRequestsCountedByRoutePattern) {
  auto mine = Send("GET", "/api/v1/health", "", {{"X-Request-Id", "unit-test.id_1"}});
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->get_header_value("X-Request-Id"), "unit-test.id_1");
  for (const std::string& bad : {std::string("has space"), std::string("semi;colon"), std::string(65, 'a')}) {
    auto fresh = Send("GET", "/api/v1/health", "", {{"X-Request-Id", bad}});
    ASSERT_TRUE(fresh);
    const std::string id = fresh->get_header_value("X-Request-Id");
    EXPECT_EQ(id.size(), 16u) << bad << " -> " << id;
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  }
  auto refused = Send("GET", "/api/v1/parameters");  // no credentials: refused from the head alone
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->get_header_value("X-Request-Id").size(), 16u) << "refusals carry an id too";

  const std::string health = R"(labelloop_http_requests_total{route="/api/v1/health",method="GET",status="200"})";
  const std::string model =
      R"(labelloop_http_requests_total{route="/api/v1/models/{version}",method="GET",status="401"})";
  const std::string unmatched = R"(labelloop_http_requests_total{route="unmatched",method="GET",status="404"})";
  const std::string before = ScrapeMetrics();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Send("GET", "/api/v1/health"));
  ASSERT_TRUE(Send("GET", "/api/v1/models/v-secret-name"));
  ASSERT_TRUE(Send("GET", "/no/such/thing"));
  const std::string after = ScrapeMetrics();
  EXPECT_EQ(MetricSample(after, health) - MetricSample(before, health), 3) << after;
  EXPECT_EQ(MetricSample(after, model) - MetricSample(before, model), 1) << after;
  EXPECT_EQ(MetricSample(after, unmatched) - MetricSample(before, unmatched), 1) << after;
  EXPECT_EQ(after.find("v-secret-name"), std::string::npos) << "a raw path became a label value";
  EXPECT_NE(after.find("# TYPE labelloop_detect_running gauge\n"), std::string::npos) << after;
  EXPECT_NE(after.find("\nlabelloop_detect_waiting "), std::string::npos) << "no zero sample before a detection";
  EXPECT_NE(after.find("\nlabelloop_detect_refused_total{reason=\"wait_expired\"} "), std::string::npos) << after;
}

TEST_F(ServerTest, ReadinessIsOpenAnswers503UntilReadyAndShowsOnlyStatusWords) {
  env->ready = false;
  auto res = Send("GET", "/api/v1/ready");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(ParseBody(res), (json{{"status", "not_ready"}, {"components", {{"database", "ok"}, {"model", "none"}}}}));
  env->ready = true;
  res = Send("GET", "/api/v1/ready");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(ParseBody(res)["status"], "ready");
}

TEST_F(ServerTest, ErrorShapeFor404And405And503) {
  ExpectErrorShape(Send("GET", "/api/v1/objects/images_for_detection/missing.jpg", "", Bearer(Role::kAdmin)), 404,
                   "not_found");
  ExpectErrorShape(Send("GET", "/api/v1/no-such-route", "", Bearer(Role::kAdmin)), 404, "not_found");
  auto res = Send("PATCH", "/api/v1/health", "{}");
  ExpectErrorShape(res, 405, "method_not_allowed");
  EXPECT_EQ(res->get_header_value("Allow"), "GET");
  ExpectErrorShape(Send("GET", "/api/v1/dashboard", "", Bearer(Role::kAdmin)), 503, "unavailable");
  ExpectErrorShape(Send("GET", "/api/v1/parameters"), 401, "unauthenticated");
  ExpectErrorShape(Send("GET", "/api/v1/parameters", "", Bearer(Role::kReviewer)), 403, "permission_denied");
  ExpectErrorShape(Send("GET", "/api/v1/parameters", "", {{"Authorization", "Bearer wrong"}}), 401,
                   "unauthenticated");
  ExpectErrorShape(Send("GET", "/api/v1/parameters", "", {{"Authorization", "Basic YTpi"}}), 401, "unauthenticated");
}

TEST_F(ServerTest, CsrfIsRequiredForCookieWritesOnly) {
  const SessionCredentials& admin = env->sessions.at(Role::kAdmin);
  httplib::Headers cookie_only = {{"Cookie", "labelloop_session=" + admin.id}};
  auto res = Send("PUT", "/api/v1/objects/manifests/csrf.txt", "x", cookie_only, "text/plain");
  ExpectErrorShape(res, 403, "permission_denied");
  EXPECT_NE(ParseBody(res)["error"]["message"].get<std::string>().find("CSRF token missing or wrong"),
            std::string::npos);
  httplib::Headers wrong = cookie_only;
  wrong.emplace("X-CSRF-Token", admin.csrf + "x");
  ExpectErrorShape(Send("PUT", "/api/v1/objects/manifests/csrf.txt", "x", wrong, "text/plain"), 403,
                   "permission_denied");
  EXPECT_FALSE(env->bucket->Head("manifests/csrf.txt").ok()) << "a refused write stored the object";

  httplib::Headers with_csrf = cookie_only;
  with_csrf.emplace("X-CSRF-Token", admin.csrf);
  res = Send("PUT", "/api/v1/objects/manifests/csrf.txt", "x", with_csrf, "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  // Reads by cookie need no token; writes by bearer token need none either.
  res = Send("GET", "/api/v1/objects/manifests/csrf.txt", "", cookie_only);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  res = Send("PUT", "/api/v1/objects/manifests/csrf2.txt", "y", Bearer(Role::kAdmin), "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
}

TEST_F(ServerTest, SessionFixationLoginIssuesAFreshIdAndKillsThePlantedOne) {
  // A cookie value planted before sign-in is never accepted.
  const std::string planted = "attacker-chosen-session-id";
  SessionCredentials fresh = LoginOverHttp(UserOf(Role::kReviewer), kPassword, planted);
  EXPECT_FALSE(fresh.id.empty());
  EXPECT_NE(fresh.id, planted);
  auto res = Send("GET", "/api/v1/session", "", {{"Cookie", "labelloop_session=" + planted}});
  ExpectErrorShape(res, 401, "unauthenticated");
  res = Send("GET", "/api/v1/session", "", {{"Cookie", "labelloop_session=" + fresh.id}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json who = ParseBody(res);
  EXPECT_EQ(who["user"], UserOf(Role::kReviewer));
  EXPECT_EQ(who["role"], "reviewer");
  EXPECT_EQ(who["csrf_token"], fresh.csrf);

  // Signing in again with a valid session: new id, and the old one is ended.
  SessionCredentials again = LoginOverHttp(UserOf(Role::kReviewer), kPassword, fresh.id);
  EXPECT_NE(again.id, fresh.id);
  ExpectErrorShape(Send("GET", "/api/v1/session", "", {{"Cookie", "labelloop_session=" + fresh.id}}), 401,
                   "unauthenticated");

  // Logout ends the session and clears the cookie.
  res = Send("DELETE", "/api/v1/session", "",
             {{"Cookie", "labelloop_session=" + again.id}, {"X-CSRF-Token", again.csrf}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_NE(res->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
  ExpectErrorShape(Send("GET", "/api/v1/session", "", {{"Cookie", "labelloop_session=" + again.id}}), 401,
                   "unauthenticated");
  // A wrong password is 401 with the error shape.
  ExpectErrorShape(Send("POST", "/api/v1/session", json{{"user", "admin-user"}, {"password", "nope"}}.dump()), 401,
                   "unauthenticated");
}

TEST_F(ServerTest, PathTricksInObjectKeysAre400AndStoreNothing) {
  std::vector<std::string> tricks = {
      "../etc/passwd",      "images_for_detection/../../etc/passwd", "%2e%2e/secret",   "/etc/passwd",
      "a%00b.jpg",          "images_for_detection/./x.jpg",           "a\\b.jpg",        ".hidden/x.jpg",
      "images_for_detection//x.jpg", "a%0Ab.jpg",
      std::string(1100, 'k'),
  };
  for (const std::string& key : tricks) {
    SCOPED_TRACE(key.substr(0, 60));
    ExpectErrorShape(Send("PUT", "/api/v1/objects/" + key, "data", Bearer(Role::kAdmin), "image/jpeg"), 400,
                     "invalid_argument");
    ExpectErrorShape(Send("GET", "/api/v1/objects/" + key, "", Bearer(Role::kAdmin)), 400, "invalid_argument");
    ExpectErrorShape(Send("DELETE", "/api/v1/objects/" + key, "", Bearer(Role::kAdmin)), 400, "invalid_argument");
  }
  auto all = store::ListAll(*env->bucket, "");
  ASSERT_TRUE(all.ok());
  for (const store::ObjectInfo& info : *all) EXPECT_EQ(info.key.find("passwd"), std::string::npos) << info.key;
}

TEST_F(ServerTest, OversizedUploadIs413WithJsonError) {
  std::string big(kMaxUploadBytes + 1, 'x');
  auto res = Send("PUT", "/api/v1/objects/images_for_detection/big.jpg", big, Bearer(Role::kAdmin), "image/jpeg");
  ExpectErrorShape(res, 413, "payload_too_large");
  EXPECT_FALSE(env->bucket->Head("images_for_detection/big.jpg").ok());
  res = Send("PUT", "/api/v1/objects/images_for_detection/fits.jpg", std::string(kMaxUploadBytes, 'x'),
             Bearer(Role::kAdmin), "image/jpeg");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
}

TEST_F(ServerTest, MalformedJsonIs400NamingTheProblem) {
  auto res = Send("PUT", "/api/v1/parameters/Minimum-F1-Score", "{\"value\": ", Bearer(Role::kAdmin));
  ExpectErrorShape(res, 400, "invalid_argument");
  EXPECT_NE(ParseBody(res)["error"]["message"].get<std::string>().find("request body"), std::string::npos);
  ExpectErrorShape(Send("PUT", "/api/v1/parameters/Minimum-F1-Score", "[1,2]", Bearer(Role::kAdmin)), 400,
                   "invalid_argument");
  ExpectErrorShape(Send("POST", "/api/v1/session", "not json"), 400, "invalid_argument");
  ExpectErrorShape(Send("POST", "/api/v1/tokens", "{\"name\": 3}", Bearer(Role::kAdmin)), 400, "invalid_argument");
}

TEST_F(ServerTest, PutAndGetObjectRoundTrip) {
  {
    std::lock_guard lock(env->mu);
    env->created_keys.clear();
  }
  auto res = Send("PUT", "/api/v1/objects/images_for_detection/cat%20photo.png", "PNGDATA", Bearer(Role::kConsumer),
                  "image/png");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json put = ParseBody(res);
  EXPECT_EQ(put["key"], "images_for_detection/cat photo.png");
  EXPECT_EQ(put["size"], 7);
  EXPECT_EQ(put["etag"].get<std::string>().size(), 64u);
  {
    std::lock_guard lock(env->mu);
    EXPECT_EQ(env->created_keys, std::vector<std::string>{"images_for_detection/cat photo.png"});
  }
  res = Send("GET", "/api/v1/objects/images_for_detection/cat%20photo.png", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "PNGDATA");
  EXPECT_EQ(res->get_header_value("Content-Type"), "image/png");
  std::string etag = res->get_header_value("ETag");
  httplib::Headers conditional = Bearer(Role::kAdmin);
  conditional.emplace("If-None-Match", etag);
  res = Send("GET", "/api/v1/objects/images_for_detection/cat%20photo.png", "", conditional);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 304);
  // Anything that could run in the browser is served as a download.
  ASSERT_TRUE(env->bucket->Put("manifests/evil.html", "<script>alert(1)</script>").ok());
  res = Send("GET", "/api/v1/objects/manifests/evil.html", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/octet-stream");
  EXPECT_EQ(res->get_header_value("Content-Disposition"), "attachment");

  // Two objects, so a page of one has a continuation (whatever other tests left behind).
  ASSERT_TRUE(env->bucket->Put("images_for_detection/second.png", "PNGDATA2").ok());
  res = Send("GET", "/api/v1/objects?prefix=images_for_detection/&limit=1", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json page = ParseBody(res);
  ASSERT_EQ(page["objects"].size(), 1u);
  EXPECT_TRUE(page["objects"][0]["last_modified"].get<std::string>().ends_with("Z"));
  ASSERT_TRUE(page["continuation"].is_string());
  res = Send("GET",
             "/api/v1/objects?prefix=images_for_detection/&limit=1000&continuation=" +
                 httplib::detail::encode_query_param(page["continuation"].get<std::string>()),
             "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(ParseBody(res)["continuation"].is_null());
  ExpectErrorShape(Send("GET", "/api/v1/objects?limit=0", "", Bearer(Role::kAdmin)), 400, "invalid_argument");

  res = Send("DELETE", "/api/v1/objects/images_for_detection/cat%20photo.png", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_FALSE(env->bucket->Head("images_for_detection/cat photo.png").ok());
}

TEST_F(ServerTest, MultipartUploadKeepsRelativePathsUnderPrefix) {
  {
    std::lock_guard lock(env->mu);
    env->created_keys.clear();
  }
  httplib::Client client = NewClient();
  httplib::MultipartFormDataItems items = {
      {"prefix", "images_labeled_by_folder", "", ""},
      {"file", "AMAZON1", "amazon_logo/1.jpg", "image/jpeg"},
      {"file", "AMAZON2", "amazon_logo/2.jpg", "image/jpeg"},
      {"file", "AWS1", "aws_logo/1.png", "image/png"},
  };
  // A consumer may not add training images; nothing of its upload is stored.
  ExpectErrorShape(client.Post("/api/v1/objects", Bearer(Role::kConsumer), items), 403, "permission_denied");
  EXPECT_FALSE(env->bucket->Head("images_labeled_by_folder/amazon_logo/1.jpg").ok());
  auto res = client.Post("/api/v1/objects", Bearer(Role::kAdmin), items);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  json body = ParseBody(res);
  ASSERT_EQ(body["objects"].size(), 3u);
  EXPECT_EQ(body["objects"][0]["key"], "images_labeled_by_folder/amazon_logo/1.jpg");
  EXPECT_EQ(body["objects"][2]["key"], "images_labeled_by_folder/aws_logo/1.png");
  EXPECT_EQ(body["objects"][2]["size"], 4);
  auto stored = env->bucket->Get("images_labeled_by_folder/amazon_logo/2.jpg");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*stored, "AMAZON2");
  {
    std::lock_guard lock(env->mu);
    EXPECT_EQ(env->created_keys.size(), 3u);
  }

  // One bad name refuses the whole upload before anything is stored.
  httplib::MultipartFormDataItems bad = {
      {"file", "GOOD", "images_labeled_by_folder/ok/1.jpg", "image/jpeg"},
      {"file", "EVIL", "../../etc/passwd", "image/jpeg"},
  };
  res = client.Post("/api/v1/objects", Bearer(Role::kAdmin), bad);
  ExpectErrorShape(res, 400, "invalid_argument");
  EXPECT_FALSE(env->bucket->Head("images_labeled_by_folder/ok/1.jpg").ok());
  ExpectErrorShape(Send("POST", "/api/v1/objects", "{}", Bearer(Role::kAdmin)), 400, "invalid_argument");
}

TEST_F(ServerTest, ParametersGetPutShapes) {
  auto res = Send("GET", "/api/v1/parameters/Minimum-F1-Score", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json p = ParseBody(res);
  EXPECT_EQ(p["name"], "Minimum-F1-Score");
  EXPECT_TRUE(p["value"].is_string());
  EXPECT_EQ(p["value"], "0.8");
  EXPECT_EQ(p["version"], 1);
  EXPECT_TRUE(p["last_modified"].get<std::string>().ends_with("Z"));

  // A JSON number is refused: values are strings as stored.
  res = Send("PUT", "/api/v1/parameters/Minimum-F1-Score", R"({"value": 0.9})", Bearer(Role::kAdmin));
  ExpectErrorShape(res, 400, "invalid_argument");
  EXPECT_NE(ParseBody(res)["error"]["message"].get<std::string>().find("JSON string"), std::string::npos);
  ExpectErrorShape(Send("PUT", "/api/v1/parameters/Minimum-F1-Score", R"({"value": "1.5"})", Bearer(Role::kAdmin)),
                   400, "invalid_argument");
  ExpectErrorShape(Send("PUT", "/api/v1/parameters/Minimum-F1-Score", R"({})", Bearer(Role::kAdmin)), 400,
                   "invalid_argument");
  ExpectErrorShape(Send("GET", "/api/v1/parameters/No-Such-Parameter", "", Bearer(Role::kAdmin)), 404, "not_found");

  res = Send("PUT", "/api/v1/parameters/Minimum-F1-Score", R"({"value": "0.9"})", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  p = ParseBody(res);
  EXPECT_EQ(p["value"], "0.9");
  EXPECT_EQ(p["version"], 2);
  EXPECT_EQ(p["modified_by"], "admin-token");

  res = Send("GET", "/api/v1/parameters", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  json list = ParseBody(res)["parameters"];
  ASSERT_GE(list.size(), 11u);
  bool found = false;
  for (const json& item : list) {
    EXPECT_TRUE(item["value"].is_string()) << item;
    EXPECT_TRUE(item.contains("description") && item.contains("type")) << item;
    if (item["name"] == "Minimum-F1-Score") {
      found = true;
      EXPECT_EQ(item["value"], "0.9");
      EXPECT_EQ(item["type"], "float");
    }
  }
  EXPECT_TRUE(found);

  res = Send("GET", "/api/v1/parameters/Minimum-F1-Score/history", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  json history = ParseBody(res)["history"];
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0]["version"], 2);  // newest first
  EXPECT_EQ(history[1]["value"], "0.8");
}

TEST_F(ServerTest, DetectPassesQueryToTheHook) {
  auto res = Send("POST", "/api/v1/detect?max_results=3&min_confidence=55.5&filename=shop.jpg", "JPEGBYTES",
                  Bearer(Role::kConsumer), "image/jpeg");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json body = ParseBody(res);
  EXPECT_EQ(body["labels"][0]["name"], "amazon_logo");
  EXPECT_EQ(body["request_id"], "req-1");
  {
    std::lock_guard lock(env->mu);
    EXPECT_EQ(env->last_detect_call["size"], 9);
    EXPECT_EQ(env->last_detect_call["filename"], "shop.jpg");
    EXPECT_EQ(env->last_detect_call["max_results"], 3);
    EXPECT_DOUBLE_EQ(env->last_detect_call["min_confidence"].get<double>(), 55.5);
    EXPECT_EQ(env->last_detect_call["actor"], "consumer-token");
  }
  // Without min_confidence the hook is told none was given (each label's own threshold).
  ASSERT_EQ(Send("POST", "/api/v1/detect", "JPEGBYTES", Bearer(Role::kConsumer), "image/jpeg")->status, 200);
  {
    std::lock_guard lock(env->mu);
    EXPECT_TRUE(env->last_detect_call["min_confidence"].is_null()) << env->last_detect_call.dump();
  }
  ExpectErrorShape(Send("POST", "/api/v1/detect?min_confidence=101", "X", Bearer(Role::kConsumer), "image/jpeg"), 400,
                   "invalid_argument");
  ExpectErrorShape(Send("POST", "/api/v1/detect?max_results=abc", "X", Bearer(Role::kConsumer), "image/jpeg"), 400,
                   "invalid_argument");
  ExpectErrorShape(Send("POST", "/api/v1/detect", "", Bearer(Role::kConsumer), "image/jpeg"), 400,
                   "invalid_argument");
}

TEST_F(ServerTest, StaticPagesAreEmbeddedWithEtags) {
  auto res = Send("GET", "/");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
  ASSERT_NE(FindStaticAsset("console/index.html"), nullptr);
  EXPECT_EQ(res->body, FindStaticAsset("console/index.html")->bytes);
  std::string etag = res->get_header_value("ETag");
  EXPECT_FALSE(etag.empty());
  res = Send("GET", "/console/", "", {{"If-None-Match", etag}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 304);
  ASSERT_NE(FindStaticAsset("portal/index.html"), nullptr);
  const std::string_view portal = FindStaticAsset("portal/index.html")->bytes;
  EXPECT_NE(portal, FindStaticAsset("console/index.html")->bytes);
  res = Send("GET", "/label");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, portal);
  res = Send("GET", "/label/tasks/123");  // a client-side route: the portal's page
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, portal);
  for (size_t i = 0; i < kEmbeddedAssetCount; ++i) {  // every embedded file, byte for byte
    std::string path = kEmbeddedAssets[i].path;
    std::string url = path.starts_with("portal/") ? "/label/" + path.substr(7) : "/" + path;
    SCOPED_TRACE(url);
    res = Send("GET", url);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, FindStaticAsset(path)->bytes);
    EXPECT_EQ(res->get_header_value("Content-Type"), WebContentType(path));
  }
  ExpectErrorShape(Send("GET", "/console/missing.js"), 404, "not_found");
}

TEST_F(ServerTest, UsersAndTokensRoundTrip) {
  auto res = Send("POST", "/api/v1/tokens", R"({"name": "ci-upload", "role": "consumer"})", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  json created = ParseBody(res);
  std::string token = created["token"];
  EXPECT_FALSE(token.empty());
  res = Send("GET", "/api/v1/models", "", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  res = Send("GET", "/api/v1/tokens", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body.find(token), std::string::npos) << "a token list must never show secrets";
  res = Send("DELETE", "/api/v1/tokens/ci-upload", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  ExpectErrorShape(Send("GET", "/api/v1/models", "", {{"Authorization", "Bearer " + token}}), 401,
                   "unauthenticated");
  ExpectErrorShape(Send("POST", "/api/v1/tokens", R"({"name": "x", "role": "emperor"})", Bearer(Role::kAdmin)), 400,
                   "invalid_argument");
  res = Send("GET", "/api/v1/users", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->body.find("argon2"), std::string::npos);
  EXPECT_EQ(ParseBody(res)["users"].size(), 3u);
}

TEST_F(ServerTest, EventStreamDeliversPublishedEvents) {
  httplib::Client client = NewClient();
  std::string received;
  bool published = false;
  auto res = client.Get("/api/v1/stream", Bearer(Role::kAdmin), [&](const char* data, size_t length) {
    received.append(data, length);
    if (!published && received.find(": connected") != std::string::npos) {
      published = true;
      env->server->events().Publish("test.event", {{"n", 1}});
    }
    return received.find("data: {\"n\":1}") == std::string::npos;  // stop once it arrived
  });
  EXPECT_NE(received.find("event: test.event"), std::string::npos) << received;
  EXPECT_NE(received.find("data: {\"n\":1}"), std::string::npos) << received;
  // An idle stream ends on its own (sse_max_idle_ms) with keep-alive comments before.
  received.clear();
  res = client.Get("/api/v1/stream", Bearer(Role::kAdmin), [&](const char* data, size_t length) {
    received.append(data, length);
    return true;
  });
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
  EXPECT_NE(received.find(": keep-alive"), std::string::npos) << received;
}

db::Detection ExampleDetection(const std::string& request_id, double confidence_pct) {
  db::Detection d;
  d.request_id = request_id;
  d.created_ms = env->clock.NowMs();
  d.image_key = "images_for_detection/" + request_id + ".jpg";
  d.image_etag = std::string(64, 'a');
  d.model_version = "v1";
  d.top_label = "amazon_logo";
  d.confidence_pct = confidence_pct;
  d.labels_json = R"([{"name": "amazon_logo", "confidence": )" + std::to_string(confidence_pct) + "}]";
  d.threshold_pct = 70;
  d.review_enabled = true;
  d.source = std::string(db::kDetectionSourceApi);
  return d;
}

TEST_F(ServerTest, ReviewQueueOverHttp) {
  ASSERT_TRUE(env->detections->Insert(ExampleDetection("det-review", 42.0)).ok());
  review::ReviewInput input;
  input.image_key = "images_for_detection/det-review.jpg";
  input.detection_request_id = "det-review";
  input.source = std::string(review::kSourceLowConfidence);
  input.model_label = "amazon_logo";
  input.model_confidence_pct = 42.0;
  input.candidate_labels = {"amazon_logo", "aws_logo"};
  auto task = env->reviews->CreateTask(input);
  ASSERT_TRUE(task.ok()) << task.status().ToString();

  const SessionCredentials& reviewer = env->sessions.at(Role::kReviewer);
  httplib::Headers cookie = {{"Cookie", "labelloop_session=" + reviewer.id}, {"X-CSRF-Token", reviewer.csrf}};
  auto res = Send("POST", "/api/v1/reviews/next", "", cookie);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json claimed = ParseBody(res);
  EXPECT_EQ(claimed["name"], task->name);
  EXPECT_EQ(claimed["claimed_by"], UserOf(Role::kReviewer));
  EXPECT_EQ(claimed["image_url"], "/api/v1/objects/images_for_detection/det-review.jpg");
  EXPECT_EQ(claimed["candidate_labels"], json({"amazon_logo", "aws_logo"}));
  EXPECT_FALSE(claimed.contains("answers")) << "reviewers vote blind";

  std::string answer_path = "/api/v1/reviews/" + task->name + "/answer";
  ExpectErrorShape(Send("POST", answer_path, R"({"label": 5})", cookie), 400, "invalid_argument");
  ExpectErrorShape(Send("POST", answer_path, R"({})", cookie), 400, "invalid_argument");
  ExpectErrorShape(Send("POST", answer_path, R"({"label": "../x"})", cookie), 400, "invalid_argument");
  res = Send("POST", answer_path, R"({"label": "amazon_logo"})", cookie);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(ParseBody(res)["status"], "Completed");

  res = Send("POST", "/api/v1/reviews/next", "", cookie);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204) << res->body;
  res = Send("GET", "/api/v1/reviews?status=Completed", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json page = ParseBody(res);
  EXPECT_EQ(page["total"], 1);
  ASSERT_EQ(page["reviews"].size(), 1u);
  EXPECT_EQ(page["reviews"][0]["final_label"], "amazon_logo");
  EXPECT_EQ(page["reviews"][0]["answers"][0]["reviewer"], UserOf(Role::kReviewer));
  ExpectErrorShape(Send("GET", "/api/v1/reviews?status=Bogus", "", Bearer(Role::kAdmin)), 400, "invalid_argument");
  ExpectErrorShape(Send("GET", "/api/v1/reviews/no-such-task", "", Bearer(Role::kReviewer)), 404, "not_found");

  res = Send("GET", "/api/v1/agreement", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(ParseBody(res)["versions"].is_array());
}

// What the portal does: POST /reviews/next hands out the most uncertain detection first,
// and the queue-ordered list it prefetches from agrees; each task says why it is there.
TEST_F(ServerTest, ReviewQueueHandsOutTheMostUncertainTaskFirst) {
  const std::vector<std::pair<std::string, std::string>> logged = {
      {"rank-sure", R"([{"name": "amazon_logo", "confidence": 90}, {"name": "aws_logo", "confidence": 6}])"},
      {"rank-torn", R"([{"name": "amazon_logo", "confidence": 47}, {"name": "aws_logo", "confidence": 45}])"},
      {"rank-half", R"([{"name": "amazon_logo", "confidence": 60}, {"name": "aws_logo", "confidence": 30}])"}};
  std::map<std::string, std::string> task_of;  // detection -> task
  for (const auto& [id, labels] : logged) {
    db::Detection d = ExampleDetection(id, 50);
    d.labels_json = labels;
    ASSERT_TRUE(env->detections->Insert(d).ok());
    auto task = env->reviews->CreateTask({.image_key = d.image_key, .detection_request_id = id,
                                          .source = std::string(review::kSourceLowConfidence),
                                          .model_label = "amazon_logo", .model_confidence_pct = 50,
                                          .candidate_labels = {"amazon_logo", "aws_logo"}});
    ASSERT_TRUE(task.ok()) << task.status().ToString();
    task_of[id] = task->name;
    env->clock.AdvanceMs(1000);  // the most uncertain is neither the oldest nor the newest
  }
  const auto ours = [&](const json& page) {
    std::vector<std::string> names;
    for (const json& t : page["reviews"]) {
      for (const auto& [id, name] : task_of) {
        if (t["name"] == name) names.push_back(id);
      }
    }
    return names;
  };
  auto res = Send("GET", "/api/v1/reviews?status=InProgress&order=queue", "", Bearer(Role::kReviewer));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(ours(ParseBody(res)), (std::vector<std::string>{"rank-torn", "rank-half", "rank-sure"}));
  res = Send("GET", "/api/v1/reviews?status=InProgress", "", Bearer(Role::kReviewer));
  ASSERT_TRUE(res);
  EXPECT_EQ(ours(ParseBody(res)), (std::vector<std::string>{"rank-half", "rank-torn", "rank-sure"}));  // newest first
  ExpectErrorShape(Send("GET", "/api/v1/reviews?order=oldest", "", Bearer(Role::kReviewer)), 400, "invalid_argument");

  const SessionCredentials& reviewer = env->sessions.at(Role::kReviewer);
  httplib::Headers cookie = {{"Cookie", "labelloop_session=" + reviewer.id}, {"X-CSRF-Token", reviewer.csrf}};
  res = Send("POST", "/api/v1/reviews/next", "", cookie);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json claimed = ParseBody(res);
  EXPECT_EQ(claimed["name"], task_of["rank-torn"]);
  EXPECT_EQ(claimed["selection"], "uncertainty");
  EXPECT_NEAR(claimed["priority"].get<double>(), 0.98, 1e-9);  // 47 against 45: a margin of 2 points
  for (const auto& [id, name] : task_of) ASSERT_TRUE(env->reviews->Stop(name).ok());
}

TEST_F(ServerTest, DetectionLogOverHttp) {
  for (int i = 0; i < 3; ++i) {
    env->clock.AdvanceMs(1000);
    db::Detection d = ExampleDetection("det-log-" + std::to_string(i), 15.0 + 30 * i);
    if (i == 1) d.requested_by = "consumer-token";  // the consumer's own detection
    ASSERT_TRUE(env->detections->Insert(d).ok());
  }
  auto res = Send("GET", "/api/v1/detections?q=det-log&limit=2", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json page = ParseBody(res);
  EXPECT_EQ(page["total"], 3);
  ASSERT_EQ(page["detections"].size(), 2u);
  EXPECT_EQ(page["detections"][0]["request_id"], "det-log-2");  // newest first
  EXPECT_EQ(page["detections"][0]["labels"][0]["name"], "amazon_logo");
  EXPECT_EQ(page["detections"][0]["review_status"], "not_reviewed");
  ASSERT_TRUE(page["next_cursor"].is_string());
  res = Send("GET", "/api/v1/detections?q=det-log&limit=2&cursor=" + page["next_cursor"].get<std::string>(), "",
             Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  page = ParseBody(res);
  ASSERT_EQ(page["detections"].size(), 1u);
  EXPECT_EQ(page["detections"][0]["request_id"], "det-log-0");
  EXPECT_TRUE(page["next_cursor"].is_null());
  ExpectErrorShape(Send("GET", "/api/v1/detections?review_status=maybe", "", Bearer(Role::kAdmin)), 400,
                   "invalid_argument");
  ExpectErrorShape(Send("GET", "/api/v1/detections?sampled=perhaps", "", Bearer(Role::kAdmin)), 400,
                   "invalid_argument");

  res = Send("GET", "/api/v1/detections/det-log-1", "", Bearer(Role::kConsumer));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_DOUBLE_EQ(ParseBody(res)["confidence"].get<double>(), 45.0);
  ExpectErrorShape(Send("GET", "/api/v1/detections/nope", "", Bearer(Role::kConsumer)), 404, "not_found");
  // Someone else's detection looks absent to a consumer; an admin sees it.
  ExpectErrorShape(Send("GET", "/api/v1/detections/det-log-0", "", Bearer(Role::kConsumer)), 404, "not_found");
  res = Send("GET", "/api/v1/detections/det-log-0", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;

  res = Send("GET", "/api/v1/detections/histogram?version=v1", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json bins = ParseBody(res)["bins"];
  ASSERT_EQ(bins.size(), 10u);
  EXPECT_GE(bins[1]["count"].get<int>(), 1);  // 15.0
  EXPECT_GE(bins[7]["count"].get<int>(), 1);  // 75.0
  ExpectErrorShape(Send("GET", "/api/v1/detections/histogram", "", Bearer(Role::kAdmin)), 400, "invalid_argument");
}

TEST_F(ServerTest, ModelsNotificationsSchedulesExecutionsOverHttp) {
  db::ModelVersion version;
  version.name = "labelloop.v1";
  version.status = std::string(db::kTrainingCompleted);
  version.created_ms = env->clock.NowMs();
  version.labels = {"amazon_logo", "aws_logo"};
  version.f1 = 0.93;
  ASSERT_TRUE(env->metadata->CreateModelVersion(version).ok());
  ASSERT_TRUE(env->metadata->PutEvaluation(version.name, R"({"f1": 0.93})").ok());
  auto res = Send("GET", "/api/v1/models", "", Bearer(Role::kConsumer));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(ParseBody(res)["models"][0]["version"], "labelloop.v1");
  res = Send("GET", "/api/v1/models/labelloop.v1", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_DOUBLE_EQ(ParseBody(res)["evaluation"]["f1"].get<double>(), 0.93);
  ExpectErrorShape(Send("POST", "/api/v1/models/labelloop.v1/start", "", Bearer(Role::kAdmin)), 503, "unavailable");
  ExpectErrorShape(Send("GET", "/api/v1/models/labelloop.v9", "", Bearer(Role::kAdmin)), 404, "not_found");

  auto id = env->notifier->Publish("Model trained", {{"version", "labelloop.v1"}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  res = Send("GET", "/api/v1/notifications?limit=5", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json inbox = ParseBody(res)["notifications"];
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0]["subject"], "Model trained");
  EXPECT_EQ(inbox[0]["body"]["version"], "labelloop.v1");
  EXPECT_EQ(inbox[0]["read"], false);
  res = Send("POST", "/api/v1/notifications/" + std::to_string(*id) + "/read", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  ExpectErrorShape(Send("POST", "/api/v1/notifications/abc/read", "", Bearer(Role::kAdmin)), 400, "invalid_argument");
  res = Send("GET", "/api/v1/notifications/deliveries", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;

  res = Send("GET", "/api/v1/schedules", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(ParseBody(res)["schedules"].size(), 2u);
  res = Send("POST", "/api/v1/schedules/training-poll/trigger", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 202) << res->body;
  ExpectErrorShape(Send("POST", "/api/v1/schedules/coffee-break/trigger", "", Bearer(Role::kAdmin)), 404,
                   "not_found");

  auto execution = env->engine->StartExecution({{"hello", "world"}}, "detection");
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  env->engine->RunUntilIdle();
  res = Send("GET", "/api/v1/executions?branch=detection&status=SUCCEEDED", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json executions = ParseBody(res)["executions"];
  ASSERT_EQ(executions.size(), 1u);
  EXPECT_EQ(executions[0]["id"], *execution);
  res = Send("GET", "/api/v1/executions/" + *execution, "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json one = ParseBody(res);
  EXPECT_EQ(one["input"]["hello"], "world");
  EXPECT_GE(one["history"].size(), 3u);
  EXPECT_EQ(one["history"][0]["type"], "ExecutionStarted");
  res = Send("GET", "/api/v1/statemachine", "", Bearer(Role::kAdmin));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(ParseBody(res)["StartAt"], "Hello");
}

// Issue 9: the first admin's one-time password must be changed before anything else.
TEST_F(ServerTest, AOneTimePasswordMustBeChangedBeforeAnythingElse) {
  auto hash = auth::HashPassword("one-time password 1");
  ASSERT_TRUE(hash.ok());
  ASSERT_TRUE(env->auth_db->CreateUser(db::UserRecord{"fresh-admin", "admin", *hash, env->clock.NowMs(), std::nullopt,
                                                      /*must_change_password=*/true})
                  .ok());
  auto res = Send("POST", "/api/v1/session", json{{"user", "fresh-admin"}, {"password", "one-time password 1"}}.dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(ParseBody(res)["must_change_password"], true);
  SessionCredentials first = LoginOverHttp("fresh-admin", "one-time password 1");
  httplib::Headers cookie = {{"Cookie", "labelloop_session=" + first.id}, {"X-CSRF-Token", first.csrf}};
  res = Send("GET", "/api/v1/parameters", "", cookie);
  ExpectErrorShape(res, 403, "permission_denied");
  EXPECT_NE(res->body.find("must change it first"), std::string::npos) << res->body;
  ExpectErrorShape(Send("POST", "/api/v1/schedules/training-poll/trigger", "", cookie), 403, "permission_denied");
  res = Send("GET", "/api/v1/session", "", cookie);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(ParseBody(res)["must_change_password"], true);

  const std::string change = "/api/v1/session/password";
  ExpectErrorShape(Send("POST", change, json{{"current_password", "wrong"}, {"new_password", "brand new pass"}}.dump(),
                        cookie),
                   403, "permission_denied");
  ExpectErrorShape(
      Send("POST", change,
           json{{"current_password", "one-time password 1"}, {"new_password", "one-time password 1"}}.dump(), cookie),
      400, "invalid_argument");
  ExpectErrorShape(Send("POST", change, json{{"current_password", "one-time password 1"}}.dump(), cookie), 400,
                   "invalid_argument");
  ExpectErrorShape(Send("POST", change,
                        json{{"current_password", "x"}, {"new_password", "brand new pass"}}.dump(), Bearer(Role::kAdmin)),
                   400, "invalid_argument");
  res = Send("POST", change,
             json{{"current_password", "one-time password 1"}, {"new_password", "brand new pass"}}.dump(), cookie);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json session = ParseBody(res);
  EXPECT_EQ(session["must_change_password"], false);
  std::string set_cookie = res->get_header_value("Set-Cookie");
  size_t start = set_cookie.find('=') + 1;
  const std::string new_id = set_cookie.substr(start, set_cookie.find(';') - start);
  EXPECT_NE(new_id, first.id);
  ExpectErrorShape(Send("GET", "/api/v1/session", "", cookie), 401, "unauthenticated");
  res = Send("GET", "/api/v1/parameters", "", {{"Cookie", "labelloop_session=" + new_id}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  LoginOverHttp("fresh-admin", "brand new pass");
  ASSERT_TRUE(env->auth->RemoveUser("fresh-admin").ok());
}

// Last: it trips the rate limiter for 127.0.0.1, then moves the clock past its window.
TEST_F(ServerTest, LoginRateLimitIs429WithRetryAfter) {
  auto wrong_login = [] {
    return Send("POST", "/api/v1/session", json{{"user", "consumer-user"}, {"password", "wrong guess"}}.dump());
  };
  auto res = wrong_login();
  for (int attempt = 0; attempt < 10 && res && res->status == 401; ++attempt) res = wrong_login();
  ExpectErrorShape(res, 429, "resource_exhausted");
  std::string retry_after = res->get_header_value("Retry-After");
  ASSERT_FALSE(retry_after.empty());
  EXPECT_GT(std::stoi(retry_after), 0);
  env->clock.AdvanceMs(16 * 60 * 1000);
  LoginOverHttp(UserOf(Role::kConsumer), kPassword);
}

TEST(ServerLifecycleTest, CreateRefusesBadOptionsAndStopEndsOpenStreams) {
  FakeClock clock;
  auto bucket = store::NewMemoryObjectStore(&clock);
  auto auth_db = db::OpenSqliteAuthDb(":memory:", &clock);
  ASSERT_TRUE(auth_db.ok());
  auth::AuthService auth(auth_db->get(), &clock);
  ServerDeps deps;
  deps.bucket = bucket.get();
  deps.auth = &auth;
  deps.clock = &clock;

  ServerOptions bad;
  bad.port = 70000;
  EXPECT_EQ(Server::Create(bad, deps).status().code(), StatusCode::kInvalidArgument);
  bad = ServerOptions();
  bad.max_connections = 1;
  EXPECT_EQ(Server::Create(bad, deps).status().code(), StatusCode::kInvalidArgument);
  ServerDeps no_auth = deps;
  no_auth.auth = nullptr;
  EXPECT_EQ(Server::Create(ServerOptions(), no_auth).status().code(), StatusCode::kInvalidArgument);
  ServerOptions tls;
  tls.tls = TlsFiles{"/nonexistent/cert.pem", "/nonexistent/key.pem"};
  EXPECT_EQ(Server::Create(tls, deps).status().code(), StatusCode::kFailedPrecondition);

  ASSERT_TRUE(auth.AddUser("root", kPassword, Role::kAdmin).ok());
  auto token = auth.CreateToken("stream", Role::kAdmin);
  ASSERT_TRUE(token.ok());
  ServerOptions options;
  options.port = 0;
  options.max_event_streams = 2;
  auto created = Server::Create(options, deps);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::unique_ptr<Server> server = std::move(*created);
  ASSERT_TRUE(server->Start().ok());
  EXPECT_GT(server->port(), 0);
  EXPECT_EQ(server->url(), "http://127.0.0.1:" + std::to_string(server->port()));
  EXPECT_EQ(server->Start().code(), StatusCode::kFailedPrecondition);

  // A second server on the same port cannot bind.
  ServerOptions same_port;
  same_port.port = server->port();
  auto second = Server::Create(same_port, deps);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)->Start().code(), StatusCode::kUnavailable);

  httplib::Headers bearer = {{"Authorization", "Bearer " + token->token}};
  std::vector<std::promise<void>> connected(2);
  std::vector<std::thread> streams;
  for (int i = 0; i < 2; ++i) {
    streams.emplace_back([&, i] {
      httplib::Client client("127.0.0.1", server->port());
      bool signalled = false;
      client.Get("/api/v1/stream", bearer, [&](const char* data, size_t length) {
        if (!signalled && std::string_view(data, length).find(": connected") != std::string_view::npos) {
          signalled = true;
          connected[i].set_value();
        }
        return true;
      });
      if (!signalled) connected[i].set_value();
    });
  }
  for (auto& c : connected) c.get_future().wait();
  // The cap: a third stream is refused while two are open.
  httplib::Client client("127.0.0.1", server->port());
  auto res = client.Get("/api/v1/stream", bearer);
  EXPECT_TRUE(res && res->status == 503) << (res ? res->body : httplib::to_string(res.error()));
  auto started = std::chrono::steady_clock::now();
  server->Stop();
  for (auto& t : streams) t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  server->Stop();  // idempotent
}

}  // namespace
}  // namespace labelloop::http
