// S3's XML: escaping text for element content and the error body
//   <Error><Code>NoSuchKey</Code><Message>...</Message><Resource>/s3/...</Resource></Error>
// for every failure of an S3 route (aws_auth.h DescribeAwsError picks code and status).
// Built as text: the shapes are a handful of flat elements, and the only XML labelloop
// reads (none yet) would go through a parser. Thread-safe (stateless).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "http/request.h"

namespace labelloop::http {

// &, <, >, " and ' as entities; bytes that XML 1.0 cannot carry (control characters other
// than tab, newline and carriage return) as '?'.
std::string XmlEscape(std::string_view text);

// <Name>escaped text</Name>
std::string XmlElement(std::string_view name, std::string_view text);

// Sets the status, the XML error body and its content type. 5xx are logged.
void WriteS3Error(Response& response, const Status& status, std::string_view resource);

}  // namespace labelloop::http
