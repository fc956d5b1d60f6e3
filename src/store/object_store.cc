// The ObjectStore verbs that have a default built on the others.
#include "store/object_store.h"

#include <fmt/format.h>

#include <cstring>

#include "store/local_files.h"
#include "store/object_keys.h"

namespace labelloop::store {

Result<ObjectInfo> ObjectStore::PutFile(const std::string& key, const std::string& local_path) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  std::string data;
  local::FileStat stat;
  if (int err = local::ReadFile(local_path, &data, &stat); err != 0) {
    return UnavailableError(fmt::format("storing object {}: cannot read the local file '{}'{}", QuoteKey(key),
                                        local_path, err > 0 ? std::string(": ") + std::strerror(err) : ""));
  }
  return Put(key, data);
}

}  // namespace labelloop::store
