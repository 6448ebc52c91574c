// build.make: unpack the release tarball into a fresh directory, then
// `./configure` and `make -jN`, every line into the step's log. Builds from
// the tarball, not the checkout, so what is tested is what is shipped.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <thread>

#include "adapters/opened_files.h"
#include "adapters/process.h"
#include "core/confine.h"
#include "core/errors.h"
#include "core/step_kind.h"
#include "steps/configure_cache.h"
#include "steps/logged_command.h"
#include "steps/release_tree.h"
#include "steps/tree_snapshot.h"

namespace relman::steps {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// ccache in masquerade mode: compiler names on PATH that lead to ccache,
// which runs the next real compiler of that name further down PATH. This
// catches CC=gcc, CC=cc and plain `cc` from Makefiles alike.
fs::path masquerade_dir(const fs::path& ccache, const fs::path& dir) {
  fs::create_directories(dir);
  for (const char* name : {"cc", "gcc", "c++", "g++", "clang", "clang++"}) {
    std::error_code ec;
    fs::remove(dir / name, ec);
    fs::create_symlink(ccache, dir / name);
  }
  return dir;
}

fs::path cache_dir_param(StepContext& ctx, const char* key) {
  fs::path d = ctx.str(key);
  return d.is_absolute() ? d : confine_path(ctx, ctx.state_dir, d.string(), "the state directory");
}

// The configure cache as one build uses it: the entry it found or will write.
struct ConfigureCacheUse {
  ConfigureCache cache;
  std::string key;
  std::optional<ConfigureEntry> found;  // a hit
  std::string state() const { return found ? "hit" : "miss"; }
};

struct Build {
  StepContext& ctx;
  LoggedCommand command;
  long long timeout_s = 0;

  void run(const std::vector<std::string>& argv, const std::string& shown) {
    const auto r = command.run(ctx, argv, shown, "Install the build tools (make, a C compiler)");
    if (r.timed_out)
      throw StepError(fmt::format(
          "`{}` timed out: the build had run for longer than its timeout of {} s and was stopped.\n"
          "Last lines of the log:\n{}\nFull log: {}\n"
          "If the build is only slow, raise `timeout` (seconds) in the workflow; if it hangs, the log shows "
          "where. Then `relman retry {}`.",
          shown, timeout_s, ctx.log->tail(20), ctx.log->path().string(), ctx.step_id));
    if (!r.ok())
      throw StepError(
          fmt::format(
              "`{}` failed ({}) in {}.\nLast lines of the log:\n{}\nFull log: {}\n"
              "If the source must change: commit the fix on the release branch, delete the release tag (git tag -d) "
              "and `relman retry` the tag step, which makes the tag, the tarball and this build again. If only the "
              "step's `configure`/`make` arguments were wrong: fix them, then `relman retry {}`.",
              shown, r.describe(), command.cwd.string(), ctx.log->tail(20), ctx.log->path().string(), ctx.step_id),
          // A plain resume would build the same broken tarball again.
          Recovery{Recovery::Kind::retry_kind, "git.tag"});
  }
};

// Looks the tree's configure outputs up (nullopt: the cache is off).
std::optional<ConfigureCacheUse> configure_cache(StepContext& ctx, const fs::path& top,
                                                 const std::vector<std::string>& args) {
  if (!ctx.flag("configure_cache", true)) return std::nullopt;
  std::vector<fs::path> watch;
  for (const auto& w : ctx.list("configure_cache_watch")) watch.emplace_back(w);
  if (!ctx.has("configure_cache_watch")) watch = default_configure_cache_watch();
  const auto key = configure_cache_key({top, args, process::environment(), watch});
  ConfigureCacheUse use{ConfigureCache(ctx.has("configure_cache_dir") ? cache_dir_param(ctx, "configure_cache_dir")
                                                                      : default_configure_cache_dir()),
                        key.digest,
                        {}};
  auto lookup = use.cache.find(key.digest, top);
  use.found = std::move(lookup.entry);
  if (use.found)
    ctx.log->line(
        fmt::format("configure cache hit: {} ({} outputs of a configure that took {:.1f} s; the {} files "
                    "it read are unchanged; {})",
                    use.cache.entry(key.digest).string(), use.found->outputs.size(), use.found->configure_seconds,
                    use.found->inputs.size(), fmt::join(key.inputs, "; ")));
  else
    ctx.log->line(fmt::format("configure cache miss: {}: {} ({})", use.cache.entry(key.digest).string(), lookup.why,
                              fmt::join(key.inputs, "; ")));
  return use;
}

// configure run in full, watched: what it opened in the tree and what it
// wrote there are kept for the next build. A cache that cannot be written
// costs the next build its speed, not this build its result.
void configure_and_keep(StepContext& ctx, const ConfigureCacheUse& use, const fs::path& top,
                        const std::function<void()>& configure) {
  std::optional<OpenedFiles> watch;
  TreeSnapshot before;
  try {
    before = snapshot_tree(top);
    watch.emplace(top);
  } catch (const std::exception& e) {
    ctx.log->line(
        fmt::format("configure cache: what configure reads cannot be recorded ({}); its outputs are not "
                    "kept for the next build",
                    e.what()));
    watch.reset();
  }
  const auto start = Clock::now();
  configure();
  if (!watch) return;
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  const OpenedPaths opened = watch->stop();
  try {
    const auto why_not = use.cache.store(use.key, top, before, snapshot_tree(top), opened,
                                         {fs::absolute(ctx.state_dir).lexically_normal().string()}, secs);
    if (why_not) ctx.log->line(fmt::format("configure cache: configure's outputs are not kept: {}", *why_not));
    else
      ctx.log->line(fmt::format("configure's outputs kept in {} ({} files and {} directories opened while it ran)",
                                use.cache.entry(use.key).string(), opened.files.size(), opened.dirs.size()));
  } catch (const std::exception& e) {
    ctx.log->line(
        fmt::format("configure's outputs could not be kept in {} ({}); the next build runs configure "
                    "in full",
                    use.cache.dir().string(), e.what()));
  }
}

class BuildMake : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {
        {"tarball", ParamType::string, true, "the release tarball, relative to the artifacts directory"},
        {"configure", ParamType::string_list, false, "arguments to ./configure (default none)"},
        {"make", ParamType::string_list, false, "arguments to make, after -jN (default none)"},
        {"jobs", ParamType::integer, false, "parallel make jobs (default: the number of CPUs)"},
        {"timeout", ParamType::integer, false, "seconds for configure and make together (default 3600)"},
        {"dir", ParamType::string, false, "name of the directory the tarball is unpacked into (default build)"},
        {"program", ParamType::string, false, "the interpreter, relative to the top directory (default python)"},
        {"ccache", ParamType::boolean, false, "use ccache when it is installed (default true)"},
        {"ccache_dir", ParamType::string, false,
         "ccache's cache directory, relative to the state directory (default: CCACHE_DIR or ccache's own)"},
        {"configure_cache", ParamType::boolean, false,
         "keep what configure writes for the next build of the same tree and toolchain, which then skips configure "
         "(default true)"},
        {"configure_cache_dir", ParamType::string, false,
         "where they are kept, relative to the state directory unless absolute (default "
         "$XDG_CACHE_HOME/relman/configure or ~/.cache/relman/configure)"},
        {"configure_cache_watch", ParamType::string_list, false,
         "directories whose changes invalidate them (default /usr/include, /usr/local/include, /usr/lib, "
         "/usr/local/lib)"},
    };
  }
  std::vector<std::string> outputs() const override {
    return {"build_dir", "interpreter", "ccache", "configure_cache"};
  }

  std::vector<std::string> validate(const json& with) const override {
    std::vector<std::string> problems;
    check_tree_build_params(with, problems);
    // An absolute ccache_dir is the one outside path a workflow may name: a
    // cache keyed by content, shared between rehearsals (docs/security.md).
    for (const char* key : {"ccache_dir", "configure_cache_dir"})
      if (with.contains(key) && with[key].is_string()) {
        const std::string d = with[key].get<std::string>();
        if (!std::filesystem::path(d).is_absolute()) check_confined_param(with, key, "the state directory", problems);
      }
    return problems;
  }

  json run(StepContext& ctx) const override {
    const auto tarball = ctx.artifact_path(ctx.str("tarball"));
    const std::string dir_name = ctx.str("dir", "build");
    const long long jobs = ctx.integer("jobs", std::max(1u, std::thread::hardware_concurrency()));
    const long long timeout_s = ctx.integer("timeout", 3600);
    if (jobs <= 0 || timeout_s <= 0) throw StepError("'jobs' and 'timeout' must be positive");
    const auto start = Clock::now();
    const auto top = unpack_release_tree(ctx, tarball, dir_name);
    const auto root = top.parent_path();
    Build build{ctx, {top, {}, start + std::chrono::seconds(timeout_s)}, timeout_s};
    const auto interpreter = top / ctx.str("program", "python");
    if (!fs::is_regular_file(top / "configure"))
      throw StepError(
          fmt::format("the tarball has no `configure` script in {}/. Is it a source "
                      "release of the project?",
                      top.filename().string()));

    bool use_ccache = false;
    std::string make_path;  // PATH for make: the masquerade first
    if (ctx.flag("ccache", true)) {
      auto ccache = process::find_program("ccache");
      if (!ccache.empty()) {
        use_ccache = true;
        auto masq = masquerade_dir(fs::absolute(ccache), fs::absolute(ctx.work_dir / "ccache-bin"));
        const char* path = std::getenv("PATH");
        make_path = masq.string() + ":" + (path ? path : "/usr/local/bin:/usr/bin:/bin");
        // Paths under the base directory are hashed relative to it, and the
        // working directory is left out, so a rehearsal in another state
        // directory hits the cache of the previous one.
        build.command.env["CCACHE_BASEDIR"] = root.string();
        build.command.env["CCACHE_NOHASHDIR"] = "1";
        if (ctx.has("ccache_dir")) build.command.env["CCACHE_DIR"] = cache_dir_param(ctx, "ccache_dir").string();
        ctx.log->line(fmt::format("using ccache ({}) for make, CCACHE_BASEDIR={}", ccache.string(), root.string()));
      } else {
        ctx.log->line("ccache is not installed: building without a compiler cache");
      }
    }

    const std::vector<std::string> configure_args = ctx.list("configure");
    std::optional<ConfigureCacheUse> cached = configure_cache(ctx, top, configure_args);
    ctx.save_checkpoint({{"build_dir", top.string()},
                         {"interpreter", interpreter.string()},
                         {"ccache", use_ccache},
                         {"configure_cache", cached ? cached->state() : "off"},
                         {"built", false}});

    std::vector<std::string> configure{(top / "configure").string()};
    for (const auto& a : configure_args) configure.push_back(a);
    std::vector<std::string> shown_configure = configure;
    shown_configure[0] = "./configure";
    auto run_configure = [&] { build.run(configure, process::show_argv(shown_configure)); };
    if (cached && cached->found) {
      try {
        const size_t n = cached->cache.restore(cached->key, *cached->found, top);
        ctx.log->line(fmt::format("configure skipped: its {} outputs restored into {}", n, top.string()));
      } catch (const std::exception& e) {
        ctx.log->line(
            fmt::format("configure cache: the entry cannot be restored ({}); it is dropped and configure "
                        "runs in full",
                        e.what()));
        cached->cache.drop(cached->key);
        cached->found.reset();
        ctx.save_checkpoint({{"configure_cache", cached->state()}});
        unpack_release_tree(ctx, tarball, dir_name);  // nothing half restored is taken for the tarball's
      }
    }
    if (!cached) run_configure();
    else if (!cached->found) configure_and_keep(ctx, *cached, top, run_configure);

    // Not for configure: its few hundred test programs are compiled and
    // linked once each, so through ccache every one paid for a lookup and
    // none was ever a hit (on CPython: 564 uncacheable calls).
    // configure records the compiler by name (CC=gcc), which make then
    // finds in the masquerade.
    if (!make_path.empty()) {
      build.command.env["PATH"] = make_path;
      // A compile that writes its dependency file (-MD, -MMD) tells ccache
      // its headers, so a miss skips the preprocessor pass ccache otherwise
      // runs before compiling: on CPython 3.11's cold make -j2, 119 s
      // instead of 138 s (107 s without ccache). Compiles without one are
      // cached as before. CPython's Makefile takes -MD from CFLAGS_NODIST
      // (pep101.yaml's `make` var).
      build.command.env["CCACHE_DEPEND"] = "1";
    }

    std::vector<std::string> make{"make", "-j" + std::to_string(jobs)};
    for (auto& a : ctx.list("make")) make.push_back(a);
    try {
      build.run(make, process::show_argv(make));
    } catch (const StepError& e) {
      if (!cached || !cached->found) throw;
      cached->cache.drop(cached->key);
      throw StepError(fmt::format("{}\nconfigure's outputs came from the configure cache ({}); that entry is now "
                                  "dropped, so a retry runs configure afresh.",
                                  e.what(), cached->cache.entry(cached->key).string()),
                      e.recovery());
    }

    if (!fs::exists(interpreter))
      throw StepError(
          fmt::format("make succeeded but {} was not built. Set `program` to the "
                      "interpreter's path inside the tree, or check the make targets.",
                      interpreter.string()));
    ctx.save_checkpoint({{"built", true}});
    auto secs = std::chrono::duration<double>(Clock::now() - start).count();
    ctx.log->line(fmt::format("built {} in {:.1f} s{}", interpreter.string(), secs, use_ccache ? " (ccache)" : ""));
    return {{"build_dir", top.string()},
            {"interpreter", interpreter.string()},
            {"ccache", use_ccache},
            {"configure_cache", cached ? cached->state() : "off"}};
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    const auto& cp = ctx.checkpoint;
    if (!cp.contains("interpreter") || !cp.value("built", false))
      return {ProbeResult::not_done, {}, "the build had not finished; it is redone from the tarball"};
    const auto interpreter = cp["interpreter"].get<std::string>();
    process::Spec spec;
    spec.argv = {interpreter, "-V"};
    spec.timeout = std::chrono::seconds(30);
    spec.capture = true;
    try {
      if (fs::exists(interpreter) && process::run(spec).ok())
        return {ProbeResult::done,
                {{"build_dir", cp.value("build_dir", "")},
                 {"interpreter", interpreter},
                 {"ccache", cp.value("ccache", false)},
                 {"configure_cache", cp.value("configure_cache", "off")}},
                interpreter + " was built and runs"};
    } catch (const std::exception&) {
    }
    return {ProbeResult::not_done, {}, interpreter + " is missing or does not run; the build is redone"};
  }
};

}  // namespace

RELMAN_REGISTER_STEP(BuildMake, "build.make");

}  // namespace relman::steps
