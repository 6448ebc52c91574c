#include "steps/configure_cache.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <stdexcept>

#include "adapters/durable.h"
#include "adapters/process.h"
#include "adapters/sha256.h"
#include "core/sha256_digest.h"
#include "core/text.h"

namespace relman::steps {

namespace fs = std::filesystem;

namespace {

// Each field is framed by its length, so no two different input lists hash
// alike by running into each other.
void feed(Sha256& h, std::string_view field) {
  h.update(fmt::format("{}:", field.size()));
  h.update(field);
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

ConfigureCacheKey configure_cache_key(const ConfigureCacheInputs& in) {
  ConfigureCacheKey key;
  Sha256 h;
  feed(h, "relman configure cache 2");  // 2: outputs, not config.cache

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

namespace {

// Where the tree's path stood in a kept output.
constexpr std::string_view kTree = "@RELMAN_CONFIGURE_TREE@";

std::string parent_of(const std::string& rel) {
  const size_t slash = rel.rfind('/');
  return slash == std::string::npos ? "." : rel.substr(0, slash);
}

nlohmann::json to_json(const ConfigureEntry& e) {
  nlohmann::json outputs = nlohmann::json::array();
  for (const auto& o : e.outputs)
    outputs.push_back({{"path", o.path},
                       {"type", std::string(1, o.type)},
                       {"mode", o.mode},
                       {"offset_ns", o.offset_ns},
                       {"sha256", o.sha256}});
  return {{"version", 1},         {"configure_seconds", e.configure_seconds},
          {"inputs", e.inputs},   {"listings", e.listings},
          {"removed", e.removed}, {"outputs", outputs}};
}

ConfigureEntry from_json(const nlohmann::json& j) {
  if (j.value("version", 0) != 1) throw std::runtime_error("an entry of another relman version");
  ConfigureEntry e;
  e.configure_seconds = j.at("configure_seconds").get<double>();
  e.inputs = j.at("inputs").get<std::map<std::string, std::string>>();
  e.listings = j.at("listings").get<std::map<std::string, std::string>>();
  e.removed = j.at("removed").get<std::vector<std::string>>();
  for (const auto& o : j.at("outputs")) {
    ConfigureEntry::Output out;
    out.path = o.at("path").get<std::string>();
    out.type = o.at("type").get<std::string>().at(0);
    out.mode = o.at("mode").get<uint32_t>();
    out.offset_ns = o.at("offset_ns").get<int64_t>();
    out.sha256 = o.at("sha256").get<std::string>();
    e.outputs.push_back(std::move(out));
  }
  return e;
}

// A relative path that stays inside the tree (an entry is data read back
// from disk: it must not write elsewhere even if damaged).
bool inside(const std::string& rel) {
  const fs::path p(rel);
  if (rel.empty() || p.is_absolute()) return false;
  for (const auto& part : p)
    if (part == "..") return false;
  return true;
}

}  // namespace

ConfigureCache::Lookup ConfigureCache::find(const std::string& key, const fs::path& top) const {
  ConfigureEntry e;
  try {
    e = from_json(nlohmann::json::parse(durable::read_file(entry(key) / "entry.json")));
  } catch (const std::exception& ex) {
    std::error_code ec;
    if (!fs::exists(entry(key) / "entry.json", ec)) return {std::nullopt, "no entry for this key"};
    return {std::nullopt, fmt::format("the entry cannot be read ({})", ex.what())};
  }
  for (const auto& [rel, sum] : e.inputs) {
    std::string now;
    try {
      now = inside(rel) ? sha256_file(top / rel) : std::string();
    } catch (const std::exception&) {
      return {std::nullopt, rel + ", which configure read, is gone"};
    }
    if (now != sum) return {std::nullopt, rel + ", which configure read, has changed"};
  }
  if (!e.listings.empty()) {
    const TreeSnapshot tree = snapshot_tree(top);
    for (const auto& [dir, sum] : e.listings)
      if (sha256_hex(listing_of(tree, dir)) != sum)
        return {std::nullopt, fmt::format("{}/ holds other files than when the entry was made", dir)};
  }
  return {std::move(e), {}};
}

size_t ConfigureCache::restore(const std::string& key, const ConfigureEntry& e, const fs::path& top) const {
  const std::string tree = top.string();
  for (const auto& rel : e.removed)
    if (inside(rel)) fs::remove_all(top / rel);
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const int64_t base = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
  for (const auto& o : e.outputs) {
    if (!inside(o.path)) throw std::runtime_error("the entry names " + o.path + ", outside the tree");
    const fs::path to = top / o.path;
    if (o.type == 'd') {
      fs::create_directories(to);
    } else {
      std::string content = durable::read_file(entry(key) / "files" / o.path);
      if (sha256_hex(content) != o.sha256)
        throw std::runtime_error(fmt::format("{} in the entry is damaged (its SHA-256 is not the one recorded)",
                                             (entry(key) / "files" / o.path).string()));
      content = replace_all(std::move(content), kTree, tree);
      fs::create_directories(to.parent_path());
      std::error_code ec;
      fs::remove(to, ec);  // a file the tarball had, or a symlink: replaced, never written through
      durable::Fd fd(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
      if (!fd) throw std::system_error(errno, std::generic_category(), "creating " + to.string());
      durable::write_all(fd.get(), content);
    }
    if (::chmod(to.c_str(), static_cast<mode_t>(o.mode)) != 0)
      throw std::system_error(errno, std::generic_category(), "chmod " + to.string());
  }
  // The times last: writing a file changes its directory's mtime.
  for (auto it = e.outputs.rbegin(); it != e.outputs.rend(); ++it) {
    const int64_t t = base + it->offset_ns;
    const struct timespec times[2] = {{t / 1'000'000'000, t % 1'000'000'000}, {t / 1'000'000'000, t % 1'000'000'000}};
    if (::utimensat(AT_FDCWD, (top / it->path).c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
      throw std::system_error(errno, std::generic_category(), "setting the time of " + (top / it->path).string());
  }
  return e.outputs.size();
}

std::optional<std::string> ConfigureCache::store(const std::string& key, const fs::path& top,
                                                 const TreeSnapshot& before, const TreeSnapshot& after,
                                                 const OpenedPaths& opened,
                                                 const std::vector<std::string>& private_paths,
                                                 double configure_seconds) const {
  if (!opened.complete)
    return "some of the files configure opened were not recorded (the kernel's inotify queue overflowed)";
  const TreeChanges changes = tree_changes(before, after);
  ConfigureEntry e;
  e.configure_seconds = configure_seconds;
  e.removed = changes.removed;

  std::set<std::string> dirs;
  for (const auto& rel : opened.files) {
    auto was = before.find(rel);
    auto is = after.find(rel);
    if (was == before.end() || was->second.type != 'f') continue;     // made by configure (conftest.c)
    if (is == after.end() || !(is->second == was->second)) continue;  // an output
    e.inputs[rel] = sha256_file(top / rel);
    dirs.insert(parent_of(rel));  // where configure may also have tested for a file's existence
  }
  for (const auto& rel : opened.dirs) {
    auto was = before.find(rel);
    if (rel == "." || (was != before.end() && was->second.type == 'd')) dirs.insert(rel);
  }
  for (const auto& d : dirs) e.listings[d] = sha256_hex(listing_of(before, d));

  const fs::path tmp_root = dir_ / "tmp";
  fs::create_directories(tmp_root);
  durable::remove_stale_temp_files(tmp_root, false);  // entries a killed build was writing
  std::random_device rd;
  const fs::path tmp = tmp_root / fmt::format("{}-{}-{}", ::getpid(), rd(), key);
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      if (!p.empty()) fs::remove_all(p, ec);
    }
  } cleanup{tmp};
  fs::create_directories(tmp / "files");

  int64_t base = std::numeric_limits<int64_t>::max();
  for (const auto& rel : changes.written) base = std::min(base, after.at(rel).mtime_ns);
  const std::string tree = top.string();
  for (const auto& rel : changes.written) {
    const TreeEntry& a = after.at(rel);
    ConfigureEntry::Output o{rel, a.type, a.mode, a.mtime_ns - base, {}};
    if (a.type == 'f') {
      std::string content = durable::read_file(top / rel);
      if (content.find(kTree) != std::string::npos)
        return fmt::format("{} holds relman's placeholder {} already", rel, kTree);
      content = replace_all(std::move(content), tree, kTree);
      for (const auto& p : private_paths)
        if (!p.empty() && content.find(p) != std::string::npos)
          return fmt::format("{} names {} outside the tree, which another build could not use", rel, p);
      o.sha256 = sha256_hex(content);
      fs::create_directories((tmp / "files" / rel).parent_path());
      durable::Fd fd(::open((tmp / "files" / rel).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
      if (!fd) throw std::system_error(errno, std::generic_category(), "creating " + (tmp / "files" / rel).string());
      durable::write_all(fd.get(), content);
    } else if (a.type != 'd') {
      return fmt::format("configure made {}, which is neither a file nor a directory", rel);
    }
    e.outputs.push_back(std::move(o));
  }
  // The description last, written whole: an entry without one is no entry.
  durable::write_atomic(tmp / "entry.json", to_json(e).dump(1));

  const fs::path final_path = entry(key);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    // An older entry of the key (its inputs changed since): set aside, then replaced.
    const fs::path old = tmp_root / fmt::format("{}-{}-old-{}", ::getpid(), rd(), key);
    if (::rename(final_path.c_str(), old.c_str()) == 0) {
      std::error_code ec;
      // ENOTEMPTY: another build stored the key between the two renames; its entry stays.
      if (::rename(tmp.c_str(), final_path.c_str()) != 0 && errno != ENOTEMPTY && errno != EEXIST)
        throw std::system_error(errno, std::generic_category(), "renaming onto " + final_path.string());
      fs::remove_all(old, ec);
    }
    // else another build stored the same key at this moment: its entry stays.
  }
  return std::nullopt;
}

void ConfigureCache::drop(const std::string& key) const {
  std::error_code ec;
  fs::create_directories(dir_ / "tmp", ec);
  std::random_device rd;
  const fs::path gone = dir_ / "tmp" / fmt::format("{}-{}-dropped-{}", ::getpid(), rd(), key);
  // A rename first: a build reading the entry at this moment sees all of it or none.
  if (::rename(entry(key).c_str(), gone.c_str()) == 0) fs::remove_all(gone, ec);
}

}  // namespace relman::steps
