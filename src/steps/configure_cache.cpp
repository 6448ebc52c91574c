#include "steps/configure_cache.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <stdexcept>

#include "adapters/durable.h"
#include "adapters/process.h"
#include "adapters/sha256.h"

namespace relman::steps {

namespace fs = std::filesystem;

namespace {

// Each field is framed by its length, so no two different input lists hash
// alike by running into each other.
void feed(Sha256& h, std::string_view field) {
  h.update(fmt::format("{}:", field.size()));
  h.update(field);
}

// The lines of a text, without their newlines.
std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The environment variables an autoconf configure reads: its own, the
// compilers' and pkg-config's (PKG_CHECK_MODULES declares FOO_CFLAGS and
// FOO_LIBS precious, and configure refuses a cache made with other values).
bool configure_reads(const std::string& name) {
  static const std::set<std::string> exact{"PATH", "CC",          "CXX",          "CPP",     "CXXCPP",
                                           "LIBS", "CONFIG_SITE", "CONFIG_SHELL", "MACHDEP", "PROFILE_TASK"};
  return exact.count(name) != 0 || name.ends_with("FLAGS") || name.ends_with("_LIBS") ||
         name.rfind("PKG_CONFIG", 0) == 0;
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find_first_of(" \t", i);
    if (j == std::string::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

int64_t mtime_ns(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// Directories only, to three levels: a package install creates or renames
// files, which changes the mtime of the directory holding them; reading
// every file's stamp under /usr/lib would cost seconds.
void walk_dirs(const fs::path& dir, int depth, std::vector<std::pair<std::string, int64_t>>& out) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;
  out.emplace_back(dir.string(), mtime_ns(st));
  if (depth == 3) return;
  std::error_code ec;
  std::vector<fs::path> subdirs;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec) && !it->is_symlink(ec)) subdirs.push_back(it->path());
  std::sort(subdirs.begin(), subdirs.end());
  for (const auto& d : subdirs) walk_dirs(d, depth + 1, out);
}

}  // namespace

std::vector<fs::path> default_configure_cache_watch() {
  return {"/usr/include", "/usr/local/include", "/usr/lib", "/usr/local/lib"};
}

fs::path default_configure_cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg && fs::path(xdg).is_absolute()) return fs::path(xdg) / "relman" / "configure";
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : "/tmp") / ".cache" / "relman" / "configure";
}

bool configure_takes_cache_file(const fs::path& configure) {
  try {
    return durable::read_file(configure).find("--cache-file") != std::string::npos;
  } catch (const std::exception&) {
    return false;
  }
}

ConfigureCacheKey configure_cache_key(const ConfigureCacheInputs& in) {
  ConfigureCacheKey key;
  Sha256 h;
  feed(h, "relman configure cache 1");

  for (const char* name : {"configure", "configure.ac", "aclocal.m4"}) {
    const fs::path file = in.tree / name;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      if (std::string(name) == "configure") throw std::runtime_error(file.string() + " cannot be read");
      feed(h, std::string(name) + " absent");
      continue;
    }
    const std::string sum = sha256_file(file);
    feed(h, std::string(name) + " " + sum);
    key.inputs.push_back(fmt::format("{} sha256 {}", name, sum.substr(0, 12)));
  }

  feed(h, fmt::format("{} arguments", in.args.size()));
  for (const auto& a : in.args) feed(h, a);
  if (!in.args.empty()) key.inputs.push_back(fmt::format("arguments: {}", process::show_argv(in.args)));

  std::vector<std::string> read;
  for (const auto& [name, value] : in.env)  // a std::map: sorted by name
    if (configure_reads(name)) {
      feed(h, fmt::format("{}={}", name, value));
      if (name != "PATH") read.push_back(name);
    }
  key.inputs.push_back(read.empty() ? "environment: PATH"
                                    : fmt::format("environment: PATH, {}", fmt::join(read, ", ")));

  const auto path_it = in.env.find("PATH");
  const std::string path = path_it == in.env.end() ? std::string("/usr/local/bin:/usr/bin:/bin") : path_it->second;
  std::vector<std::string> compilers;
  for (const char* var : {"CC", "CXX"}) {
    auto it = in.env.find(var);
    if (it != in.env.end())
      for (auto& w : words(it->second)) compilers.push_back(w);
  }
  if (compilers.empty()) compilers = {"gcc", "cc", "c++", "g++", "clang"};
  std::set<std::string> seen;
  for (const auto& name : compilers) {
    const fs::path found = process::find_program(name, path);
    if (found.empty()) {
      feed(h, name + " not found");
      continue;
    }
    std::error_code ec;
    const fs::path real = fs::canonical(found, ec);
    const std::string resolved = ec ? found.string() : real.string();
    std::string sum;
    try {
      sum = sha256_file(resolved);
    } catch (const std::exception&) {
      sum = "unreadable";  // an execute-only compiler: its path still counts
    }
    feed(h, fmt::format("{} {} {}", name, resolved, sum));
    if (seen.insert(resolved).second)
      key.inputs.push_back(fmt::format("{} {} sha256 {}", name, resolved, sum.substr(0, 12)));
  }

  std::vector<std::pair<std::string, int64_t>> dirs;
  for (const auto& w : in.watch) walk_dirs(w, 0, dirs);
  feed(h, fmt::format("{} directories", dirs.size()));
  for (const auto& [d, t] : dirs) feed(h, fmt::format("{} {}", d, t));
  std::vector<std::string> watched;
  for (const auto& w : in.watch) watched.push_back(w.string());
  key.inputs.push_back(fmt::format("{} directories under {}", dirs.size(), fmt::join(watched, ", ")));

  key.digest = h.hex();
  return key;
}

std::optional<std::string> configuration_of(const fs::path& top) {
  std::string text;
  try {
    text = durable::read_file(top / "config.status");
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::string path = top.string();
  std::string out;
  for (std::string line : lines(text)) {
    if (line.rfind("S[\"", 0) != 0 && line.rfind("D[\"", 0) != 0) continue;
    for (size_t at = line.find(path); at != std::string::npos; at = line.find(path, at + 5))
      line.replace(at, path.size(), "@top@");
    out += line + "\n";
  }
  return out;
}

namespace {

// NAME -> the rest of the line, for S["NAME"]=... and D["NAME"]=...
std::map<std::string, std::string> assignments(const std::string& configuration) {
  std::map<std::string, std::string> out;
  for (const std::string& line : lines(configuration)) {
    const size_t close = line.find("\"]");
    if (close == std::string::npos || close <= 3) continue;  // S["NAME"]=...: the name starts at 3
    out[line.substr(3, close - 3)] += line.substr(close + 2);
  }
  return out;
}

}  // namespace

std::vector<std::string> differing_names(const std::string& a, const std::string& b) {
  const auto x = assignments(a), y = assignments(b);
  std::set<std::string> names;
  for (const auto& [k, v] : x)
    if (auto it = y.find(k); it == y.end() || it->second != v) names.insert(k);
  for (const auto& [k, v] : y)
    if (!x.count(k)) names.insert(k);
  return {names.begin(), names.end()};
}

fs::path ConfigureCache::entry(const std::string& key) const { return dir_ / (key + ".cache"); }

bool ConfigureCache::fetch(const std::string& key, const fs::path& to) const {
  std::error_code ec;
  if (!fs::is_regular_file(entry(key), ec) || !fs::is_regular_file(dir_ / (key + ".config"), ec)) return false;
  try {
    durable::write_atomic(to, durable::read_file(entry(key)));
  } catch (const std::exception&) {
    return false;  // unreadable: configure runs afresh and the entry is written again
  }
  return true;
}

std::optional<std::string> ConfigureCache::configuration(const std::string& key) const {
  try {
    return durable::read_file(dir_ / (key + ".config"));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void ConfigureCache::store(const std::string& key, const fs::path& from, const std::string& configuration) const {
  fs::create_directories(dir_);
  // The configuration first: an entry without one is never fetched.
  durable::write_atomic(dir_ / (key + ".config"), configuration);
  durable::write_atomic(entry(key), durable::read_file(from));
}

void ConfigureCache::drop(const std::string& key) const {
  std::error_code ec;
  fs::remove(entry(key), ec);
  fs::remove(dir_ / (key + ".config"), ec);
}

void ConfigureCache::mark_unsafe(const std::string& key, const std::vector<std::string>& names) const {
  fs::create_directories(dir_);
  std::string text;
  for (const auto& n : names) text += n + "\n";
  durable::write_atomic(dir_ / (key + ".unsafe"), text);
  drop(key);
}

std::optional<std::string> ConfigureCache::unsafe(const std::string& key) const {
  try {
    std::string names = durable::read_file(dir_ / (key + ".unsafe"));
    for (auto& c : names)
      if (c == '\n') c = ' ';
    while (!names.empty() && names.back() == ' ') names.pop_back();
    return names;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace relman::steps
