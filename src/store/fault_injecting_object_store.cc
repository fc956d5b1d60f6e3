#include "store/fault_injecting_object_store.h"

#include <fmt/format.h>

#include <algorithm>

#include "store/object_keys.h"

namespace labelloop::store {
namespace {

size_t Index(ObjectStoreVerb verb) { return static_cast<size_t>(verb); }

}  // namespace

std::string_view ObjectStoreVerbName(ObjectStoreVerb verb) {
  switch (verb) {
    case ObjectStoreVerb::kPut: return "Put";
    case ObjectStoreVerb::kGet: return "Get";
    case ObjectStoreVerb::kHead: return "Head";
    case ObjectStoreVerb::kList: return "List";
    case ObjectStoreVerb::kCopy: return "Copy";
    case ObjectStoreVerb::kDelete: return "Delete";
  }
  return "?";
}

void FaultInjectingObjectStore::FailNextCalls(ObjectStoreVerb verb, int count, StatusCode code) {
  std::lock_guard lock(mu_);
  next_[Index(verb)].remaining += count;
  next_[Index(verb)].code = code;
}

void FaultInjectingObjectStore::FailMatching(std::string prefix, std::vector<ObjectStoreVerb> verbs,
                                             StatusCode code) {
  std::lock_guard lock(mu_);
  prefix_faults_.push_back(PrefixFault{std::move(prefix), std::move(verbs), code});
}

void FaultInjectingObjectStore::CrashNextPut(std::string key) {
  std::lock_guard lock(mu_);
  crash_puts_.push_back(std::move(key));
}

void FaultInjectingObjectStore::DropNextPutReply(std::string key) {
  std::lock_guard lock(mu_);
  dropped_replies_.push_back(std::move(key));
}

void FaultInjectingObjectStore::ClearFaults() {
  std::lock_guard lock(mu_);
  next_ = {};
  prefix_faults_.clear();
  crash_puts_.clear();
  dropped_replies_.clear();
}

int FaultInjectingObjectStore::CallCount(ObjectStoreVerb verb) const {
  std::lock_guard lock(mu_);
  return calls_[Index(verb)];
}

int FaultInjectingObjectStore::InjectedFaultCount() const {
  std::lock_guard lock(mu_);
  return injected_;
}

Status FaultInjectingObjectStore::Check(ObjectStoreVerb verb, std::vector<std::string_view> keys,
                                        const std::string* list_prefix) {
  std::lock_guard lock(mu_);
  ++calls_[Index(verb)];
  const std::string what = fmt::format(
      "injected fault: {} of {}", ObjectStoreVerbName(verb),
      list_prefix != nullptr ? "prefix " + QuoteKey(*list_prefix) : QuoteKey(keys.empty() ? "" : keys[0]));
  CountFault& next = next_[Index(verb)];
  if (next.remaining > 0) {
    --next.remaining;
    ++injected_;
    return Status(next.code, what);
  }
  for (const PrefixFault& fault : prefix_faults_) {
    if (!fault.verbs.empty() && std::find(fault.verbs.begin(), fault.verbs.end(), verb) == fault.verbs.end()) {
      continue;
    }
    const bool touches =
        list_prefix != nullptr
            ? list_prefix->starts_with(fault.prefix) || fault.prefix.starts_with(*list_prefix)
            : std::any_of(keys.begin(), keys.end(), [&](std::string_view k) { return k.starts_with(fault.prefix); });
    if (touches) {
      ++injected_;
      return Status(fault.code, what + fmt::format(" (keys under {})", QuoteKey(fault.prefix)));
    }
  }
  if (verb == ObjectStoreVerb::kPut) {
    auto it = std::find_if(crash_puts_.begin(), crash_puts_.end(),
                           [&](const std::string& k) { return k.empty() || k == keys[0]; });
    if (it != crash_puts_.end()) {
      crash_puts_.erase(it);
      ++injected_;
      return UnavailableError(fmt::format("injected crash in the middle of Put of {}", QuoteKey(keys[0])));
    }
  }
  return OkStatus();
}

Result<ObjectInfo> FaultInjectingObjectStore::Put(const std::string& key, const std::string& data) {
  RETURN_IF_ERROR(Check(ObjectStoreVerb::kPut, {key}, nullptr));
  Result<ObjectInfo> result = base_.Put(key, data);
  if (!result.ok()) return result;
  std::lock_guard lock(mu_);
  auto it = std::find_if(dropped_replies_.begin(), dropped_replies_.end(),
                         [&](const std::string& k) { return k.empty() || k == key; });
  if (it == dropped_replies_.end()) return result;
  dropped_replies_.erase(it);
  ++injected_;
  return UnavailableError(fmt::format("injected fault: the reply to Put of {} was lost (the object was stored)",
                                      QuoteKey(key)));
}

Result<std::string> FaultInjectingObjectStore::Get(const std::string& key) {
  RETURN_IF_ERROR(Check(ObjectStoreVerb::kGet, {key}, nullptr));
  return base_.Get(key);
}

Result<ObjectInfo> FaultInjectingObjectStore::Head(const std::string& key) {
  RETURN_IF_ERROR(Check(ObjectStoreVerb::kHead, {key}, nullptr));
  return base_.Head(key);
}

Result<ListResult> FaultInjectingObjectStore::List(const std::string& prefix,
                                                   const std::string& continuation_token, int max_keys) {
  RETURN_IF_ERROR(Check(ObjectStoreVerb::kList, {}, &prefix));
  return base_.List(prefix, continuation_token, max_keys);
}

Result<ObjectInfo> FaultInjectingObjectStore::Copy(const std::string& source_key,
                                                   const std::string& destination_key) {
  RETURN_IF_ERROR(Check(ObjectStoreVerb::kCopy, {source_key, destination_key}, nullptr));
  return base_.Copy(source_key, destination_key);
}

Status FaultInjectingObjectStore::Delete(const std::string& key) {
  RETURN_IF_ERROR(Check(ObjectStoreVerb::kDelete, {key}, nullptr));
  return base_.Delete(key);
}

}  // namespace labelloop::store
