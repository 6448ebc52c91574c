// Percent-encoding of URL query values (RFC 3986): the redactor masks every
// spelling a secret may take in a URL, and the OIDC sign-in builds and reads
// query strings and forms with the same rules.
#pragma once

#include <map>
#include <string>

namespace relman {

// Keeps the unreserved characters (ALPHA DIGIT - _ . ~); `lower` picks the
// hex digits' case, `plus_for_space` a form's '+' for ' '.
std::string percent_encode(const std::string& s, bool lower = false, bool plus_for_space = false);
// Decodes %XX and a form's '+'; throws std::invalid_argument on a bad escape.
std::string percent_decode(const std::string& s);
// A query string or form ("a=1&b=x+y") as name -> value, decoded; a name
// given twice keeps its first value. Throws as percent_decode does.
std::map<std::string, std::string> parse_query(const std::string& query);

}  // namespace relman
