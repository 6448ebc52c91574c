// smoke.run: run a few commands against what was just built and check each
// one's exit code and, optionally, its output. Checks only: nothing changes,
// so a re-run after a crash is harmless and the probe always says not-done.
#include <fmt/format.h>

#include <chrono>
#include <optional>
#include <regex>
#include <sstream>

#include "adapters/process.h"
#include "core/errors.h"
#include "core/step_kind.h"

namespace relman::steps {
namespace {

namespace fs = std::filesystem;

constexpr long long kDefaultTimeout = 600;
constexpr int kTailLines = 40;

struct Check {
  std::vector<std::string> argv;
  int exit = 0;
  std::optional<std::string> match;
  std::optional<long long> timeout;
};

std::regex compile(const std::string& pattern) {
  return std::regex(pattern, std::regex::ECMAScript | std::regex::multiline);
}

// Reads one entry of `commands`: an argv list, or {argv, exit, match,
// timeout}. Returns a problem, or "" when `out` is filled. `expanded` is
// false at load time, when templates are still unexpanded text.
std::string parse_check(const json& c, Check& out, bool expanded) {
  const json* argv = &c;
  if (c.is_object()) {
    for (auto it = c.begin(); it != c.end(); ++it)
      if (it.key() != "argv" && it.key() != "exit" && it.key() != "match" && it.key() != "timeout")
        return fmt::format("unknown key '{}' in a command (known: argv, exit, match, timeout)", it.key());
    if (!c.contains("argv")) return "a command object needs 'argv', e.g. {argv: [./python, -V], match: '3.12'}";
    argv = &c["argv"];
    if (c.contains("exit")) {
      if (c["exit"].is_number_integer()) out.exit = c["exit"].get<int>();
      else return "'exit' must be an integer, got " + c["exit"].dump();
    }
    if (c.contains("match")) {
      if (!c["match"].is_string()) return "'match' must be a string (a regular expression), got " + c["match"].dump();
      out.match = c["match"].get<std::string>();
      if (expanded || out.match->find("${") == std::string::npos) {
        try {
          compile(*out.match);
        } catch (const std::regex_error& e) {
          return fmt::format("'match' is not a valid regular expression: /{}/ ({})", *out.match, e.what());
        }
      }
    }
    if (c.contains("timeout")) {
      if (c["timeout"].is_number_integer() && c["timeout"].get<long long>() > 0)
        out.timeout = c["timeout"].get<long long>();
      else return "'timeout' must be a positive number of seconds, got " + c["timeout"].dump();
    }
  } else if (c.is_string()) {
    return fmt::format("command \"{}\" must be a list (an argv, never run through a shell), e.g. [./python, -V]",
                       c.get<std::string>());
  }
  // A whole-template argv ("${vars.test_command}") is checked once expanded.
  if (!expanded && argv->is_string() && argv->get<std::string>().rfind("${", 0) == 0) return {};
  if (!argv->is_array() || argv->empty()) return "a command must be a non-empty list of strings, got " + argv->dump();
  for (const auto& a : *argv) {
    if (a.is_string()) out.argv.push_back(a.get<std::string>());
    else if (a.is_number()) out.argv.push_back(a.dump());
    else return "command arguments must be strings, got " + a.dump();
  }
  return "";
}

std::string last_lines(const std::string& text, int n) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string out;
  size_t from = lines.size() > static_cast<size_t>(n) ? lines.size() - n : 0;
  if (from > 0) out += fmt::format("    | ... ({} earlier lines in the log)\n", from);
  for (size_t i = from; i < lines.size(); ++i) out += "    | " + lines[i] + "\n";
  if (lines.empty()) out = "    (no output)\n";
  return out;
}

class SmokeRun : public StepKind {
 public:
  Effect effect() const override { return Effect::none; }
  std::vector<ParamSpec> params() const override {
    return {{"commands", ParamType::any, true,
             "a list; each an argv list, or {argv, exit (default 0), match (regex), timeout (seconds)}"},
            {"cwd", ParamType::string, false, "where to run them (default: the repository)"},
            {"timeout", ParamType::integer, false, "default seconds per command (default 600)"}};
  }
  std::vector<std::string> outputs() const override { return {"passed", "commands"}; }

  std::vector<std::string> validate(const json& with) const override {
    if (!with.contains("commands")) return {};
    const json& cs = with["commands"];
    if (cs.is_string()) return {};  // a template; checked when it is expanded
    if (!cs.is_array() || cs.empty()) return {"'commands' must be a non-empty list of commands"};
    std::vector<std::string> problems;
    for (size_t i = 0; i < cs.size(); ++i) {
      Check c;
      auto p = parse_check(cs[i], c, false);
      if (!p.empty()) problems.push_back(fmt::format("commands[{}]: {}", i, p));
    }
    return problems;
  }

  json run(StepContext& ctx) const override {
    const fs::path cwd = ctx.has("cwd") ? ctx.repo_path(ctx.str("cwd")) : ctx.repo;
    if (!fs::is_directory(cwd))
      throw StepError(
          fmt::format("the working directory {} does not exist. Did the build step run? "
                      "Check `cwd`.",
                      cwd.string()));
    const long long default_timeout = ctx.integer("timeout", kDefaultTimeout);
    const json& cs = ctx.with.contains("commands") ? ctx.with["commands"] : json();
    if (!cs.is_array() || cs.empty()) throw StepError("'commands' must be a non-empty list of commands");
    std::vector<Check> checks;
    for (size_t i = 0; i < cs.size(); ++i) {
      Check c;
      auto p = parse_check(cs[i], c, true);
      if (!p.empty()) throw StepError(fmt::format("commands[{}]: {}", i, p));
      checks.push_back(std::move(c));
    }

    std::vector<std::string> failures;
    json shown = json::array();
    int passed = 0;
    for (size_t i = 0; i < checks.size(); ++i) {
      const Check& c = checks[i];
      const std::string cmd = process::show_argv(c.argv);
      shown.push_back(cmd);
      if (ctx.progress) ctx.progress(fmt::format("[{}/{}] {}", i + 1, checks.size(), cmd));
      process::Spec spec;
      spec.argv = c.argv;
      // "./python" means the one in cwd, not in relman's own directory.
      if (c.argv[0].find('/') != std::string::npos && !fs::path(c.argv[0]).is_absolute())
        spec.argv[0] = (cwd / c.argv[0]).lexically_normal().string();
      spec.cwd = cwd;
      spec.capture = true;
      const long long timeout_s = c.timeout.value_or(default_timeout);
      spec.timeout = std::chrono::seconds(timeout_s);
      ctx.log->line("$ " + cmd);

      std::string expected = fmt::format("exit code {}", c.exit);
      if (c.match) expected += fmt::format(", output matching /{}/", *c.match);
      auto fail = [&](const std::string& got) {
        failures.push_back(
            fmt::format("`{}` (in {})\n  expected: {}\n  got:      {}", cmd, cwd.string(), expected, got));
        ctx.log->line("FAILED: " + cmd);
      };

      process::Result r;
      try {
        r = process::run(spec, [&](std::string_view line) { ctx.log->line(line); });
      } catch (const std::exception& e) {
        fail(fmt::format("{} (is the path right, and did the build produce it?)", e.what()));
        continue;
      }
      const std::string tail = last_lines(r.output, kTailLines);
      if (r.timed_out) {
        fail(fmt::format("no result within {} s (killed); output (last {} lines):\n{}", timeout_s, kTailLines, tail));
        continue;
      }
      if (r.signal != 0 || r.exit_code != c.exit) {
        fail(fmt::format("{}; output (last {} lines):\n{}", r.describe(), kTailLines, tail));
        continue;
      }
      if (c.match && !std::regex_search(r.output, compile(*c.match))) {
        fail(fmt::format("{}, but the output does not match; output (last {} lines):\n{}", r.describe(), kTailLines,
                         tail));
        continue;
      }
      ++passed;
      ctx.log->line("ok: " + cmd);
    }

    if (!failures.empty()) {
      std::string msg =
          fmt::format("{} of {} smoke test{} failed.\n", failures.size(), checks.size(), checks.size() == 1 ? "" : "s");
      for (const auto& f : failures) msg += "\n" + f + (f.back() == '\n' ? "" : "\n");
      msg += fmt::format(
          "\nFull log: {}\nFix what was built (a commit on the release branch, then a new tag and "
          "tarball) or the expectations in the workflow, then `relman retry {}`.",
          ctx.log->path().string(), ctx.step_id);
      // What was built is wrong: a new tag and tarball, not the same tests again.
      throw StepError(msg, Recovery{Recovery::Kind::retry_kind, "git.tag"});
    }
    return {{"passed", passed}, {"commands", shown}};
  }

  ProbeOutcome probe(StepContext&) const override {
    return {ProbeResult::not_done, {}, "smoke tests change nothing; they are simply run again"};
  }
};

}  // namespace

RELMAN_REGISTER_STEP(SmokeRun, "smoke.run");

}  // namespace relman::steps
