#include "adapters/credentials.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

namespace relman::credentials {

namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::filesystem::path default_file() {
  if (const char* f = std::getenv("RELMAN_CREDENTIALS_FILE"); f && *f) return f;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x)
    return std::filesystem::path(x) / "relman" / "credentials";
  if (const char* h = std::getenv("HOME"); h && *h)
    return std::filesystem::path(h) / ".config" / "relman" / "credentials";
  return {};
}

std::map<std::string, std::string> read_file(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw std::runtime_error(fmt::format("cannot read credentials file {}: {}", path.string(), std::strerror(errno)));
  if ((st.st_mode & 077) != 0)
    throw std::runtime_error(fmt::format(
        "credentials file {} is readable by others (mode {:04o}); relman refuses to use it: run `chmod 600 {}`",
        path.string(), st.st_mode & 07777, path.string()));
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("cannot read credentials file {}", path.string()));
  std::map<std::string, std::string> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    auto t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    auto eq = t.find('=');
    if (eq == std::string::npos || trim(t.substr(0, eq)).empty())
      throw std::runtime_error(
          fmt::format("{}:{}: expected NAME=value (the value is not shown)", path.string(), number));
    out[trim(t.substr(0, eq))] = trim(t.substr(eq + 1));
  }
  return out;
}

std::optional<std::string> lookup(const std::string& name, const std::filesystem::path& file) {
  if (const char* v = std::getenv(name.c_str()); v && *v) return std::string(v);
  if (file.empty()) return std::nullopt;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  auto values = read_file(file);
  auto it = values.find(name);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::string missing_advice(const std::string& name, const std::filesystem::path& file) {
  return fmt::format("set the environment variable {} or add a line `{}=<token>` to {} (mode 0600)", name, name,
                     file.empty() ? std::string("~/.config/relman/credentials") : file.string());
}

}  // namespace relman::credentials
