#include "cli/doctor.h"

#include <fmt/format.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "adapters/credentials.h"
#include "adapters/git.h"
#include "adapters/git_known_hosts.h"
#include "adapters/git_ops.h"
#include "adapters/git_remote.h"
#include "adapters/git_status.h"
#include "adapters/gpg.h"
#include "cli/doctor_docs.h"
#include "cli/doctor_sigstore.h"
#include "cli/width.h"
#include "core/scope.h"
#include "core/template.h"

namespace relman::cli {

namespace fs = std::filesystem;
using R = Check::Result;

namespace {

std::optional<fs::path> which(const std::string& tool) {
  if (tool.find('/') != std::string::npos) {
    if (::access(tool.c_str(), X_OK) == 0) return fs::path(tool);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string d; std::getline(dirs, d, ':');) {
    if (d.empty()) d = ".";
    auto p = fs::path(d) / tool;
    if (::access(p.c_str(), X_OK) == 0 && !fs::is_directory(p)) return p;
  }
  return std::nullopt;
}

std::vector<std::string> strings(const nlohmann::json& with, const char* key) {
  std::vector<std::string> out;
  if (!with.contains(key)) return out;
  if (with[key].is_string()) out.push_back(with[key].get<std::string>());
  if (with[key].is_array())
    for (const auto& e : with[key])
      if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

// The steps a run of this version will reach (`when` true, not skipped),
// their parameters expanded where they can be before the run (a step's
// outputs cannot: those keys stay raw).
std::vector<StepDef> planned(const PreflightInput& in, const VarMap& vars, const RunPaths& paths) {
  std::set<std::string> skip(in.skip.begin(), in.skip.end());
  auto resolve = make_resolver(in.version, vars, paths, nullptr);
  std::vector<StepDef> out;
  for (const auto& s : in.workflow->steps) {
    if (skip.count(s.id)) continue;
    try {
      if (s.when && !s.when->eval(in.version, vars)) continue;
    } catch (const std::exception&) {
      // A condition that cannot be evaluated here: count the step in.
    }
    StepDef copy = s;
    for (auto it = copy.with.begin(); it != copy.with.end(); ++it) {
      try {
        auto v = expand_templates(it.value(), resolve);
        if (v.dump().find("${") == std::string::npos) it.value() = v;
      } catch (const std::exception&) {
      }
    }
    out.push_back(std::move(copy));
  }
  return out;
}

std::string host_of(const std::string& url) {
  static const std::regex scheme_url(R"(^[a-z+]+://(?:[^@/]*@)?(\[[^\]]+\]|[^/:]+))");
  static const std::regex scp_like(R"(^(?:[^@/]+@)?([^/:]+):)");
  std::smatch m;
  if (std::regex_search(url, m, scheme_url)) return m[1];
  if (url.find("://") == std::string::npos && std::regex_search(url, m, scp_like)) return m[1];
  return {};
}

// An ssh URL's port, when it names one: "ssh://git@host:2222/x" -> "2222".
std::string port_of(const std::string& url) {
  static const std::regex with_port(R"(^[a-z+]+://(?:[^@/]*@)?(?:\[[^\]]+\]|[^/:]+):(\d+))");
  std::smatch m;
  return std::regex_search(url, m, with_port) ? m[1].str() : std::string();
}

// Is `url` reached over ssh: ssh://, git+ssh://, sftp:// or git's scp-like
// user@host:path?
bool over_ssh(const std::string& url) {
  for (const char* scheme : {"ssh://", "git+ssh://", "ssh+git://", "sftp://"})
    if (url.rfind(scheme, 0) == 0) return true;
  return url.find("://") == std::string::npos && !host_of(url).empty();
}

// The host as the transfer will look it up in known_hosts, so doctor
// predicts its verdict: libgit2 hands relman's push check the bare host name;
// relman's sftp (adapters/sftp, libssh2) looks up "[host]:port" for a port
// other than 22.
std::string known_hosts_name(const std::string& url, const std::string& host) {
  std::string port = port_of(url);
  if (url.rfind("sftp://", 0) == 0 && !port.empty() && port != "22") return "[" + host + "]:" + port;
  return host;
}

bool resolves(const std::string& host) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (res) ::freeaddrinfo(res);
  return rc == 0;
}

void check_tools(const std::vector<StepDef>& steps, std::vector<Check>& out) {
  std::map<std::string, std::string> tools;  // tool -> the step that needs it
  bool compiler = false, ccache = false;
  for (const StepDef& s : steps) {
    if (s.uses == "build.make") {
      tools.emplace("make", s.id);
      compiler = true;
      ccache = ccache || s.with.value("ccache", true);
    } else if (s.uses == "exec") {
      auto argv = strings(s.with, "argv");
      if (!argv.empty() && argv[0].find("${") == std::string::npos) tools.emplace(argv[0], s.id);
    } else if (s.uses == "gpg.sign" || s.uses == "gpg.verify" || (s.uses == "git.tag" && s.with.value("sign", false))) {
      tools.emplace("gpg", s.id);
    }
  }
  for (const auto& [tool, step] : tools) {
    if (auto p = which(tool)) out.push_back({"tool " + tool, R::ok, p->string(), {}});
    else
      out.push_back({"tool " + tool, R::fail, fmt::format("not found in PATH (step {} runs it)", step),
                     fmt::format("install {} (Debian: apt-get install {})", tool,
                                 tool == "gpg"   ? "gnupg"
                                 : tool == "ssh" ? "openssh-client"
                                                 : tool)});
  }
  if (compiler) {
    const char* cc = std::getenv("CC");
    std::optional<fs::path> found;
    for (const std::string& c :
         {cc ? std::string(cc) : std::string(), std::string("cc"), std::string("gcc"), std::string("clang")})
      if (!c.empty() && !found) found = which(c.substr(0, c.find(' ')));
    if (found) out.push_back({"C compiler", R::ok, found->string(), {}});
    else
      out.push_back({"C compiler", R::fail, "no cc, gcc or clang in PATH ($CC unset)",
                     "install one (Debian: apt-get install build-essential)"});
  }
  if (ccache) {
    if (auto p = which("ccache")) out.push_back({"tool ccache", R::ok, p->string(), {}});
    else
      out.push_back({"tool ccache", R::warn, "not installed: every build compiles from scratch",
                     "optional: apt-get install ccache"});
  }
}

void check_signing(const PreflightInput& in, const std::vector<StepDef>& steps, std::vector<Check>& out) {
  std::map<std::string, std::string> keys;  // step -> requested key
  std::string passphrase_env = "RELMAN_GPG_PASSPHRASE";
  for (const StepDef& s : steps)
    if (s.uses == "gpg.sign" || (s.uses == "git.tag" && s.with.value("sign", false))) {
      keys[s.id] = s.with.value("key", in.sign_with);
      passphrase_env = s.with.value("passphrase_env", passphrase_env);
    }
  if (keys.empty()) return;
  // Read-only: gpg creates a keyring where it finds none, so without one
  // it is not asked at all.
  fs::path home;
  if (const char* g = std::getenv("GNUPGHOME"); g && *g) home = g;
  else if (const char* h = std::getenv("HOME"); h && *h) home = fs::path(h) / ".gnupg";
  if (!home.empty() && !fs::exists(home / "pubring.kbx") && !fs::exists(home / "pubring.gpg") &&
      !fs::exists(home / "private-keys-v1.d")) {
    out.push_back({"signing key", R::fail, fmt::format("there is no keyring in {}", home.string()),
                   "import the release key (gpg --import), or point GNUPGHOME at the keyring that holds it"});
    return;
  }
  std::map<std::string, std::string> fingerprints;  // step -> fingerprint
  for (const auto& [step, requested] : keys) {
    try {
      fingerprints[step] = gpg::select_key(requested).fingerprint;
    } catch (const std::exception& e) {
      out.push_back({"signing key", R::fail, fmt::format("step {}: {}", step, e.what()),
                     "import or make the release key (gpg --import / gpg --full-generate-key), or name it with "
                     "--sign-with FINGERPRINT"});
      return;
    }
  }
  std::set<std::string> distinct;
  for (const auto& [step, fpr] : fingerprints) distinct.insert(fpr);
  if (distinct.size() > 1) {
    std::string which_;
    for (const auto& [step, fpr] : fingerprints)
      which_ += fmt::format(" {}={}", step, fpr.substr(fpr.size() > 16 ? fpr.size() - 16 : 0));
    out.push_back({"signing key", R::fail, "the tag and the files would be signed by different keys:" + which_,
                   "name one key for all of them with --sign-with FINGERPRINT (or the steps' `key`)"});
    return;
  }
  const std::string fpr = *distinct.begin();
  try {
    gpg::Passphrase pass(passphrase_env, /*interactive=*/false, nullptr);
    const std::string blob = "relman pre-flight test blob\n";
    std::string sig = gpg::sign_detached(blob, fpr, pass);
    auto v = gpg::verify_detached(sig, blob);
    if (!v.good) throw std::runtime_error("the test signature does not verify: " + v.problem);
    std::string steps_list;
    for (const auto& [step, f] : fingerprints) steps_list += (steps_list.empty() ? "" : ", ") + step;
    out.push_back({"signing key", R::ok, fmt::format("{} signs without a prompt; used by {}", fpr, steps_list), {}});
  } catch (const std::exception& e) {
    out.push_back({"signing key", R::fail, fmt::format("{} cannot sign without a prompt: {}", fpr, e.what()),
                   fmt::format("put the passphrase in ${} (or the credentials file), or start gpg-agent with the key "
                               "unlocked, then run relman doctor again",
                               passphrase_env)});
  }
}

void check_remotes(const PreflightInput& in, git_repository* repo, const std::vector<StepDef>& steps,
                   std::vector<Check>& out) {
  std::set<std::string> seen;
  auto check_url = [&](const std::string& label, const std::string& url, const std::string& no_path_fix) {
    if (!seen.insert(label + url).second) return;
    std::string host = host_of(url);
    if (host.empty()) {
      fs::path path = url.rfind("file://", 0) == 0 ? url.substr(7) : url;
      // git reads a relative remote path from the work tree's top.
      if (path.is_relative()) path = in.repo / path;
      if (fs::exists(path)) out.push_back({label, R::ok, url, {}});
      else out.push_back({label, R::fail, url + ": no such path", no_path_fix});
      return;
    }
    const auto path_at = url.find('/', url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
    if (path_at != std::string::npos && url.find("//", path_at) != std::string::npos) {
      // pep101's staging folder is /home/psf-users/${vars.ssh_user}/...
      out.push_back({label, R::fail,
                     fmt::format("{}: the path has an empty part, so a var it is made of is empty", url),
                     "give that var (for pep101's upload: --var ssh_user=YOUR-USER-ON-THE-DOWNLOADS-SERVER)"});
      return;
    }
    if (!resolves(host)) {
      out.push_back({label, R::fail, fmt::format("{}: the host {} does not resolve", url, host),
                     "check the URL and the network (DNS, VPN)"});
      return;
    }
    if (over_ssh(url)) {
      // The push and the upload refuse a host whose key known_hosts does
      // not hold: say so now, not after the release commit is made.
      const char* home = std::getenv("HOME");
      fs::path known = fs::path(home ? home : "/") / ".ssh" / "known_hosts";
      // SFTP reads the file relman's sftp adapter reads.
      if (const char* k = std::getenv("RELMAN_SSH_KNOWN_HOSTS"); k && *k && url.rfind("sftp://", 0) == 0) known = k;
      std::string name = known_hosts_name(url, host);
      std::string text;
      if (std::ifstream in{known}) text.assign(std::istreambuf_iterator<char>(in), {});
      if (!git::host_is_listed(text, name)) {
        std::string port = port_of(url);
        out.push_back({label, R::fail,
                       fmt::format("{}: the host key of {} is not in {}; the transfer would refuse it", url, name,
                                   known.string()),
                       fmt::format("fetch it with `ssh-keyscan {}{} >> {}`, compare its fingerprint with the one "
                                   "the host publishes, then run doctor again",
                                   port.empty() ? "" : "-p " + port + " ", host, known.string())});
        return;
      }
    }
    out.push_back({label, R::ok, url, {}});
  };
  for (const StepDef& s : steps) {
    if (s.uses == "git.push") {
      const std::string name = s.with.value("remote", std::string("origin"));
      std::string url = name;
      if (repo) {
        if (auto u = git::remote_url(repo, name)) {
          if (!u->empty()) url = *u;
        } else if (host_of(name).empty() && !fs::exists(name)) {
          out.push_back({"remote " + name, R::fail,
                         fmt::format("the repository has no remote '{}' (step {})", name, s.id),
                         fmt::format("add it: git remote add {} URL", name)});
          continue;
        }
      }
      check_url("remote " + name, url, "fix the remote's URL (git remote set-url)");
    }
    for (const char* key : {"url", "webhook"})
      if (s.with.contains(key) && s.with[key].is_string()) {
        std::string u = s.with[key].get<std::string>();
        if (u.find("${") == std::string::npos)
          check_url(fmt::format("{} {}", s.id, key), u,
                    fmt::format("create the folder, or give the right one with --var (the var that sets {}'s {})", s.id,
                                key));
      }
  }
}

void check_credentials(const std::vector<StepDef>& steps, std::vector<Check>& out) {
  std::set<std::string> names;
  for (const StepDef& s : steps)
    if (s.with.contains("token_env") && s.with["token_env"].is_string())
      names.insert(s.with["token_env"].get<std::string>());
  for (const auto& n : names) {
    std::optional<std::string> v;
    try {
      v = credentials::lookup(n);
    } catch (const std::exception& e) {
      out.push_back({"credential " + n, R::fail, e.what(), credentials::missing_advice(n)});
      continue;
    }
    if (v && !v->empty()) out.push_back({"credential " + n, R::ok, "set", {}});
    else out.push_back({"credential " + n, R::fail, "not set", credentials::missing_advice(n)});
  }
}

void check_branch(const PreflightInput& in, git_repository* repo, std::vector<Check>& out) {
  const std::string want = in.version.branch();
  auto branch = git::head_branch(repo);
  if (!branch) {
    out.push_back({"branch", R::fail, "HEAD is detached", fmt::format("git switch {}", want)});
  } else if (*branch != want) {
    out.push_back({"branch", R::fail, fmt::format("on {}, but {} is released from {}", *branch, in.version.str(), want),
                   fmt::format("git switch {}", want)});
  } else {
    out.push_back({"branch", R::ok, want, {}});
  }
  auto dirty = git::status(repo);
  if (dirty.empty()) out.push_back({"clean tree", R::ok, "nothing to commit", {}});
  else
    out.push_back({"clean tree", R::fail,
                   fmt::format("{} change{}, e.g. {} ({})", dirty.size(), dirty.size() == 1 ? "" : "s", dirty[0].path,
                               dirty[0].what),
                   "commit or stash them (git status shows them all)"});
  if (!branch) return;
  const auto ours = git::branch_sha(repo, *branch);
  if (!ours) return;
  const auto up = git::upstream(repo, *branch);
  if (!up) {
    out.push_back({"upstream", R::warn,
                   fmt::format("{} has no upstream branch: cannot tell whether it is behind", *branch),
                   fmt::format("git branch --set-upstream-to REMOTE/{}", *branch)});
    return;
  }
  try {
    // A relative path is relative to the work tree, not to where relman runs.
    std::string target = up->remote;
    if (auto u = git::remote_url(repo, target);
        u && !u->empty() && host_of(*u).empty() && u->rfind("file://", 0) != 0 && fs::path(*u).is_relative())
      target = (in.repo / *u).lexically_normal().string();
    auto remote = git::open_remote(repo, target);
    auto refs = git::list_remote_refs(remote.get(), git::RemoteAuth{});
    auto it = refs.find(up->merge);
    if (it == refs.end()) {
      out.push_back({"upstream", R::warn, fmt::format("{} has no {}", up->remote, up->merge), {}});
      return;
    }
    if (git::contains(repo, *ours, it->second))
      out.push_back({"upstream", R::ok, fmt::format("up to date with {}/{}", up->remote, *branch), {}});
    else
      out.push_back(
          {"upstream", R::fail,
           fmt::format("{} is behind {}/{} (it has {})", *branch, up->remote, *branch, it->second.substr(0, 12)),
           fmt::format("git pull --ff-only {} {}", up->remote, *branch)});
  } catch (const std::exception& e) {
    out.push_back({"upstream", R::fail, fmt::format("cannot reach {}: {}", up->remote, e.what()),
                   "check the network and your credentials for it"});
  }
}

void check_patchlevel(const PreflightInput& in, std::vector<Check>& out) {
  auto file = in.repo / "Include" / "patchlevel.h";
  if (!fs::exists(file)) return;
  std::ifstream f(file);
  std::stringstream ss;
  ss << f.rdbuf();
  std::smatch m;
  const std::string text = ss.str();
  if (!std::regex_search(text, m, std::regex(R"(#define\s+PY_VERSION\s+"([^"]+)\")"))) {
    out.push_back({"patchlevel.h", R::fail, "no PY_VERSION in Include/patchlevel.h", "is this a CPython tree?"});
    return;
  }
  std::string found = m[1];
  std::string plain = found.back() == '+' ? found.substr(0, found.size() - 1) : found;
  try {
    Version have = Version::parse(plain);
    const Version& v = in.version;
    auto key = [](const Version& x) {
      return std::tuple(x.major, x.minor, x.micro, static_cast<int>(x.level), x.serial);
    };
    if (have.major_minor() != v.major_minor())
      out.push_back({"patchlevel.h", R::fail,
                     fmt::format("the branch is {} ({}), not {}", have.major_minor(), found, v.major_minor()),
                     fmt::format("release {} from the {} branch", v.str(), v.branch())});
    else if (key(have) > key(v) || (key(have) == key(v) && found.back() != '+'))
      out.push_back({"patchlevel.h", R::fail, fmt::format("already at {}: {} would go backwards", found, v.str()),
                     "check the version you asked for"});
    else out.push_back({"patchlevel.h", R::ok, fmt::format("{} -> {}", found, v.str()), {}});
  } catch (const std::exception& e) {
    out.push_back({"patchlevel.h", R::warn, fmt::format("PY_VERSION \"{}\" not understood", found), {}});
  }
}

}  // namespace

std::vector<Check> preflight(const PreflightInput& in) {
  std::vector<Check> out;
  RunPaths paths;
  paths.repo = in.repo;
  VarMap vars;
  try {
    vars = resolve_vars(*in.workflow, in.version, paths);
  } catch (const std::exception&) {
  }
  auto steps = planned(in, vars, paths);
  check_tools(steps, out);
  check_signing(in, steps, out);
  git::Repository repo;
  try {
    repo = git::open(in.repo);
  } catch (const std::exception& e) {
    out.push_back({"repository", R::fail, fmt::format("{}: {}", in.repo.string(), e.what()),
                   "pass the repository with --repo DIR"});
  }
  check_remotes(in, repo.get(), steps, out);
  check_credentials(steps, out);
  check_sigstore(in, steps, out);
  check_docs(in, steps, out);
  if (repo) check_branch(in, repo.get(), out);
  check_patchlevel(in, out);
  return out;
}

std::vector<std::string> format_checks(const std::vector<Check>& checks, size_t width) {
  std::vector<std::string> lines;
  for (const auto& c : checks) {
    const char* mark = c.result == R::ok ? "ok  " : c.result == R::warn ? "warn" : "FAIL";
    // Wrapped, not cut: a failure's detail is what the release manager acts on.
    auto body = wrap(fmt::format("{}: {}", c.what, c.detail), width > 5 ? width - 5 : width);
    for (size_t i = 0; i < body.size(); ++i) lines.push_back(fmt::format("{} {}", i == 0 ? mark : "    ", body[i]));
    if (c.result != R::ok && !c.fix.empty())
      for (const auto& l : wrap("fix: " + c.fix, width > 7 ? width - 7 : width)) lines.push_back("       " + l);
  }
  return lines;
}

bool all_passed(const std::vector<Check>& checks) {
  for (const auto& c : checks)
    if (c.result == R::fail) return false;
  return true;
}

nlohmann::json to_json(const std::vector<Check>& checks) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : checks)
    out.push_back({{"what", c.what},
                   {"result", c.result == R::ok     ? "ok"
                              : c.result == R::warn ? "warn"
                                                    : "fail"},
                   {"detail", c.detail},
                   {"fix", c.fix}});
  return out;
}

std::vector<Check> checks_from_json(const nlohmann::json& j) {
  std::vector<Check> out;
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    if (!e.is_object()) continue;
    const std::string r = e.value("result", "fail");
    out.push_back({e.value("what", ""),
                   r == "ok"     ? R::ok
                   : r == "warn" ? R::warn
                                 : R::fail,
                   e.value("detail", ""), e.value("fix", "")});
  }
  return out;
}

}  // namespace relman::cli
