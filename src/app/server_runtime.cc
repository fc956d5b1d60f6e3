#include "app/server_runtime.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "app/app_context.h"
#include "app/builtin_statemachine.h"
#include "common/json_util.h"
#include "common/file_lock.h"
#include "db/detection_db.h"
#include "db/detection_queue_db.h"
#include "db/event_db.h"
#include "db/notification_db.h"
#include "db/stats_db.h"
#include "db/review_db.h"
#include "db/workflow_db.h"
#include "events/bucket_watcher.h"
#include "events/event_queue.h"
#include "flows/dashboard.h"
#include "flows/event_dispatcher.h"
#include "flows/flow_tasks.h"
#include "flows/pending_drainer.h"
#include "flows/readiness.h"
#include "flows/serving_controller.h"
#include "http/event_hub.h"
#include "http/server.h"
#include "notify/create_sinks.h"
#include "notify/notifier.h"
#include "params/parameter_store.h"
#include "review/review_service.h"
#include "review/sampling_service.h"
#include "schedule/scheduler.h"
#include "workflow/engine.h"
#include "workflow/state_machine.h"
#include "workflow/task_registry.h"

namespace labelloop::app {
namespace {

constexpr int64_t kMsPerMinute = 60'000;
constexpr int64_t kHousekeepingMs = 10'000;
// How often the server looks for start/stop requests made by the CLI in another process.
constexpr int64_t kServingPollMs = 500;
// How long Open waits for the data folder's lock (a CLI command holds it for a moment).
constexpr int kServeLockAttempts = 50;
constexpr int kServeLockRetryMs = 100;

Result<std::pair<std::string, int>> ParseListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return InvalidArgumentError(fmt::format("--listen must be HOST:PORT (e.g. 127.0.0.1:8080); got '{}'", listen));
  }
  const std::string port_text = listen.substr(colon + 1);
  char* end = nullptr;
  const long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port < 0 || port > 65535) {
    return InvalidArgumentError(fmt::format("--listen port must be 0-65535; got '{}'", port_text));
  }
  return std::make_pair(listen.substr(0, colon), int(port));
}

// Request bodies wait here while they upload: a hidden folder inside the bucket (so the
// local store renames them into place, and listings never show them), 0700, emptied of
// what a killed server left behind.
Result<std::string> PrepareUploadDir(const std::string& bucket_dir) {
  const std::filesystem::path dir = std::filesystem::path(bucket_dir) / ".uploads";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return UnavailableError(fmt::format("cannot create the upload folder '{}': {}", dir.string(), ec.message()));
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().filename().string().starts_with("labelloop-upload-")) std::filesystem::remove(entry.path(), ec);
  }
  return dir.string();
}

}  // namespace

struct ServerRuntime::Parts {
  ServeOptions options;
  const Clock* clock = SystemClock::Default();
  std::optional<FileLock> serve_lock;  // held while this server runs (ServeLockPath)
  std::unique_ptr<AppContext> ctx;
  std::unique_ptr<db::WorkflowDb> workflow_db;
  std::unique_ptr<db::EventDb> event_db;
  std::unique_ptr<db::NotificationDb> notification_db;
  std::unique_ptr<db::DetectionDb> detection_db;
  std::unique_ptr<db::DetectionQueueDb> detection_queue_db;
  std::unique_ptr<db::ReviewDb> review_db;
  std::unique_ptr<db::StatsDb> stats_db;  // read-only counts for /metrics
  params::ParameterStore* parameters = nullptr;   // owned by ctx
  schedule::Scheduler* scheduler = nullptr;   // owned by ctx
  std::unique_ptr<notify::Notifier> notifier;
  std::unique_ptr<review::ReviewService> reviews;
  std::unique_ptr<review::SamplingService> sampling;
  std::unique_ptr<events::EventQueue> queue;
  std::unique_ptr<flows::TrainingRunner> training;
  std::unique_ptr<flows::DetectionRunner> detection;
  std::unique_ptr<flows::SystemState> system;
  std::unique_ptr<flows::ServingController> serving;
  std::unique_ptr<flows::FlowTasks> tasks;
  std::unique_ptr<flows::PendingDrainer> drainer;
  workflow::TaskRegistry registry;
  std::unique_ptr<workflow::Engine> engine;
  std::unique_ptr<flows::EventDispatcher> dispatcher;
  std::unique_ptr<events::BucketWatcher> watcher;
  std::unique_ptr<http::Server> server;
  std::string first_admin_password;

  std::mutex mu;
  std::condition_variable stop_cv;
  bool stopping = false;  // GUARDED_BY(mu)
  std::thread housekeeping;
  bool started = false;

  Status Open(const std::string& data_dir);
  Status LockDataDir(const std::string& data_dir);
  Status Recover();
  void Housekeep();
  Result<nlohmann::json> Dashboard();
};

Status ServerRuntime::Parts::LockDataDir(const std::string& data_dir) {
  for (int attempt = 0; attempt < kServeLockAttempts; ++attempt) {
    ASSIGN_OR_RETURN(serve_lock, FileLock::TryAcquire(ServeLockPath(data_dir), FileLock::Mode::kExclusive));
    if (serve_lock) return OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(kServeLockRetryMs));
  }
  return FailedPreconditionError(fmt::format("another `labelloop serve` runs on {} (its lock {} is held)", data_dir,
                                             ServeLockPath(data_dir)));
}

Status ServerRuntime::Parts::Open(const std::string& data_dir) {
  ASSIGN_OR_RETURN(ctx, OpenAppContext(data_dir));
  RETURN_IF_ERROR(LockDataDir(data_dir));
  const std::string& path = ctx->config.database_path;
  ASSIGN_OR_RETURN(workflow_db, db::OpenSqliteWorkflowDb(path, clock));
  ASSIGN_OR_RETURN(event_db, db::OpenSqliteEventDb(path, clock));
  ASSIGN_OR_RETURN(notification_db, db::OpenSqliteNotificationDb(path, clock));
  ASSIGN_OR_RETURN(detection_db, db::OpenSqliteDetectionDb(path, clock));
  ASSIGN_OR_RETURN(detection_queue_db, db::OpenSqliteDetectionQueueDb(path, clock));
  ASSIGN_OR_RETURN(review_db, db::OpenSqliteReviewDb(path, clock));
  ASSIGN_OR_RETURN(stats_db, db::OpenSqliteStatsDb(path, clock));

  parameters = ctx->params.get();
  scheduler = ctx->schedules.get();
  ASSIGN_OR_RETURN(std::vector<std::unique_ptr<notify::Sink>> sinks, notify::CreateSinks(ctx->config.notify));
  notifier = std::make_unique<notify::Notifier>(notification_db.get(), std::move(sinks), clock,
                                               ctx->config.notify.delivery);
  reviews = std::make_unique<review::ReviewService>(review_db.get(), detection_db.get(), ctx->store.get(), clock,
                                                    ctx->config.review);
  sampling = std::make_unique<review::SamplingService>(detection_db.get(), review_db.get(), clock);
  queue = std::make_unique<events::EventQueue>(event_db.get(), clock);
  training = std::make_unique<flows::TrainingRunner>(ctx->models.get());
  detection = std::make_unique<flows::DetectionRunner>(ctx->models.get());
  system = std::make_unique<flows::SystemState>(parameters);
  serving = std::make_unique<flows::ServingController>(ctx->models.get(), ctx->db.get(), parameters, system.get(),
                                                       detection.get());

  flows::FlowDeps deps;
  deps.bucket = ctx->store.get();
  deps.models = ctx->models.get();
  deps.metadata = ctx->db.get();
  deps.params = parameters;
  deps.schedules = scheduler;
  deps.notifier = notifier.get();
  deps.reviews = reviews.get();
  deps.sampling = sampling.get();
  deps.detections = detection_db.get();
  deps.detection_queue = detection_queue_db.get();
  deps.events = queue.get();
  deps.training = training.get();
  deps.detection = detection.get();
  deps.serving = serving.get();
  deps.system = system.get();
  deps.clock = clock;
  tasks = std::make_unique<flows::FlowTasks>(deps, ctx->config.flows);
  RETURN_IF_ERROR(tasks->Register(registry));
  drainer = std::make_unique<flows::PendingDrainer>(tasks.get(), detection_queue_db.get(), clock);
  tasks->SetQueuedListener([d = drainer.get()] { d->Wake(); });
  serving->SetSwitchListener([d = drainer.get()](const flows::ServingChange&) { d->Wake(); });

  Result<workflow::StateMachine> machine =
      options.statemachine_path.empty()
          ? workflow::ParseStateMachine(BuiltinStateMachineJson(), registry)
          : workflow::LoadStateMachineFile(options.statemachine_path, registry);
  if (!machine.ok()) {
    return FailedPreconditionError(fmt::format("state machine {}: {}",
                                               options.statemachine_path.empty() ? "statemachines/default.json (built in)"
                                                                                 : options.statemachine_path,
                                               machine.status().message()));
  }
  workflow::EngineOptions engine_options;
  engine_options.worker_threads = options.engine_workers;
  ASSIGN_OR_RETURN(engine, workflow::Engine::Create(std::move(machine).value(), &registry, workflow_db.get(), clock,
                                                    engine_options));
  flows::DispatcherOptions dispatcher_options;
  dispatcher_options.wait_seconds = options.wait_seconds;
  dispatcher = std::make_unique<flows::EventDispatcher>(queue.get(), engine.get(), ctx->param_db.get(), scheduler,
                                                        clock, dispatcher_options);
  queue->SetWakeup([d = dispatcher.get()] { d->Wake(); });
  events::WatcherOptions watcher_options;
  watcher_options.poll_interval_ms = options.watch_interval_ms;
  watcher = std::make_unique<events::BucketWatcher>(ctx->store.get(), queue.get(), clock, watcher_options);

  ASSIGN_OR_RETURN(auto listen, ParseListen(options.listen));
  http::ServerOptions server_options;
  server_options.listen_host = listen.first;
  server_options.port = listen.second;
  server_options.metrics_open = ctx->config.metrics_open;
  server_options.trusted_proxies = ctx->config.trusted_proxies;
  // Uploads wait on disk next to the bucket, so the local store renames them into place.
  ASSIGN_OR_RETURN(server_options.upload_temp_dir, PrepareUploadDir(ctx->config.bucket_dir));
  if (!options.tls_cert_path.empty() || !options.tls_key_path.empty()) {
    server_options.tls = http::TlsFiles{options.tls_cert_path, options.tls_key_path};
  }
  http::ServerDeps server_deps;
  server_deps.bucket = ctx->store.get();
  server_deps.models = ctx->models.get();
  server_deps.params = parameters;
  server_deps.schedules = scheduler;
  server_deps.engine = engine.get();
  server_deps.notifier = notifier.get();
  server_deps.reviews = reviews.get();
  server_deps.sampling = sampling.get();
  server_deps.detections = detection_db.get();
  server_deps.detection_queue = detection_queue_db.get();
  server_deps.auth = ctx->auth.get();
  server_deps.metadata = ctx->db.get();
  server_deps.stats = stats_db.get();
  server_deps.clock = clock;
  server_deps.hooks.detect = [this](std::string_view bytes, std::string_view filename, int max_results,
                                    std::optional<double> min_confidence, std::string_view actor) {
    return tasks->DetectUpload(std::string(bytes), filename, max_results,
                               min_confidence.value_or(model::kEachLabelsThreshold), actor);
  };
  server_deps.hooks.object_created = [this](const std::string& key, const std::string& etag) {
    if (Result<db::InsertedEvent> queued = queue->ObjectCreated(key, etag, 0, "api"); !queued.ok()) {
      // The bucket watcher sees the object on its next poll; nothing is lost.
      spdlog::warn("upload event for {} not queued: {}", key, queued.status().ToString());
    }
  };
  server_deps.hooks.start_model = [this](const std::string& version) -> Status {
    return serving->StartVersion(version).status();
  };
  server_deps.hooks.stop_model = [this](const std::string& version) -> Status {
    return serving->StopVersion(version).status();
  };
  server_deps.hooks.ready = [this] {
    flows::Readiness r = flows::CheckReadiness(
        {ctx->db.get(), ctx->store.get(), ctx->models.get(), engine.get(), detection.get()});
    return std::make_pair(r.ready, std::move(r.body));
  };
  server_deps.hooks.export_onnx = [this](const std::string& version) { return ctx->models->ExportOnnx(version); };
  server_deps.hooks.dashboard = [this] { return Dashboard(); };
  ASSIGN_OR_RETURN(server, http::Server::Create(server_options, server_deps));

  engine->SetListener([hub = &server->events()](const db::ExecutionEvent& event) {
    hub->Publish("execution", {{"execution_id", event.execution_id}, {"type", event.type}, {"state", event.state_name}});
  });
  notifier->SetListener([hub = &server->events()](const notify::Notification& n) {
    hub->Publish("notification", {{"id", n.id}, {"subject", n.subject}});
  });
  return OkStatus();
}

Status ServerRuntime::Parts::Recover() {
  // Detection serves the RUNNING version at once (or the one a crash left STARTING). One
  // that cannot serve is logged; the poll tries again, and /api/v1/ready says so.
  if (Result<flows::ServingChange> change = serving->Reconcile(); !change.ok()) {
    spdlog::error("serving at start: {}", change.status().ToString());
  }
  // Schedules follow the parameters (they may have changed while the server was down).
  ASSIGN_OR_RETURN(const bool training_on, parameters->GetBool(params::kEnableAutomaticTraining));
  ASSIGN_OR_RETURN(const int64_t training_minutes, parameters->GetInt(params::kAutomaticTrainingPollFrequency));
  RETURN_IF_ERROR(scheduler->Configure(schedule::kTrainingPoll, training_on, training_minutes * kMsPerMinute));
  ASSIGN_OR_RETURN(const bool sampling_on, parameters->GetBool(params::kEnableAutomaticHumanSampling));
  ASSIGN_OR_RETURN(const int64_t sampling_minutes, parameters->GetInt(params::kAutomaticHumanSamplingFrequency));
  RETURN_IF_ERROR(scheduler->Configure(schedule::kSamplingPoll, sampling_on, sampling_minutes * kMsPerMinute));
  return dispatcher->InitializeParameterCursor();
}

void ServerRuntime::Parts::Housekeep() {
  std::unique_lock lock(mu);
  while (!stopping) {
    stop_cv.wait_for(lock, std::chrono::milliseconds(kHousekeepingMs), [&] { return stopping; });
    if (stopping) break;
    lock.unlock();
    Result<std::vector<db::ReviewTask>> expired = reviews->ExpireDue();
    if (!expired.ok()) {
      spdlog::warn("review expiry: {}", expired.status().ToString());
    } else {
      for (const db::ReviewTask& task : *expired) {
        if (Result<int64_t> n = notifier->Publish(fmt::format("Review task expired: {}", task.name),
                                                  {{"task", task.name}, {"image", task.image_key}, {"source", task.source}});
            !n.ok()) {
          spdlog::error("expiry notification: {}", n.status().ToString());
        }
      }
    }
    lock.lock();
  }
}

Result<nlohmann::json> ServerRuntime::Parts::Dashboard() {
  flows::DashboardSources sources{ctx->store.get(), ctx->db.get(), parameters, scheduler, reviews.get(),
                                  sampling.get(), engine.get(), notifier.get(), detection.get()};
  return flows::BuildDashboard(sources);
}

ServerRuntime::ServerRuntime(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

ServerRuntime::~ServerRuntime() { Stop(); }

Result<std::unique_ptr<ServerRuntime>> ServerRuntime::Open(const std::string& data_dir, const ServeOptions& options) {
  auto parts = std::make_unique<Parts>();
  parts->options = options;
  RETURN_IF_ERROR(parts->Open(data_dir));
  return std::unique_ptr<ServerRuntime>(new ServerRuntime(std::move(parts)));
}

Status ServerRuntime::Start() {
  Parts& p = *parts_;
  const char* env_password = std::getenv("LABELLOOP_ADMIN_PASSWORD");
  ASSIGN_OR_RETURN(std::optional<std::string> admin_password,
                   p.ctx->auth->BootstrapAdmin(env_password && *env_password ? std::optional<std::string>(env_password)
                                                                             : std::nullopt));
  if (admin_password) p.first_admin_password = *admin_password;
  RETURN_IF_ERROR(p.Recover());
  RETURN_IF_ERROR(p.notifier->Start());
  RETURN_IF_ERROR(p.engine->Start());
  p.serving->StartPolling(kServingPollMs);
  p.drainer->Start();
  RETURN_IF_ERROR(p.server->Start());
  p.dispatcher->Start();
  p.watcher->Start();
  p.housekeeping = std::thread([&p] { p.Housekeep(); });
  p.started = true;
  return OkStatus();
}

void ServerRuntime::Stop() {
  Parts& p = *parts_;
  if (!p.started) return;
  p.started = false;
  spdlog::info("stopping: no new requests or events; running steps finish, the rest stays durable");
  {
    std::lock_guard lock(p.mu);
    p.stopping = true;
  }
  p.stop_cv.notify_all();
  if (p.housekeeping.joinable()) p.housekeeping.join();
  p.server->Stop();
  p.watcher->Stop();
  p.dispatcher->Stop();
  p.drainer->Stop();
  p.engine->Stop();
  p.serving->StopPolling();
  p.notifier->Stop();
  // A training still running stays TRAINING_IN_PROGRESS; after a restart its execution
  // finds it orphaned and trains it again (TrainingRunner's destructor waits otherwise).
}

std::string ServerRuntime::url() const { return parts_->server->url(); }

const std::string& ServerRuntime::first_admin_password() const { return parts_->first_admin_password; }

}  // namespace labelloop::app
