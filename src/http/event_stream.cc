// GET /api/v1/stream: server-sent events from the EventHub. Each open stream holds one
// server worker, so their number is capped (503 beyond it); a stream sends a keep-alive
// comment every sse_keepalive_ms (which also notices a gone client), ends after
// sse_max_idle_ms without events and at Server::Stop. Last-Event-ID resumes after the
// last event the browser saw.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <memory>

#include "http/call_util.h"
#include "http/handlers.h"

namespace labelloop::http {
namespace {

struct StreamState {
  int64_t after_id = 0;
  bool greeted = false;
  std::chrono::steady_clock::time_point last_event;
};

std::string FormatEvent(const ServerEvent& event) {
  std::string type = event.type;
  std::erase_if(type, [](char c) { return c == '\n' || c == '\r'; });
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", event.id, type,
                     event.data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

Status HandleStream(Call& call) {
  EventHub* hub = &call.events;
  if (!hub->TryAcquireStream(call.options.max_event_streams)) {
    call.response.set_header("Retry-After", "10");
    return UnavailableError(fmt::format("too many open event streams (limit {}); close another console tab",
                                        call.options.max_event_streams));
  }
  auto state = std::make_shared<StreamState>();
  state->after_id = hub->last_id();
  std::string last_seen = call.request.get_header_value("Last-Event-ID");
  int64_t resume_id = 0;
  auto [end, ec] = std::from_chars(last_seen.data(), last_seen.data() + last_seen.size(), resume_id);
  if (!last_seen.empty() && ec == std::errc() && end == last_seen.data() + last_seen.size() && resume_id >= 0 &&
      resume_id <= state->after_id) {
    state->after_id = resume_id;
  }
  state->last_event = std::chrono::steady_clock::now();
  const auto keepalive = std::chrono::milliseconds(call.options.sse_keepalive_ms);
  const auto max_idle = std::chrono::milliseconds(call.options.sse_max_idle_ms);

  call.response.status = 200;
  call.response.set_header("Cache-Control", "no-store");
  call.response.set_chunked_content_provider(
      "text/event-stream",
      [hub, state, keepalive, max_idle](size_t, DataSink& sink) {
        try {
          if (!state->greeted) {
            state->greeted = true;
            std::string hello = "retry: 3000\n: connected\n\n";
            return sink.write(hello.data(), hello.size());
          }
          std::vector<ServerEvent> events = hub->WaitAfter(state->after_id, keepalive);
          if (hub->closed()) {
            sink.done();
            return true;
          }
          auto now = std::chrono::steady_clock::now();
          if (events.empty()) {
            if (now - state->last_event >= max_idle) {
              sink.done();
              return true;
            }
            std::string ping = ": keep-alive\n\n";
            return sink.write(ping.data(), ping.size());
          }
          std::string text;
          for (const ServerEvent& event : events) text += FormatEvent(event);
          state->after_id = events.back().id;
          state->last_event = now;
          return sink.write(text.data(), text.size());
        } catch (const std::exception& e) {
          spdlog::error("event stream failed: {}", e.what());
          return false;
        }
      },
      [hub](bool) { hub->ReleaseStream(); });
  return OkStatus();
}

}  // namespace labelloop::http
