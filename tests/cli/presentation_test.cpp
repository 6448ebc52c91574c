// What the release manager sees: the report (one self-contained HTML page
// with the timeline, and Markdown), status colours on a terminal only,
// --help with an example on every command, errors in one form, and an
// installation that finds its own workflows.
#include <gtest/gtest.h>
#include "test_paths.h"

#include <cstdlib>
#include <memory>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "support/matchers.h"
#include "support/names.h"
#include "support/run_dir.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

fs::path source_dir() { return fs::path(RELMAN_TEST_DIR).parent_path(); }

std::string path_env() {
  const char* p = std::getenv("PATH");
  return p ? p : "/usr/local/bin:/usr/bin:/bin";
}

// One rehearsal of the sample interpreter's 3.12.0, shared by the report
// and status tests because it builds an interpreter: the build fails once
// (a `make` first on PATH refuses its first call) and is resumed, and the
// run waits at the green-light gate until it is approved.
class DemoRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    try {
      run();
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(error_.empty()) << "the demo run failed: " << error_; }

  static fs::path state() { return *dir_ / "state"; }
  static Ran relman(std::vector<std::string> args, const std::map<std::string, std::string>& env = {}) {
    return relman::test::relman_on(state(), std::move(args), *dir_ / "repo", env);
  }

 private:
  static void expect(const Ran& r, int code, const std::string& what) {
    if (r.exit_code != code)
      throw std::runtime_error(what + ": exit " + std::to_string(r.exit_code) + " instead of " + std::to_string(code) +
                               "\n" + r.out + r.err);
  }
  static void run() {
    sh_ok("bash " + quote((source_dir() / "scripts" / "sample-repo.sh").string()) + " " + quote(dir_->path().string()) +
          " 3.12.0");
    fs::path fake = *dir_ / "fake-bin";
    fs::create_directories(fake);
    std::string real_make = sh_ok("command -v make");
    real_make.erase(real_make.find_last_not_of('\n') + 1);
    // The build's make (`make -jN`) fails once; the docs' `make dist-*`,
    // which may run first now that both start on the .tgz, does not.
    write_file(fake / "make", "#!/bin/sh\ncase \" $* \" in *\" -j\"*) if [ ! -e " + quote((fake / "failed").string()) +
                                  " ]; then touch " + quote((fake / "failed").string()) +
                                  "; echo 'make: *** broken on purpose' >&2; exit 2; fi ;; esac\nexec " +
                                  quote(real_make) + " \"$@\"\n");
    fs::permissions(fake / "make", fs::perms::owner_all, fs::perm_options::add);
    std::map<std::string, std::string> env = {{"PATH", fake.string() + ":" + path_env()}};
    std::vector<std::string> args = {
        "rehearse", "3.12.0",         "--workflow", (source_dir() / "workflows" / "pep101.yaml").string(),
        "--var",    "project=Minipy", "--skip",     "check-blockers,check-ci"};
    expect(relman(args, env), 1, "the rehearsal with a broken make");
    expect(relman({"resume"}, env), 3, "resume up to the gate");
    expect(relman({"approve", "green-light", "--as", "tester"}), 0, "approve");
    expect(relman({"resume"}, env), 0, "resume to the end");
  }

  static std::string error_;

 protected:
  static TempDir* dir_;
};

TempDir* DemoRun::dir_ = nullptr;
std::string DemoRun::error_;

// The <title> of every <rect> in the page, in order.
std::vector<std::string> rect_titles(const std::string& html) {
  std::vector<std::string> out;
  std::regex rect(R"(<rect\b[^>]*>\s*<title>([^<]*)</title>)");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), rect); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1]);
  return out;
}

// Every element closed in order (the SVG as strict XML), checked by Python's
// html.parser and xml.etree.
const char* kHtmlCheck = R"PY(
import re, sys, xml.etree.ElementTree as ET
from html.parser import HTMLParser
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
class Check(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.problems = [], []
    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            self.problems.append("</%s> at %s closes %s" % (tag, self.getpos(), self.stack[-1] if self.stack else "nothing"))
        else:
            self.stack.pop()
text = open(sys.argv[1], encoding="utf-8").read()
c = Check()
c.feed(text)
c.close()
c.problems += ["<%s> at %s is never closed" % t for t in c.stack]
for svg in re.findall(r"<svg\b.*?</svg>", text, re.S):
    try:
        ET.fromstring(svg)
    except ET.ParseError as e:
        c.problems.append("the SVG is not well-formed XML: %s" % e)
print("\n".join(c.problems))
sys.exit(1 if c.problems else 0)
)PY";

TEST_F(DemoRun, HtmlReportIsOneSelfContainedPage) {
  Ran r = relman({"report", "--format", "html", "-o", (*dir_ / "report.html").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string html = read_file(*dir_ / "report.html");
  ASSERT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  // Nothing fetched from elsewhere: no scripts, stylesheets, images, fonts or frames by address.
  std::smatch m;
  EXPECT_FALSE(std::regex_search(html, m, std::regex(R"(<script\b[^>]*\bsrc\s*=)", std::regex::icase))) << m.str();
  EXPECT_FALSE(std::regex_search(html, m, std::regex(R"(<link\b[^>]*\bhref\s*=)", std::regex::icase))) << m.str();
  EXPECT_FALSE(std::regex_search(
      html, m,
      std::regex(
          R"(<(img|iframe|object|embed|source|image|use)\b[^>]*\b(src|href|data|xlink:href)\s*=\s*["']?\s*(https?:)?//)",
          std::regex::icase)))
      << m.str();
  EXPECT_FALSE(std::regex_search(html, m, std::regex(R"((url\(\s*["']?\s*(https?:)?//|@import))", std::regex::icase)))
      << m.str();
  EXPECT_THAT(html, HasSubstr("<svg")) << "no inline SVG timeline";

  write_file(*dir_ / "check.py", kHtmlCheck);
  Ran parsed = sh("python3 " + quote((*dir_ / "check.py").string()) + " " + quote((*dir_ / "report.html").string()));
  EXPECT_EQ(parsed.exit_code, 0) << parsed.out << parsed.err;
}

TEST_F(DemoRun, TimelineHasOneBarPerAttemptAndShowsTheFailedOne) {
  Ran st = relman({"status", "--json"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  json status = json::parse(st.out);
  ASSERT_TRUE(status["finished"].get<bool>());
  int attempts = 0;
  std::set<std::string> ids;
  for (const auto& s : status["steps"]) {
    attempts += s["attempts"].get<int>();
    ids.insert(s["id"].get<std::string>());
  }
  ASSERT_GE(attempts, 15);  // the pep101 steps that ran, and the build twice

  Ran r = relman({"report", "--format", "html"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int bars = 0, failed_build = 0;
  for (const auto& title : rect_titles(r.out)) {
    std::string id = title.substr(0, title.find(' '));
    if (!ids.count(id) || title.find(" waited at the gate ") != std::string::npos) continue;  // a gate's wait
    ++bars;
    if (id == "build" && title.find("failed") != std::string::npos) ++failed_build;
  }
  EXPECT_EQ(bars, attempts) << r.out;
  EXPECT_EQ(failed_build, 1) << "the build's failed attempt is not drawn";
}

TEST_F(DemoRun, MarkdownReportHasTheStepsAndTheArtifactsChecksums) {
  Ran r = relman({"report", "--format", "md"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("| step |")) << r.out;
  for (const char* step : {"| export |", "| build |", "| green-light |", "| announce |"})
    EXPECT_THAT(r.out, HasSubstr(step)) << step << " missing:\n" << r.out;
  // The checksums of the files themselves, not just what SHA256SUMS says.
  std::string sums = sh_ok("sha256sum Minipy-3.12.0.tgz Minipy-3.12.0.tar.xz", state() / "artifacts");
  std::regex line(R"(([0-9a-f]{64})\s+(\S+))");
  int seen = 0;
  for (auto it = std::sregex_iterator(sums.begin(), sums.end(), line); it != std::sregex_iterator(); ++it, ++seen) {
    std::regex row("\\|[^\\n]*" + std::regex_replace((*it)[2].str(), std::regex(R"([.])"), R"(\.)") + "[^\\n]*" +
                   (*it)[1].str());
    EXPECT_TRUE(std::regex_search(r.out, row)) << (*it)[2] << " with " << (*it)[1] << " missing:\n" << r.out;
  }
  EXPECT_EQ(seen, 2);
}

TEST_F(DemoRun, StatusIsPlainWhenPipedAndColouredOnATerminal) {
  Ran piped = relman({"status"});
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_THAT(piped.out, HasSubstr("announce"));
  EXPECT_THAT(piped.out, Not(HasSubstr(std::string(1, '\033')))) << piped.out;

  std::string cmd = quote(RELMAN_BINARY) + " status --state-dir " + quote(state().string());
  Ran tty = sh("env -u NO_COLOR TERM=xterm script -qec " + quote(cmd) + " /dev/null");
  ASSERT_EQ(tty.exit_code, 0) << tty.out << tty.err;
  EXPECT_THAT(tty.out, HasSubstr("announce")) << tty.out;
  EXPECT_THAT(tty.out, HasSubstr("\033[")) << "no colour on a terminal:\n" << tty.out;

  Ran no_colour = sh("env NO_COLOR=1 TERM=xterm script -qec " + quote(cmd) + " /dev/null");
  ASSERT_EQ(no_colour.exit_code, 0) << no_colour.out << no_colour.err;
  EXPECT_THAT(no_colour.out, HasSubstr("announce")) << no_colour.out;
  EXPECT_THAT(no_colour.out, Not(HasSubstr(std::string(1, '\033')))) << "colour despite NO_COLOR:\n" << no_colour.out;
}

// The commands `relman --help` lists.
std::vector<std::string> commands() {
  Ran r = relman::test::relman({"--help"});
  std::vector<std::string> out;
  bool in_list = false;
  std::regex entry(R"(^  ([a-z][a-z-]*)\s{2,}\S)");
  size_t pos = 0;
  while (pos < r.out.size()) {
    size_t nl = r.out.find('\n', pos);
    std::string l = r.out.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? r.out.size() : nl + 1;
    std::smatch m;
    if (std::regex_search(l, std::regex("^subcommands:", std::regex::icase))) in_list = true;
    else if (in_list && std::regex_search(l, m, entry)) out.push_back(m[1]);
    else if (in_list && !l.empty() && l[0] != ' ') in_list = false;
  }
  return out;
}

TEST(Presentation, EveryCommandHasHelpWithAnExample) {
  Ran top = relman::test::relman({"--help"});
  ASSERT_EQ(top.exit_code, 0) << top.err;
  EXPECT_THAT(top.out, HasSubstr("Example")) << top.out;
  auto cmds = commands();
  for (const char* c : {"plan", "rehearse", "start", "resume", "status", "retry", "skip", "approve", "graph", "log",
                        "report", "verify"})
    EXPECT_NE(std::find(cmds.begin(), cmds.end(), c), cmds.end()) << c << " is not listed by relman --help:\n"
                                                                  << top.out;
  for (const auto& c : cmds) {
    Ran r = relman::test::relman({c, "--help"});
    EXPECT_EQ(r.exit_code, 0) << c << ": " << r.err;
    EXPECT_THAT(r.out, HasSubstr("Example")) << "relman " << c << " --help has no example:\n" << r.out;
    EXPECT_THAT(r.out, HasSubstr("relman " + c)) << "relman " << c << " --help: the example is not of " << c << ":\n"
                                                 << r.out;
  }
}

// Every line a failing command prints on stderr is relman's: an error, then
// perhaps a hint.
void expect_error_form(const Ran& r, int code, const std::string& what) {
  EXPECT_EQ(r.exit_code, code) << what << "\n" << r.out << r.err;
  EXPECT_THAT(r.err, StartsWith("relman: error: ")) << what << ":\n" << r.err;
  size_t pos = 0;
  while (pos < r.err.size()) {
    size_t nl = r.err.find('\n', pos);
    std::string l = r.err.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? r.err.size() : nl + 1;
    if (l.rfind("relman: ", 0) == 0) continue;
    if (l.empty() || l[0] == ' ') continue;  // the indented continuation of a message
    ADD_FAILURE() << what << ": a line not in relman's form: " << l;
  }
}

TEST(Presentation, ErrorsHaveOneForm) {
  TempDir dir;
  Ran r = relman::test::relman({"status", "--state-dir", "/nonexistent"}, dir.path());
  expect_error_form(r, 2, "status of a missing run");
  EXPECT_THAT(r.err, HasSubstr("/nonexistent")) << r.err;
  expect_error_form(relman::test::relman({"plan"}, dir.path()), 2, "plan without a version");
  expect_error_form(relman::test::relman({"plan", "3.twelve"}, dir.path()), 2, "a version that is not one");
  expect_error_form(relman::test::relman({"frobnicate"}, dir.path()), 2, "an unknown command");
  expect_error_form(relman::test::relman({"graph", "--format", "png"}, dir.path()), 2, "an unknown graph format");
  Ran missing = relman::test::relman({"plan", "3.12.0", "--workflow", "no-such-workflow"}, dir.path());
  expect_error_form(missing, 2, "a missing workflow");
  EXPECT_THAT(missing.err, HasSubstr("no-such-workflow")) << missing.err;
}

// `cmake --install` into a prefix of its own; the installed relman finds
// the installed workflows from a directory without any, before the source
// tree's (which the binary also knows, and which would hide a broken install).
TEST(Presentation, InstalledRelmanFindsItsWorkflows) {
  TempDir dir;
  fs::path build = fs::path(RELMAN_BINARY).parent_path();
  fs::path prefix = dir / "prefix";
  Ran inst = sh("cmake --install " + quote(build.string()) + " --prefix " + quote(prefix.string()));
  ASSERT_EQ(inst.exit_code, 0) << inst.out << inst.err;
  for (const char* f : {"bin/relman", "share/relman/workflows/pep101.yaml", "share/man/man1/relman.1",
                        "share/bash-completion/completions/relman"})
    EXPECT_TRUE(fs::is_regular_file(prefix / f)) << f << " not installed:\n" << inst.out;

  fs::create_directories(dir / "elsewhere");
  Ran plan = sh("env -u RELMAN_WORKFLOWS " + quote((prefix / "bin" / "relman").string()) + " plan 3.12.0 --json",
                dir / "elsewhere");
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  std::string used = json::parse(plan.out)["workflow"].get<std::string>();
  // A relman installed system-wide at the configured prefix comes first; otherwise the one next to the binary.
  fs::path compiled_in = fs::path(RELMAN_DATADIR) / "workflows" / "pep101.yaml";
  fs::path expected = fs::is_regular_file(compiled_in) ? compiled_in : prefix / "share/relman/workflows/pep101.yaml";
  EXPECT_EQ(fs::path(used), expected);
  EXPECT_NE(fs::path(used), source_dir() / "workflows" / "pep101.yaml");

  Ran completion =
      sh("bash -c " + quote("source " + quote((prefix / "share/bash-completion/completions/relman").string()) +
                            " && complete -p relman"));
  EXPECT_EQ(completion.exit_code, 0) << completion.err;
  EXPECT_THAT(completion.out, HasSubstr("relman")) << completion.out;
}

}  // namespace
