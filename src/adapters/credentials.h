// Where tokens come from: an environment variable, else the credentials file.
// A token never comes from the workflow itself, which is journalled.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace relman::credentials {

// RELMAN_CREDENTIALS_FILE, else $XDG_CONFIG_HOME/relman/credentials, else
// ~/.config/relman/credentials.
std::filesystem::path default_file();

// Parses a credentials file: `NAME=value` a line; blank lines and lines
// starting with '#' ignored; spaces around NAME and value trimmed. Refuses
// (std::runtime_error saying `chmod 600 <file>`) a file that group or others
// may read or write.
std::map<std::string, std::string> read_file(const std::filesystem::path& path);

// The value of `name` from the environment, else from `file` (when it
// exists), else nothing. An empty variable counts as unset.
std::optional<std::string> lookup(const std::string& name, const std::filesystem::path& file = default_file());

// The advice when a token is missing: where relman looked and how to set it.
std::string missing_advice(const std::string& name, const std::filesystem::path& file = default_file());

}  // namespace relman::credentials
