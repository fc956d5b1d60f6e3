// Request and Response: labelloop's own view of one HTTP exchange, holding what handlers
// use. Members are named as cpp-httplib named them (the server used to be httplib's), so
// handlers read the same; the HTTP library itself (libmicrohttpd, server.cc) never
// reaches a handler. Not thread-safe: an exchange belongs to one connection thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace labelloop::http {

// HTTP field names compare case-insensitively.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};
using Headers = std::multimap<std::string, std::string, CaseInsensitiveLess>;
using Params = std::multimap<std::string, std::string, std::less<>>;

// One part of a multipart/form-data body. A file part's bytes wait in a temp file that the
// server removes when the exchange ends; a plain field's value is in memory.
struct FormPart {
  std::string name;          // the form field's name
  std::string filename;      // empty for plain fields
  std::string content_type;
  std::string value;         // plain fields
  std::string file_path;     // file parts
  int64_t size_bytes = 0;
};

struct Request {
  std::string method;
  std::string target;        // as sent: the percent-encoded path and query
  std::string path;          // decoded; valid UTF-8 without control characters
  std::string version;       // "HTTP/1.1"
  Headers headers;           // names and values are valid UTF-8
  Params params;             // decoded query parameters, valid UTF-8
  std::string remote_addr;
  std::string body;          // bodies held in memory (JSON and other small bodies)
  std::string body_file;     // bodies streamed to disk (object uploads, detect): the temp file
  int64_t body_size_bytes = 0;
  std::vector<FormPart> form_parts;  // multipart/form-data bodies

  bool has_header(std::string_view name) const;
  // The index-th value of the header, "" when absent.
  std::string get_header_value(std::string_view name, size_t index = 0) const;
  size_t get_header_value_count(std::string_view name) const;
  bool has_param(std::string_view name) const;
  std::string get_param_value(std::string_view name, size_t index = 0) const;
  bool is_multipart_form_data() const;
};

// Where a streamed reply writes: write() returns false when the client is gone; done()
// ends the stream.
struct DataSink {
  std::function<bool(const char* data, size_t size)> write;
  std::function<void()> done;
};
// Called again and again (in the connection's thread; it may block) until it calls
// sink.done() or returns false (abort).
using ContentProvider = std::function<bool(size_t offset, DataSink& sink)>;
using ContentProviderReleaser = std::function<void(bool success)>;

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  ContentProvider content_provider;                // set: a chunked stream instead of `body`
  ContentProviderReleaser content_provider_releaser;

  bool has_header(std::string_view name) const;
  std::string get_header_value(std::string_view name, size_t index = 0) const;
  // Replaces any earlier value (Set-Cookie is added instead). A name or value holding CR,
  // LF or NUL is dropped: no header injection.
  void set_header(std::string_view name, std::string_view value);
  void set_content(std::string content, std::string_view content_type);
  void set_chunked_content_provider(std::string_view content_type, ContentProvider provider,
                                    ContentProviderReleaser releaser = nullptr);
};

}  // namespace labelloop::http
