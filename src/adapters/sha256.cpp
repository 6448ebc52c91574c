#include "adapters/sha256.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <set>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "adapters/durable.h"

namespace relman {

namespace {

// Why `line` is not a checksum line, or "" when it is.
std::string line_problem(std::string_view line) {
  if (line.size() < 67 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*'))
    return "not '<64 hex digits>  <name>' (sha256sum's format)";
  if (!std::all_of(line.begin(), line.begin() + 64, [](unsigned char c) { return std::isxdigit(c); }))
    return "the checksum is not 64 hex digits";
  const std::string_view name = line.substr(66);
  if (std::any_of(name.begin(), name.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    return "the name holds a control character";
  // A name is a file beside SHA256SUMS or below it, never one elsewhere.
  const std::string padded = "/" + std::string(name) + "/";
  if (name.front() == '/' || padded.find("/../") != std::string::npos)
    return fmt::format("the name '{}' is outside the folder (absolute or with '..')", name);
  return {};
}

}  // namespace

Sha256Sums parse_sha256sums(std::string_view text) {
  Sha256Sums out;
  std::set<std::string, std::less<>> seen;
  size_t number = 0;
  while (!text.empty()) {
    ++number;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (auto why = line_problem(line); !why.empty()) {
      out.problems.push_back(fmt::format("line {}: {}", number, why));
      continue;
    }
    std::string hex(line.substr(0, 64));
    std::transform(hex.begin(), hex.end(), hex.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string name(line.substr(66));
    if (!seen.insert(name).second) out.problems.push_back(fmt::format("line {}: '{}' is listed again", number, name));
    out.entries.push_back({std::move(hex), std::move(name)});
  }
  return out;
}

std::vector<ChecksumEntry> read_sha256sums(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return {};
  return parse_sha256sums(durable::read_file(path)).entries;
}

std::string sha256_file(const std::filesystem::path& path) {
  durable::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
  Sha256 h;
  std::vector<char> buf(1 << 20);
  while (true) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    h.update(buf.data(), static_cast<size_t>(n));
  }
  return h.hex();
}

}  // namespace relman
