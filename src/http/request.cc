#include "http/request.h"

#include <algorithm>

namespace labelloop::http {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string NthValue(const Headers& headers, std::string_view name, size_t index) {
  auto [begin, end] = headers.equal_range(name);
  for (auto it = begin; it != end; ++it, --index) {
    if (index == 0) return it->second;
  }
  return "";
}

bool HasUnsafeHeaderByte(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return Lower(x) < Lower(y); });
}

bool Request::has_header(std::string_view name) const { return headers.find(name) != headers.end(); }

std::string Request::get_header_value(std::string_view name, size_t index) const {
  return NthValue(headers, name, index);
}

size_t Request::get_header_value_count(std::string_view name) const {
  auto [begin, end] = headers.equal_range(name);
  return static_cast<size_t>(std::distance(begin, end));
}

bool Request::has_param(std::string_view name) const { return params.find(name) != params.end(); }

std::string Request::get_param_value(std::string_view name, size_t index) const {
  auto [begin, end] = params.equal_range(name);
  for (auto it = begin; it != end; ++it, --index) {
    if (index == 0) return it->second;
  }
  return "";
}

bool Request::is_multipart_form_data() const {
  std::string type = get_header_value("Content-Type");
  std::transform(type.begin(), type.end(), type.begin(), Lower);
  return type.starts_with("multipart/form-data");
}

bool Response::has_header(std::string_view name) const { return headers.find(name) != headers.end(); }

std::string Response::get_header_value(std::string_view name, size_t index) const {
  return NthValue(headers, name, index);
}

void Response::set_header(std::string_view name, std::string_view value) {
  if (name.empty() || HasUnsafeHeaderByte(name) || HasUnsafeHeaderByte(value)) return;
  if (!CaseInsensitiveLess()(name, "Set-Cookie") && !CaseInsensitiveLess()("Set-Cookie", name)) {
    headers.emplace(std::string(name), std::string(value));
    return;
  }
  auto [begin, end] = headers.equal_range(name);
  headers.erase(begin, end);
  headers.emplace(std::string(name), std::string(value));
}

void Response::set_content(std::string content, std::string_view content_type) {
  body = std::move(content);
  set_header("Content-Type", content_type);
}

void Response::set_chunked_content_provider(std::string_view content_type, ContentProvider provider,
                                            ContentProviderReleaser releaser) {
  set_header("Content-Type", content_type);
  content_provider = std::move(provider);
  content_provider_releaser = std::move(releaser);
}

}  // namespace labelloop::http
