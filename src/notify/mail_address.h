// Mail addresses as written in the config: "Name <user@host>" or "user@host". Checks that
// keep them safe to put in SMTP commands and message headers. Thread-safe (stateless).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace labelloop::notify {

// InvalidArgument (quoting the mailbox) unless it is "user@host" or "Name <user@host>" with
// no control characters (CR/LF would inject headers or SMTP commands), no ',' or ';'
// outside the display name, and an address of printable ASCII without spaces or '<>'.
Status CheckMailbox(std::string_view mailbox);

// "user@host" from either form. REQUIRES: CheckMailbox(mailbox) is OK.
std::string AddressOf(std::string_view mailbox);

// The part after '@' of AddressOf(mailbox) ("host"), or "" when there is none.
std::string DomainOf(std::string_view mailbox);

}  // namespace labelloop::notify
