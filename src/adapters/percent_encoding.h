// Percent-encoding of URL query values (RFC 3986): the redactor masks every
// spelling a secret may take in a URL, and the OIDC sign-in builds and reads
// query strings and forms with the same rules.
#pragma once

#include <string>

namespace relman {

// Keeps the unreserved characters (ALPHA DIGIT - _ . ~); `lower` picks the
// hex digits' case, `plus_for_space` a form's '+' for ' '.
std::string percent_encode(const std::string& s, bool lower = false, bool plus_for_space = false);
// Decodes %XX and a form's '+'; throws std::invalid_argument on a bad escape.
std::string percent_decode(const std::string& s);

}  // namespace relman
