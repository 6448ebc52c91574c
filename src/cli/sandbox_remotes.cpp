#include "cli/sandbox_remotes.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/errors.h"
#include "core/scope.h"
#include "core/template.h"

namespace relman::cli {

namespace fs = std::filesystem;

std::string to_string(RemoteForm f) {
  switch (f) {
    case RemoteForm::name:
      return "remote name";
    case RemoteForm::path:
      return "path";
    case RemoteForm::file_url:
      return "file:// URL";
    case RemoteForm::scp_like:
      return "scp-like address";
    case RemoteForm::url:
      return "URL";
  }
  return "?";
}

RemoteForm classify_remote(const std::string& t) {
  auto scheme_end = t.find("://");
  if (scheme_end != std::string::npos && scheme_end > 0) {
    std::string scheme = t.substr(0, scheme_end);
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), ::tolower);
    return scheme == "file" ? RemoteForm::file_url : RemoteForm::url;
  }
  auto colon = t.find(':');
  auto slash = t.find('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon < slash)) return RemoteForm::scp_like;
  if (slash != std::string::npos || t == "." || t == ".." || t.starts_with("./")) return RemoteForm::path;
  return RemoteForm::name;
}

fs::path remote_local_path(const std::string& target, const fs::path& cwd) {
  fs::path p;
  switch (classify_remote(target)) {
    case RemoteForm::path:
      p = target;
      break;
    case RemoteForm::file_url: {
      std::string rest = target.substr(target.find("://") + 3);
      // file://host/path: only an empty host or localhost is this machine.
      auto slash = rest.find('/');
      std::string host = slash == std::string::npos ? rest : rest.substr(0, slash);
      if (!host.empty() && host != "localhost") return {};
      p = slash == std::string::npos ? fs::path("/") : fs::path(rest.substr(slash));
      break;
    }
    default:
      return {};
  }
  if (p.is_relative()) p = cwd / p;
  std::error_code ec;
  auto canon = fs::weakly_canonical(p, ec);
  p = ec ? p.lexically_normal() : canon;
  std::string s = p.string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

std::string normalize_remote(const std::string& target, const fs::path& cwd) {
  auto local = remote_local_path(target, cwd);
  if (!local.empty()) return "local:" + local.string();
  std::string s = target;
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::vector<RemoteUse> remotes_written(const Workflow& wf, const Version& v, const std::vector<std::string>& skipped,
                                       const fs::path& repo) {
  RunPaths paths;
  paths.repo = repo;
  VarMap vars = resolve_vars(wf, v, paths);
  auto resolve = make_resolver(v, vars, paths, nullptr);
  std::vector<RemoteUse> out;
  std::vector<Diagnostic> problems;
  for (const auto& step : wf.steps) {
    if (step.uses != "git.push") continue;
    if (std::find(skipped.begin(), skipped.end(), step.id) != skipped.end()) continue;
    if (step.when && !step.when->eval(v, vars)) continue;
    std::string raw = "origin";
    if (step.with.contains("remote") && step.with["remote"].is_string()) raw = step.with["remote"].get<std::string>();
    for (const auto& e : find_templates(raw)) {
      if (e.parts()[0] == "steps") {
        problems.push_back({step.where, fmt::format("step '{}': its remote '{}' is known only when another step has "
                                                    "run, but a rehearsal maps every remote to a sandbox mirror "
                                                    "before it starts; give the remote as a var (--var) instead",
                                                    step.id, raw)});
        raw.clear();
        break;
      }
    }
    if (raw.empty()) continue;
    std::string target;
    try {
      target = expand_string(raw, resolve);
    } catch (const std::exception& e) {
      problems.push_back({step.where, fmt::format("step '{}': remote '{}': {}", step.id, raw, e.what())});
      continue;
    }
    out.push_back({step.id, target, step.where});
  }
  if (!problems.empty()) throw ConfigError(problems);
  return out;
}

}  // namespace relman::cli
