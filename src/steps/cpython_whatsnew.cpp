// cpython.whatsnew: the first beta moves main to the next feature version,
// and main then needs that version's What's New: Doc/whatsnew/X.Y.rst from
// release-tools' template and its entry in Doc/whatsnew/index.rst's toctree
// above the released version's (run_release.py maybe_prepare_new_main_branch
// and update_whatsnew_toctree at a25ec43). A tree without
// Doc/whatsnew/index.rst is not CPython's: skipped with a note.
#include <fmt/format.h>

#include "adapters/durable.h"
#include "core/errors.h"
#include "core/step_kind.h"
#include "core/text.h"
#include "steps/cpython_whatsnew_template.h"

namespace relman::steps {
namespace {

namespace fs = std::filesystem;

const char* kIndex = "Doc/whatsnew/index.rst";

struct Plan {
  std::string next;      // "3.15"
  std::string previous;  // "3.14"
  std::string page() const { return "Doc/whatsnew/" + next + ".rst"; }
  std::string entry(const std::string& v) const { return "   " + v + ".rst"; }
  // The toctree line as a whole line of `index`: "   3.15.rst\n".
  bool listed(const std::string& index, const std::string& v) const {
    const std::string line = entry(v) + "\n";
    return index.rfind(line, 0) == 0 || index.find("\n" + line) != std::string::npos;
  }
};

std::string page_text(const Plan& p) {
  return replace_all(replace_all(cpython::kWhatsNewTemplate, "{version}", p.next), "{prev_version}", p.previous);
}

class CpythonWhatsNew : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {{"version", ParamType::string, false,
             "the feature version the page is for; default the one after the release's (3.15 for 3.14.0b1)"},
            {"previous", ParamType::string, false,
             "the version it is compared with; default the release's X.Y (3.14 for 3.14.0b1)"}};
  }
  std::vector<std::string> outputs() const override { return {"files"}; }

  json run(StepContext& ctx) const override {
    const Plan p = plan(ctx);
    if (!fs::exists(ctx.repo / kIndex)) {
      ctx.log->line(fmt::format("note: {} does not exist in this tree: no What's New to start", kIndex));
      return {{"files", json::array()}};
    }
    json files = json::array();
    const fs::path page = ctx.repo / p.page();
    const std::string text = page_text(p);
    if (!fs::exists(page)) {
      durable::write_atomic(page, text);
      ctx.log->line(
          fmt::format("{}: written from release-tools' template (What's new in Python {})", p.page(), p.next));
      files.push_back(p.page());
    } else if (durable::read_file(page) == text) {
      files.push_back(p.page());  // an earlier attempt wrote it: still this step's, for the commit
    } else {
      // Someone started it by hand: their words are kept.
      ctx.log->line(fmt::format("note: {} already exists with other text: left as it is", p.page()));
    }
    std::string index = durable::read_file(ctx.repo / kIndex);
    if (p.listed(index, p.next)) {
      ctx.log->line(fmt::format("{} already lists {}.rst", kIndex, p.next));
      files.push_back(kIndex);
    } else if (!p.listed(index, p.previous)) {
      throw StepError(fmt::format(
          "{} has no `{}` line in its toctree, so relman cannot tell where {}.rst goes: add the line `{}` to the "
          "toctree by hand, then: relman resume",
          kIndex, p.entry(p.previous), p.next, p.entry(p.next)));
    } else {
      index = replace_all(index, p.entry(p.previous) + "\n", p.entry(p.next) + "\n" + p.entry(p.previous) + "\n");
      durable::write_atomic(ctx.repo / kIndex, index);
      ctx.log->line(fmt::format("{}: {}.rst listed above {}.rst", kIndex, p.next, p.previous));
      files.push_back(kIndex);
    }
    return {{"files", files}};
  }

  // Running again writes only what is missing and names the same files for
  // the commit, so a step interrupted anywhere is simply run again.
  ProbeOutcome probe(StepContext&) const override {
    return {ProbeResult::not_done, json::object(), "running again writes only what is missing"};
  }

 private:
  static Plan plan(StepContext& ctx) {
    Plan p{ctx.str("version", ctx.release.next_minor().major_minor()), ctx.str("previous", ctx.release.major_minor())};
    for (const auto* v : {&p.next, &p.previous})
      if (v->empty() || v->find_first_not_of("0123456789.") != std::string::npos || v->find('.') == std::string::npos)
        throw StepError(fmt::format("'{}' is not a feature version like 3.15: fix the step's version or previous", *v));
    return p;
  }
};

}  // namespace
RELMAN_REGISTER_STEP(CpythonWhatsNew, "cpython.whatsnew");
}  // namespace relman::steps
