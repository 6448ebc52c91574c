#include "adapters/git_status.h"

namespace relman::git {

namespace {

std::string describe(unsigned flags) {
  std::vector<std::string> parts;
  if (flags & GIT_STATUS_CONFLICTED) return "conflicted";
  if (flags & GIT_STATUS_WT_NEW) return "untracked";
  if (flags & GIT_STATUS_INDEX_NEW) parts.push_back("staged: new file");
  if (flags & GIT_STATUS_INDEX_MODIFIED) parts.push_back("staged: modified");
  if (flags & GIT_STATUS_INDEX_DELETED) parts.push_back("staged: deleted");
  if (flags & GIT_STATUS_INDEX_RENAMED) parts.push_back("staged: renamed");
  if (flags & GIT_STATUS_INDEX_TYPECHANGE) parts.push_back("staged: type changed");
  if (flags & GIT_STATUS_WT_MODIFIED) parts.push_back("not staged: modified");
  if (flags & GIT_STATUS_WT_DELETED) parts.push_back("not staged: deleted");
  if (flags & GIT_STATUS_WT_TYPECHANGE) parts.push_back("not staged: type changed");
  if (flags & GIT_STATUS_WT_RENAMED) parts.push_back("not staged: renamed");
  if (flags & GIT_STATUS_WT_UNREADABLE) parts.push_back("unreadable");
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out;
}

}  // namespace

std::vector<StatusEntry> status(git_repository* repo) {
  git_status_options opts;
  git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
  opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
               GIT_STATUS_OPT_EXCLUDE_SUBMODULES | GIT_STATUS_OPT_SORT_CASE_SENSITIVELY;
  git_status_list* raw = nullptr;
  check(git_status_list_new(&raw, repo, &opts), "cannot read the status of the working tree");
  StatusList list(raw);
  std::vector<StatusEntry> out;
  size_t n = git_status_list_entrycount(list.get());
  for (size_t i = 0; i < n; ++i) {
    const git_status_entry* e = git_status_byindex(list.get(), i);
    if (!e || e->status == GIT_STATUS_CURRENT || (e->status & GIT_STATUS_IGNORED)) continue;
    const git_diff_delta* d = e->head_to_index ? e->head_to_index : e->index_to_workdir;
    if (!d) continue;
    const char* path = d->new_file.path ? d->new_file.path : d->old_file.path;
    out.push_back({path ? path : "?", describe(e->status)});
  }
  return out;
}

}  // namespace relman::git
