// The address a request comes from, for the sign-in rate limit and the logs. Behind a TLS
// reverse proxy every connection comes from the proxy, so the limit would lump all users
// together; with the proxy's address in the trusted_proxies setting (config.json, off by
// default), X-Forwarded-For is read from the right, skipping trusted proxies, and the first
// address not a trusted proxy is the client. A header from anyone else is ignored (it is
// whatever the client wrote). Thread-safe (stateless).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace labelloop::http {

// True for a literal IPv4 or IPv6 address (inet_pton), nothing else.
bool IsIpAddress(std::string_view text);

// OK when every entry is a literal IP address; InvalidArgument naming the first that is not.
Status ValidateTrustedProxies(const std::vector<std::string>& proxies);

// `remote_addr` unless it is a trusted proxy and `forwarded_for` (every X-Forwarded-For
// header, joined with ",") names a client: then the rightmost entry that is not a trusted
// proxy. An entry that is not an IP address stops the walk and the proxy's own address is
// used (a malformed chain never lets a client choose its rate-limit key).
std::string ClientAddress(std::string_view remote_addr, std::string_view forwarded_for,
                          const std::vector<std::string>& trusted_proxies);

}  // namespace labelloop::http
