// The e-mail form of a notification (RFC 5322): Subject = the subject, body = the JSON body
// pretty-printed as text/plain UTF-8. Header values are sanitised so nothing in a subject
// can inject a header; non-ASCII text becomes RFC 2047 encoded-words; the body is 7bit
// when it can be, else quoted-printable. Thread-safe (stateless).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "notify/notification.h"

namespace labelloop::notify {

// REQUIRES: `from` and each of `to` pass CheckMailbox. Lines end in CRLF. Date is the
// notification's creation time; Message-ID is derived from its id and time and the
// sender's domain, so a retried delivery carries the same id (receivers can drop copies).
std::string FormatEmailMessage(const Notification& n, std::string_view from, const std::vector<std::string>& to);

// "Tue, 14 Nov 2023 22:13:20 +0000"
std::string FormatRfc5322Date(int64_t ms_since_epoch);

// Control characters (CR, LF, TAB, ...) become spaces, invalid UTF-8 becomes U+FFFD, runs
// of spaces collapse: the text a header value may carry.
std::string SanitizeHeaderText(std::string_view text);

// A header value for unstructured text (after SanitizeHeaderText): as is when it is
// printable ASCII, else RFC 2047 "=?UTF-8?B?...?=" words folded with CRLF + space, each
// word whole UTF-8 characters. `header_name_size` is the length of "Subject: ".
std::string EncodeHeaderText(std::string_view text, size_t header_name_size);

// Quoted-printable (RFC 2045) with CRLF line ends and soft breaks at 76 characters.
std::string EncodeQuotedPrintable(std::string_view text);

}  // namespace labelloop::notify
