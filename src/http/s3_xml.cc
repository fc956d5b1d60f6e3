#include "http/s3_xml.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "http/aws_auth.h"

namespace labelloop::http {

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out.push_back('?');
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

std::string XmlElement(std::string_view name, std::string_view text) {
  return fmt::format("<{}>{}</{}>", name, XmlEscape(text), name);
}

void WriteS3Error(Response& response, const Status& status, std::string_view resource) {
  const AwsErrorReply reply = DescribeAwsError(status, AwsService::kS3);
  if (reply.http_status >= 500 && reply.http_status != 503) {
    spdlog::error("S3 {} {}: {}", reply.http_status, reply.code, reply.message);
  }
  response.status = reply.http_status;
  response.set_content("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>" + XmlElement("Code", reply.code) +
                           XmlElement("Message", reply.message) + XmlElement("Resource", resource) + "</Error>",
                       "application/xml");
}

}  // namespace labelloop::http
