#include "cli/confirm_view.h"

#include <fmt/format.h>

#include "adapters/git.h"
#include "adapters/git_remote.h"

namespace relman::cli {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> list_of(const nlohmann::json& with, const char* key) {
  std::vector<std::string> out;
  if (!with.contains(key)) return out;
  const auto& v = with[key];
  if (v.is_string()) out.push_back(v.get<std::string>());
  if (v.is_array())
    for (const auto& e : v) {
      if (e.is_string()) out.push_back(e.get<std::string>());
      // A template that was a list (a step's `files` output) is spliced in, as StepContext::list does.
      if (e.is_array())
        for (const auto& x : e)
          if (x.is_string()) out.push_back(x.get<std::string>());
    }
  return out;
}

std::string short_sha(const git::Repository& repo, const std::string& rev) {
  if (!repo) return {};
  try {
    auto c = git::resolve_commit(repo.get(), rev);
    return git::commit_sha(c.get()).substr(0, 12);
  } catch (const std::exception&) {
    return {};
  }
}

std::string human_bytes(uintmax_t n) {
  if (n < 1024) return fmt::format("{} B", n);
  if (n < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(n) / 1024.0);
  return fmt::format("{:.1f} MiB", static_cast<double>(n) / (1024.0 * 1024.0));
}

std::vector<std::string> push_lines(const nlohmann::json& with, const fs::path& repo_dir) {
  std::vector<std::string> lines;
  const std::string remote = with.value("remote", std::string("origin"));
  git::Repository repo;
  std::string url = remote;
  try {
    repo = git::open(repo_dir);
    if (auto u = git::remote_url(repo.get(), remote); u && !u->empty()) url = *u;
  } catch (const std::exception&) {
    // Described without the repository's view: the names alone.
  }
  lines.push_back(url == remote ? fmt::format("push to {}", remote) : fmt::format("push to {} ({})", remote, url));
  for (auto ref : list_of(with, "refs")) {
    bool force = !ref.empty() && ref[0] == '+';
    if (force) ref = ref.substr(1);
    auto colon = ref.find(':');
    std::string src = colon == std::string::npos ? ref : ref.substr(0, colon);
    std::string dst = colon == std::string::npos ? ref : ref.substr(colon + 1);
    std::string branch = dst.rfind("refs/heads/", 0) == 0 ? dst.substr(11) : dst;
    std::string now = short_sha(repo, src);
    std::string before = short_sha(repo, "refs/remotes/" + remote + "/" + branch);
    lines.push_back(fmt::format("  branch {:<20} {}..{}{}", branch, before.empty() ? "(new)" : before,
                                now.empty() ? "?" : now, force ? "  FORCED" : ""));
  }
  for (const auto& tag : list_of(with, "tags")) {
    std::string now = short_sha(repo, "refs/tags/" + tag);
    lines.push_back(fmt::format("  tag    {:<20} (new) -> {}", tag, now.empty() ? "?" : now));
  }
  return lines;
}

std::vector<std::string> upload_lines(const nlohmann::json& with, const fs::path& artifacts) {
  std::vector<std::string> lines;
  auto files = list_of(with, "files");
  lines.push_back(fmt::format("upload {} file{} to {}", files.size(), files.size() == 1 ? "" : "s",
                              with.value("url", std::string("?"))));
  uintmax_t total = 0;
  for (const auto& f : files) {
    fs::path p = fs::path(f).is_absolute() ? fs::path(f) : artifacts / f;
    std::error_code ec;
    auto size = fs::file_size(p, ec);
    if (!ec) total += size;
    lines.push_back(
        fmt::format("  {:<40} {:>10}", fs::path(f).filename().string(), ec ? "missing" : human_bytes(size)));
  }
  if (files.size() > 1) lines.push_back(fmt::format("  {:<40} {:>10}", "in all", human_bytes(total)));
  return lines;
}

std::string scalar(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string out;
    for (const auto& e : v) out += (out.empty() ? "" : ", ") + scalar(e);
    return out;
  }
  if (v.is_object()) {
    std::string out;
    for (auto it = v.begin(); it != v.end(); ++it)
      out += (out.empty() ? "" : ", ") + it.key() + "=" + scalar(it.value());
    return out;
  }
  return v.dump();
}

}  // namespace

std::vector<std::string> describe_remote_step(const std::string& uses, const nlohmann::json& with, const fs::path& repo,
                                              const fs::path& artifacts) {
  if (uses == "git.push") return push_lines(with, repo);
  if (uses == "http.upload") return upload_lines(with, artifacts);
  if (uses == "announce")
    return {fmt::format("post the release announcement to {}", with.value("webhook", std::string("(no webhook set)")))};
  if (uses == "cdn.purge") {
    std::vector<std::string> lines;
    auto urls = list_of(with, "urls");
    lines.push_back(fmt::format("purge {} URL{} from the CDN:", urls.size(), urls.size() == 1 ? "" : "s"));
    for (const auto& u : urls) lines.push_back("  " + u);
    return lines;
  }
  if (uses == "ci.dispatch")
    return {fmt::format("start the CI workflow {} on {}{}", with.value("workflow", std::string("?")),
                        with.value("ref", std::string("the release branch")),
                        with.contains("inputs") ? " with " + scalar(with["inputs"]) : "")};
  std::vector<std::string> lines;
  for (auto it = with.begin(); it != with.end(); ++it)
    if (it.key().find("token") == std::string::npos) lines.push_back(it.key() + ": " + scalar(it.value()));
  return lines;
}

}  // namespace relman::cli
