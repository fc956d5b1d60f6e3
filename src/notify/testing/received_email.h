// ReceivedEmail: a raw RFC 5322 message as a test reads it: headers unfolded (names
// lower-cased), RFC 2047 "=?UTF-8?B/Q?" words decoded, the body decoded from its
// Content-Transfer-Encoding (7bit, 8bit or quoted-printable) with CRLF turned into LF.
// For tests; thread-safe (stateless).
#pragma once

#include <map>
#include <string>

namespace labelloop::notify::testing {

struct ReceivedEmail {
  std::multimap<std::string, std::string> headers;  // lower-case name -> raw (unfolded) value
  std::string subject;  // decoded
  std::string body;     // decoded

  // The first value of header `lower_case_name`, or "".
  std::string Header(const std::string& lower_case_name) const;
};

ReceivedEmail ParseReceivedEmail(const std::string& raw);

}  // namespace labelloop::notify::testing
