// The options several commands share, as parsed: filled by the helpers in
// cli/shared_options.h and read by what the commands have in common
// (finding the run, driving it, printing). An option of one command alone
// lives in that command's file.
#pragma once

#include <string>
#include <vector>

namespace relman::cli {

struct Options {
  std::string version;
  std::string repo = ".";
  std::string workflow = "pep101";
  std::vector<std::string> vars;  // KEY=VALUE
  std::string state_dir;
  std::string run;  // --run NAME: a run in $GIT_DIR/relman (3.12.0, rehearse-3.12.0)
  int jobs = 0;     // 0: as many as the machine has cores, at most 4
  std::vector<std::string> skip;
  bool auto_approve = false;
  bool ci = false;
  bool yes = false;
  bool verbose = false;  // -v: every progress line and checkpoint
  bool quiet = false;    // -q: only failures, waits, results and the next command
  bool accept_workflow_change = false;
  std::string sign_with;
  bool sigstore_real = false;     // rehearse: the real Sigstore with the release manager's identity
  std::vector<std::string> redo;  // resume: steps to start over after a settings change
  std::string as;                 // who acts: approves, skips, changes a setting (cli/identity.h)
};

}  // namespace relman::cli
