// blurb's sections: the names, in the order Misc/NEWS lists them (the order
// of blurb's template), and the directory names under Misc/NEWS.d/next.
#pragma once

#include <string>
#include <vector>

namespace relman::news {

// Security, Core and Builtins, Library, Documentation, Tests, Build,
// Windows, macOS, IDLE, Tools/Demos, C API.
const std::vector<std::string>& sections();

bool is_section(const std::string& name);

// The directory a section's entries live in: "Core and Builtins" ->
// "Core_and_Builtins", "Tools/Demos" -> "Tools-Demos", "C API" -> "C_API".
std::string sanitize_section(const std::string& section);
// The older spelling blurb still reads: only "/" replaced ("Core and Builtins").
std::string sanitize_section_legacy(const std::string& section);
// The section a directory name stands for (the inverse of sanitize_section;
// other names come back unchanged).
std::string unsanitize_section(const std::string& dir);

}  // namespace relman::news
