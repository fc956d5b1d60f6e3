#include "http/route.h"

namespace labelloop::http {

bool Access::Allows(auth::Role role) const {
  switch (role) {
    case auth::Role::kAdmin: return true;
    case auth::Role::kReviewer: return open || reviewer;
    case auth::Role::kConsumer: return open || consumer;
  }
  return false;
}

std::string Access::Describe() const {
  if (open) return "open";
  std::string roles = "admin";
  if (reviewer) roles += ", reviewer";
  if (consumer) roles += ", consumer";
  if (aws_signed || aws_signed_json) roles += " (AWS SigV4: access key id = token name, secret = token)";
  return roles;
}

bool MatchPattern(std::string_view pattern, std::string_view path, PathParams& params) {
  params.clear();
  size_t p = 0;  // position in pattern
  size_t q = 0;  // position in path
  while (p < pattern.size()) {
    if (pattern[p] == '{') {
      size_t close = pattern.find('}', p);
      std::string_view name = pattern.substr(p + 1, close - p - 1);
      if (!name.empty() && (name.back() == '+' || name.back() == '*')) {  // the rest, '/' included
        if (name.back() == '+' && q >= path.size()) return false;  // '+': not empty
        params.emplace(std::string(name.substr(0, name.size() - 1)), std::string(path.substr(q)));
        return close + 1 == pattern.size();
      }
      size_t end = path.find('/', q);
      if (end == std::string_view::npos) end = path.size();
      if (end == q) return false;  // empty segment
      params.emplace(std::string(name), std::string(path.substr(q, end - q)));
      q = end;
      p = close + 1;
      continue;
    }
    if (q >= path.size() || pattern[p] != path[q]) return false;
    ++p;
    ++q;
  }
  return q == path.size();
}

}  // namespace labelloop::http
