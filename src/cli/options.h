// Every option of every command, filled by CLI11 in app.cpp.
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
  int jobs = 0;  // 0: as many as the machine has cores, at most 4
  std::vector<std::string> skip;
  bool auto_approve = false;
  bool ci = false;
  bool execute = false;
  bool yes = false;
  bool json = false;
  bool verbose = false;  // -v: every progress line and checkpoint
  bool quiet = false;    // -q: only failures, waits, results and the next command
  bool accept_workflow_change = false;
  std::string sign_with;
  std::vector<std::string> redo;  // resume: steps to start over after a settings change
  std::string step;    // retry, skip, approve, log
  std::string reason;  // skip
  std::string as;      // approve, and who acts in a run (cli/identity.h)
  int wait_s = 15;     // approve: how long to wait for a running relman to take the approval
  std::string format;  // graph, report
  std::string output;  // report -o
};

int cmd_plan(const Options& o);
int cmd_rehearse(const Options& o);
int cmd_start(const Options& o);
int cmd_resume(const Options& o);
int cmd_retry(const Options& o);
int cmd_skip(const Options& o);
int cmd_approve(const Options& o);
int cmd_status(const Options& o);
int cmd_log(const Options& o);
int cmd_graph(const Options& o);
int cmd_report(const Options& o);
int cmd_verify(const Options& o);
int cmd_doctor(const Options& o);

}  // namespace relman::cli
