#include "support/fake_step.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/journal.h"
#include "core/state.h"
#include "core/step_kind.h"

namespace relman::test::fake {

World& world() {
  static World w;
  return w;
}

namespace {

// One write(2) with O_APPEND: lines from several threads (and a process
// that dies right after) never interleave or half-land.
void append_line(const std::filesystem::path& file, const std::string& line) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("fake step: cannot open " + file.string());
  std::string l = line + "\n";
  ssize_t n = ::write(fd, l.data(), l.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(l.size())) throw std::runtime_error("fake step: short write to " + file.string());
}

std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::vector<std::string> out;
  std::ifstream in(file);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

int count_of(const std::filesystem::path& file, const std::string& id) {
  int n = 0;
  for (const auto& l : lines_of(file))
    if (l == id) ++n;
  return n;
}

// Everything `id` needs, directly or through other steps.
std::set<std::string> transitive_needs(const Workflow& wf, const std::string& id) {
  std::set<std::string> out;
  std::vector<std::string> todo = {id};
  while (!todo.empty()) {
    const StepDef* d = wf.find(todo.back());
    todo.pop_back();
    if (!d) continue;
    for (const auto& n : d->needs)
      if (out.insert(n).second) todo.push_back(n);
  }
  return out;
}

// The engine's promise, checked from inside the step as it starts: every
// step it transitively needs is finished in the journal (succeeded, or
// skipped), and each that succeeded has its effect in the world.
void check_order(const World& w, const std::string& id) {
  if (!w.workflow || w.journal.empty()) return;
  auto loaded = Journal::read(w.journal);
  RunState st = fold(loaded.events);
  auto effects_now = effects(w);
  for (const auto& n : transitive_needs(*w.workflow, id)) {
    const StepStatus* s = st.find(n);
    StepState state = s ? s->state : StepState::pending;
    bool ok = state == StepState::succeeded || state == StepState::skipped;
    const StepDef* def = w.workflow->find(n);
    bool is_fake = def && def->uses == "test.fake";
    if (ok && state == StepState::succeeded && is_fake && effects_now[n] == 0) ok = false;
    if (!ok)
      append_line(w.dir / "violations.log",
                  fmt::format("{} started while {} (which it needs) was {}", id, n, to_string(state)));
  }
}

class Fake : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override { return {}; }

  json run(StepContext& ctx) const override {
    const World& w = world();
    const std::string& id = ctx.step_id;
    append_line(w.dir / "order.log", "start " + id);
    check_order(w, id);
    Script script;
    if (auto it = w.scripts.find(id); it != w.scripts.end()) script = it->second;
    if (script.sleep_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(script.sleep_us));
    int arrival = count_of(w.dir / "arrivals.log", id);
    append_line(w.dir / "arrivals.log", id);
    Act act = arrival < static_cast<int>(script.misbehave.size()) ? script.misbehave[arrival] : Act::succeed;
    switch (act) {
      case Act::fail:
        throw StepError(fmt::format("{} failed as scripted", id));
      case Act::uncertain_before:
        throw UncertainError(fmt::format("{}: cut off before sending", id));
      case Act::crash_before_effect:
        ::_exit(77);
      default:
        break;
    }
    append_line(w.dir / "effects.log", id);
    if (act == Act::crash_after_effect) ::_exit(77);
    if (act == Act::uncertain_after) throw UncertainError(fmt::format("{}: cut off after sending", id));
    append_line(w.dir / "order.log", "end " + id);
    return {{"done", id}};
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    if (count_of(world().dir / "effects.log", ctx.step_id) > 0)
      return {ProbeResult::done, {{"done", ctx.step_id}}, "its effect is in the world"};
    return {ProbeResult::not_done, json::object(), "no effect in the world"};
  }
};

RELMAN_REGISTER_STEP(Fake, "test.fake");

}  // namespace

std::map<std::string, int> effects(const World& w) {
  std::map<std::string, int> out;
  for (const auto& l : lines_of(w.dir / "effects.log")) ++out[l];
  return out;
}

std::vector<std::string> violations(const World& w) { return lines_of(w.dir / "violations.log"); }

std::vector<std::string> order(const World& w) { return lines_of(w.dir / "order.log"); }

}  // namespace relman::test::fake
