#include <fmt/format.h>

#include <algorithm>

#include "store/object_keys.h"
#include "store/object_store.h"

namespace labelloop::store {

Result<std::vector<ObjectInfo>> ListAll(ObjectStore& store, const std::string& prefix) {
  std::vector<ObjectInfo> all;
  std::string token;
  while (true) {
    ASSIGN_OR_RETURN(ListResult page, store.List(prefix, token, kMaxListKeys));
    all.insert(all.end(), std::make_move_iterator(page.objects.begin()),
               std::make_move_iterator(page.objects.end()));
    if (page.next_continuation_token.empty()) break;
    if (page.next_continuation_token == token) {
      // A store that hands back the same token would loop forever: a bug in that store.
      return InternalError(fmt::format("listing prefix {} did not advance past token {}",
                                       QuoteKey(prefix), QuoteKey(token)));
    }
    token = std::move(page.next_continuation_token);
  }
  return all;
}

Result<int> CheckListArguments(const std::string& prefix, const std::string& continuation_token,
                               int max_keys) {
  RETURN_IF_ERROR(ValidateObjectPrefix(prefix));
  if (max_keys < 1) {
    return InvalidArgumentError(
        fmt::format("listing prefix {}: max_keys must be at least 1, got {}", QuoteKey(prefix), max_keys));
  }
  if (!continuation_token.empty()) {
    if (!ValidateObjectKey(continuation_token).ok() || !continuation_token.starts_with(prefix)) {
      return InvalidArgumentError(fmt::format("listing prefix {}: malformed continuation token {}",
                                              QuoteKey(prefix), QuoteKey(continuation_token)));
    }
  }
  return std::min(max_keys, kMaxListKeys);
}

}  // namespace labelloop::store
