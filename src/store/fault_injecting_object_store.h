// FaultInjectingObjectStore: wraps any ObjectStore and fails calls on command, so tests can
// check retries and crash safety without real faults (like leveldb's fault_injection_test).
// Faults: the next N calls of a verb; every call touching a key prefix; a crash in the
// middle of a Put (the call fails and the wrapped object is left unchanged). Thread-safe.
#pragma once

#include <array>
#include <mutex>
#include <string>
#include <vector>

#include "store/object_store.h"

namespace labelloop::store {

enum class ObjectStoreVerb { kPut, kGet, kHead, kList, kCopy, kDelete };
inline constexpr size_t kObjectStoreVerbCount = 6;
std::string_view ObjectStoreVerbName(ObjectStoreVerb verb);  // "Put", "Get", ...

class FaultInjectingObjectStore final : public ObjectStore {
 public:
  // REQUIRES: `base` outlives this wrapper.
  explicit FaultInjectingObjectStore(ObjectStore& base) : base_(base) {}

  // The next `count` calls of `verb` fail with `code` (Unavailable by default) and are not
  // passed on. Adds to any count already pending for that verb.
  void FailNextCalls(ObjectStoreVerb verb, int count, StatusCode code = StatusCode::kUnavailable);
  // Every call of a verb in `verbs` (all verbs when empty) that touches a key starting
  // with `prefix` fails with `code` until ClearFaults. List touches a prefix when its
  // listing could include such keys; Copy when either key matches.
  void FailMatching(std::string prefix, std::vector<ObjectStoreVerb> verbs = {},
                    StatusCode code = StatusCode::kUnavailable);
  // The next Put (to `key`, or to any key when empty) "crashes" half-way: it returns
  // Unavailable and the stored object (or its absence) is unchanged.
  void CrashNextPut(std::string key = "");
  // The next Put (to `key`, or to any key when empty) is applied but its reply is lost:
  // the object is stored and the caller gets Unavailable (a timeout after success).
  void DropNextPutReply(std::string key = "");
  // Removes every pending fault.
  void ClearFaults();

  // Calls seen per verb, including the ones that failed.
  int CallCount(ObjectStoreVerb verb) const;
  // Calls that failed because of an injected fault, over all verbs.
  int InjectedFaultCount() const;

  Result<ObjectInfo> Put(const std::string& key, const std::string& data) override;
  Result<std::string> Get(const std::string& key) override;
  Result<ObjectInfo> Head(const std::string& key) override;
  Result<ListResult> List(const std::string& prefix, const std::string& continuation_token,
                          int max_keys = kMaxListKeys) override;
  Result<ObjectInfo> Copy(const std::string& source_key, const std::string& destination_key) override;
  Status Delete(const std::string& key) override;

 private:
  struct PrefixFault {
    std::string prefix;
    std::vector<ObjectStoreVerb> verbs;
    StatusCode code;
  };
  struct CountFault {
    int remaining = 0;
    StatusCode code = StatusCode::kUnavailable;
  };

  // Counts the call; returns the injected error, or OK to pass the call on.
  // `keys` are the keys the call touches; for List, `list_prefix` is set instead.
  Status Check(ObjectStoreVerb verb, std::vector<std::string_view> keys, const std::string* list_prefix);

  ObjectStore& base_;
  mutable std::mutex mu_;
  std::array<int, kObjectStoreVerbCount> calls_{};           // GUARDED_BY(mu_)
  std::array<CountFault, kObjectStoreVerbCount> next_{};     // GUARDED_BY(mu_)
  std::vector<PrefixFault> prefix_faults_;                   // GUARDED_BY(mu_)
  std::vector<std::string> crash_puts_;                      // GUARDED_BY(mu_); "" = any key
  std::vector<std::string> dropped_replies_;                 // GUARDED_BY(mu_); "" = any key
  int injected_ = 0;                                         // GUARDED_BY(mu_)
};

}  // namespace labelloop::store
