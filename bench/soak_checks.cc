#include "soak_checks.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <set>
#include <thread>

#include "../tests/cli/cli_runner.h"

namespace labelloop::soak {
namespace {

using e2e::ApiAnswer;
using e2e::PercentEncode;
using nlohmann::json;

constexpr size_t kNoteExamples = 3;

// Pages through a list route: `items` is the array's name, `next` the cursor's field and
// `param` the query parameter it goes back in.
std::vector<json> Paged(RetryingApi& api, const std::string& path, const std::string& items, const std::string& next,
                        const std::string& param) {
  std::vector<json> out;
  std::string cursor;
  const char sep = path.find('?') == std::string::npos ? '?' : '&';
  for (int page = 0; page < 1000; ++page) {
    ApiAnswer a = api.Get(path + sep + "limit=1000" + (cursor.empty() ? "" : "&" + param + "=" + PercentEncode(cursor)));
    if (a.status != 200 || !a.json.is_object()) throw std::runtime_error("GET " + path + ": " + a.body);
    for (const json& item : a.json.value(items, json::array())) out.push_back(item);
    if (!a.json[next].is_string()) break;
    cursor = a.json[next].get<std::string>();
  }
  return out;
}

std::string Str(size_t n) { return std::to_string(n); }

void Note(SoakReport& report, const std::string& what, const std::vector<std::string>& examples) {
  if (examples.empty()) return;
  std::string line = what + " (" + Str(examples.size()) + "):";
  for (size_t i = 0; i < std::min(examples.size(), kNoteExamples); ++i) line += " " + examples[i];
  if (examples.size() > kNoteExamples) line += " ...";
  report.notes.push_back(line);
}

std::string KeyOf(const json& execution) { return execution.value("input", json::object()).value("key", ""); }

// A number field, or `fallback` when it is absent or not a number (a pending row has none).
double Number(const json& j, const char* field, double fallback) {
  return j.contains(field) && j[field].is_number() ? j[field].get<double>() : fallback;
}

// A row of the detection log that holds a result (an image still waiting for a model is
// logged without a confidence).
bool IsDetected(const json& d) { return d.contains("confidence") && d["confidence"].is_number(); }

// Every uploaded image detected exactly once; the errors of the executions that lost one.
void CheckDetections(const std::vector<json>& detections, const std::vector<json>& executions, const SoakFacts& facts,
                     SoakReport& report) {
  std::map<std::string, int> per_key;
  std::vector<std::string> pending;
  for (const json& d : detections) {
    if (IsDetected(d)) {
      ++per_key[d.value("image_key", "")];
    } else {
      pending.push_back(d.value("image_key", ""));
    }
  }
  Note(report, "images still waiting for a model at the end", pending);
  std::vector<std::string> lost, duplicated;
  for (const std::string& key : facts.inference_keys) {
    const int n = per_key[key];
    if (n == 0) lost.push_back(key);
    if (n > 1) duplicated.push_back(key + " x" + std::to_string(n));
  }
  const size_t n = facts.inference_keys.size();
  report.Add("inference images uploaded", "-", Str(n), std::nullopt);
  report.Add("detected exactly once", Str(n), Str(n - lost.size() - duplicated.size()),
             lost.empty() && duplicated.empty());
  report.Add("detections duplicated", "0", Str(duplicated.size()), duplicated.empty());
  report.Add("images lost (never detected)", "0", Str(lost.size()), lost.empty());
  Note(report, "duplicated detections", duplicated);
  std::set<std::string> lost_set(lost.begin(), lost.end());
  std::vector<std::string> causes;
  for (const json& e : executions) {
    if (e.value("status", "") == "FAILED" && lost_set.contains(KeyOf(e))) {
      causes.push_back(KeyOf(e) + ": " + e.value("cause", json("")).dump());
    }
  }
  Note(report, "failed detection executions of lost images", causes);
}

// Every review answer given is recorded and copied exactly once (None of the Above: never).
void CheckReviews(const std::vector<json>& reviews, const std::vector<json>& labelled_objects,
                  const std::map<std::string, json>& detection_by_id, const SoakFacts& facts, SoakReport& report) {
  std::map<std::string, json> by_name;
  for (const json& r : reviews) by_name[r.value("name", "")] = r;
  std::vector<std::string> wrong;
  size_t once = 0;
  for (const auto& [name, label] : facts.answers) {
    int copies = 0;
    std::string copy;
    for (const json& o : labelled_objects) {
      const std::string key = o.value("key", "");
      if (key.find("/humanLoopName-" + name + "-") != std::string::npos) ++copies, copy = key;
    }
    const json& task = by_name[name];
    const json& d = detection_by_id.contains(task.value("detection_request_id", "")) ?
                        detection_by_id.at(task.value("detection_request_id", "")) : json::object();
    const int expected = label.is_null() ? 0 : 1;
    const bool logged = task.value("status", "") == "Completed" && d.value("review_status", "") == "completed" &&
                        (expected == 0 ? d["human_copied_key"].is_null() : d.value("human_copied_key", json()) == copy);
    if (copies == expected && logged) {
      ++once;
    } else {
      wrong.push_back(name + " (" + label.dump() + ": " + std::to_string(copies) + " copies, task " +
                      task.value("status", "?") + ", log " + d.value("human_copied_key", json()).dump() + ")");
    }
  }
  report.Add("review answers given (API)", "-", Str(facts.answers.size()), std::nullopt);
  report.Add("answers recorded and copied exactly once", Str(facts.answers.size()), Str(once), wrong.empty());
  Note(report, "answers not copied exactly once", wrong);
}

// No execution left RUNNING; no object processed by two executions.
void CheckExecutions(const std::vector<json>& executions, SoakReport& report) {
  std::vector<std::string> stuck, duplicated, failed;
  std::map<std::string, int> succeeded_per_object;
  for (const json& e : executions) {
    const std::string status = e.value("status", ""), branch = e.value("branch", "");
    if (status == "RUNNING") stuck.push_back(e.value("id", "") + " (" + branch + " at " + e.value("current_state", "") + ")");
    if (status == "FAILED") failed.push_back(e.value("id", "") + " (" + branch + ": " + e.value("cause", json("")).dump() + ")");
    if (status == "SUCCEEDED" && (branch == "detection" || branch == "review-output")) ++succeeded_per_object[KeyOf(e)];
  }
  for (const auto& [key, n] : succeeded_per_object) {
    if (n > 1) duplicated.push_back(key + " x" + std::to_string(n));
  }
  report.Add("executions", "-", Str(executions.size()) + " (" + Str(failed.size()) + " failed)", std::nullopt);
  report.Add("executions stuck (RUNNING at the end)", "0", Str(stuck.size()), stuck.empty());
  report.Add("objects processed by two executions", "0", Str(duplicated.size()), duplicated.empty());
  Note(report, "stuck executions", stuck);
  Note(report, "duplicated executions", duplicated);
  Note(report, "failed executions", failed);
}

void CheckVersions(RetryingApi& api, const SoakFacts& facts, SoakReport& report) {
  ApiAnswer a = api.Get("/api/v1/models");
  std::vector<json> versions = a.json.is_object() ? a.json.value("models", std::vector<json>{}) : std::vector<json>{};
  int running = 0;
  std::vector<std::string> listing;
  for (const json& v : versions) {
    running += v.value("status", "") == "RUNNING";
    listing.push_back(v.value("version", "") + " " + v.value("status", ""));
  }
  report.Add("model versions (one per training)", std::to_string(facts.trainings_caused), Str(versions.size()),
             int(versions.size()) == facts.trainings_caused);
  report.Add("versions RUNNING", "1", std::to_string(running), running == 1);
  // Newest first: the last training serves, the ones before it were stopped when it deployed.
  bool newest_serves = !versions.empty() && versions[0].value("status", "") == "RUNNING";
  for (size_t i = 1; i < versions.size(); ++i) newest_serves &= versions[i].value("status", "") == "STOPPED";
  report.Add("newest version RUNNING, older ones STOPPED", "yes", newest_serves ? "yes" : "no", newest_serves);
  if (int(versions.size()) != facts.trainings_caused || running != 1 || !newest_serves) Note(report, "versions", listing);
}

// The detection log, the review queue and the bucket tell the same story.
void CheckAgreement(const std::vector<json>& detections, const std::vector<json>& reviews,
                    const std::set<std::string>& bucket, const std::vector<json>& labelled_objects,
                    const SoakFacts& facts, SoakReport& report) {
  std::vector<std::string> problems;
  std::map<std::string, const json*> task_by_name;
  for (const json& r : reviews) task_by_name[r.value("name", "")] = &r;
  std::set<std::string> request_ids;
  for (const json& d : detections) {
    const std::string id = d.value("request_id", "");
    request_ids.insert(id);
    if (!bucket.contains(d.value("image_key", ""))) problems.push_back("detection " + id + ": image not in the bucket");
    const bool below = IsDetected(d) && Number(d, "confidence", 100.0) < Number(d, "threshold", 0.0) &&
                       d.value("review_enabled", json(false)) == json(true);
    const json task = d.value("review_task", json());
    if (below && task.is_null()) problems.push_back("detection " + id + ": below the threshold, no review task");
    if (task.is_string() && !task_by_name.contains(task.get<std::string>())) {
      problems.push_back("detection " + id + ": review task " + task.dump() + " not in the queue");
    }
    if (d["human_copied_key"].is_string() && !bucket.contains(d.value("human_copied_key", ""))) {
      problems.push_back("detection " + id + ": copy " + d["human_copied_key"].dump() + " not in the bucket");
    }
  }
  size_t completed = 0, copies = 0, outputs = 0;
  for (const json& r : reviews) {
    if (!request_ids.contains(r.value("detection_request_id", ""))) {
      problems.push_back("review " + r.value("name", "") + ": its detection is not in the log");
    }
    if (r.value("status", "") != "Completed") continue;
    ++completed;
    if (!bucket.contains(r.value("output_key", ""))) problems.push_back("review " + r.value("name", "") + ": no output.json");
  }
  for (const std::string& key : bucket) outputs += key.starts_with("a2i-human-loop-data/");
  for (const json& o : labelled_objects) copies += o.value("key", "").find("/humanLoopName-") != std::string::npos;
  if (outputs != completed) problems.push_back(Str(outputs) + " review outputs in the bucket, " + Str(completed) + " completed tasks");
  const size_t expected_labelled = 10 + copies + size_t(facts.extra_labelled);
  if (labelled_objects.size() != expected_labelled) {
    problems.push_back(Str(labelled_objects.size()) + " labelled images, expected " + Str(expected_labelled));
  }
  report.Add("detection log / review queue / bucket disagreements", "0", Str(problems.size()), problems.empty());
  Note(report, "disagreements", problems);
}

}  // namespace

bool SoakReport::AllPassed() const {
  return std::all_of(rows.begin(), rows.end(), [](const SoakRow& r) { return !r.pass || *r.pass; });
}

std::vector<json> AllDetections(RetryingApi& api) {
  return Paged(api, "/api/v1/detections", "detections", "next_cursor", "cursor");
}

std::vector<json> AllReviews(RetryingApi& api, const std::string& status) {
  return Paged(api, "/api/v1/reviews" + (status.empty() ? "" : "?status=" + status), "reviews", "next_cursor", "cursor");
}

std::vector<json> AllExecutions(RetryingApi& api, const std::string& status) {
  return Paged(api, "/api/v1/executions" + (status.empty() ? "" : "?status=" + status), "executions", "next_before",
               "before");
}

std::vector<json> AllObjects(RetryingApi& api, const std::string& prefix) {
  return Paged(api, "/api/v1/objects?prefix=" + PercentEncode(prefix), "objects", "continuation", "continuation");
}

bool WaitQuiescent(RetryingApi& api, int timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  std::string previous;
  int stable = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const size_t running = AllExecutions(api, "RUNNING").size();
    ApiAnswer d = api.Get("/api/v1/detections?limit=1");
    const std::string now = std::to_string(running) + "/" + d.json.value("total", json(-1)).dump() + "/" +
                            std::to_string(AllExecutions(api).size());
    stable = running == 0 && now == previous ? stable + 1 : 0;
    if (stable >= 3) return true;  // nothing running and nothing new over ~6 s
    previous = now;
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  return false;
}

void CheckLoop(RetryingApi& api, const SoakFacts& facts, SoakReport& report) {
  const std::vector<json> detections = AllDetections(api);
  const std::vector<json> reviews = AllReviews(api);
  const std::vector<json> executions = AllExecutions(api);
  const std::vector<json> labelled = AllObjects(api, "images_labeled_by_folder/");
  std::set<std::string> bucket;
  for (const json& o : AllObjects(api, "")) bucket.insert(o.value("key", ""));
  std::map<std::string, json> detection_by_id;
  for (const json& d : detections) detection_by_id[d.value("request_id", "")] = d;
  CheckDetections(detections, executions, facts, report);
  CheckReviews(reviews, labelled, detection_by_id, facts, report);
  CheckExecutions(executions, report);
  CheckVersions(api, facts, report);
  CheckAgreement(detections, reviews, bucket, labelled, facts, report);
}

json ComparableState(RetryingApi& api) {
  json detections = json::array();
  for (json d : AllDetections(api)) detections.push_back(std::move(d));
  json reviews = json::array();
  for (json r : AllReviews(api)) {
    r.erase("claimed_by");  // who holds a task is not state a restore must keep the same
    r.erase("claim_expires");
    reviews.push_back(std::move(r));
  }
  return {{"detections", detections}, {"reviews", reviews}, {"parameters", api.Get("/api/v1/parameters").json}};
}

}  // namespace labelloop::soak
