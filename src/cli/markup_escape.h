// Text made safe for XML 1.0 and HTML, the one escaping rule of the JUnit
// report and the HTML report: markup characters escaped, control characters
// XML forbids and invalid UTF-8 replaced by U+FFFD (step errors and log
// tails carry whatever a tool printed).
#pragma once

#include <string>

namespace relman::cli {

// For character data: line breaks and tabs kept.
std::string xml_escape(const std::string& text);

// For an attribute value: line breaks and tabs as character references too,
// since parsers turn raw ones into spaces.
std::string xml_attribute(const std::string& text);

}  // namespace relman::cli
