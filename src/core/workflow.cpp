#include "core/workflow.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include "adapters/sha256.h"
#include "core/template.h"

namespace relman {

const StepDef* Workflow::find(const std::string& id) const {
  auto it = index.find(id);
  if (it != index.end()) return &steps[it->second];
  return nullptr;
}

nlohmann::json Workflow::plan() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : steps)
    out.push_back({{"id", s.id}, {"uses", s.uses}, {"effect", s.kind ? to_string(s.kind->effect()) : ""}});
  return out;
}

std::vector<std::string> Workflow::dependants(const std::string& id) const {
  std::set<std::string> found{id};
  bool grew = true;
  while (grew) {
    grew = false;
    for (const auto& s : steps) {
      if (found.count(s.id)) continue;
      for (const auto& n : s.needs)
        if (found.count(n)) {
          found.insert(s.id);
          grew = true;
          break;
        }
    }
  }
  std::vector<std::string> out;
  for (const auto& s : steps)
    if (s.id != id && found.count(s.id)) out.push_back(s.id);
  return out;
}

const std::vector<std::string>& release_template_names() {
  static const std::vector<std::string> names = {"version", "kind",   "branch",      "long_name", "tag",
                                                 "major",   "minor",  "micro",       "serial",    "major_minor",
                                                 "next",    "post",   "next_minor"};
  return names;
}

const std::vector<std::string>& run_template_names() {
  static const std::vector<std::string> names = {"artifacts", "repo", "state", "logs", "mode"};
  return names;
}

std::string release_value(const Version& v, const std::string& name) {
  if (name == "version") return v.str();
  if (name == "kind") return v.kind_name();
  if (name == "branch") return v.branch();
  if (name == "long_name") return v.long_name();
  if (name == "tag") return v.tag();
  if (name == "major") return std::to_string(v.major);
  if (name == "minor") return std::to_string(v.minor);
  if (name == "micro") return std::to_string(v.micro);
  if (name == "serial") return std::to_string(v.serial);
  if (name == "major_minor") return v.major_minor();
  if (name == "next") return v.next_in_series().str();
  if (name == "post") return v.str() + "+";
  if (name == "next_minor") return v.next_minor().str();
  throw std::out_of_range("release." + name);
}

std::filesystem::path find_workflow(const std::string& name_or_path) {
  namespace fs = std::filesystem;
  if (fs::exists(name_or_path)) return fs::absolute(name_or_path);
  std::vector<fs::path> dirs = {fs::current_path() / "workflows"};
  if (const char* env = std::getenv("RELMAN_WORKFLOWS")) dirs.insert(dirs.begin(), env);
  fs::path exe_share = fs::path(RELMAN_DATADIR) / "workflows";
  dirs.push_back(exe_share);
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back(self.parent_path().parent_path() / "share" / "relman" / "workflows");
  dirs.push_back(fs::path(RELMAN_SOURCE_DIR) / "workflows");
  for (const auto& d : dirs)
    for (const auto& candidate : {d / name_or_path, d / (name_or_path + ".yaml")})
      if (fs::is_regular_file(candidate)) return fs::absolute(candidate);
  std::string where;
  for (const auto& d : dirs) where += "\n  " + d.string();
  throw ConfigError(fmt::format("workflow '{}' not found; looked in:{}", name_or_path, where));
}

namespace {

// -?(0|[1-9][0-9]{0,17}): plain scalars that become integers. (Hand-written:
// std::regex here cost more than the YAML parse on large workflows.)
bool looks_like_int(const std::string& s) {
  if (s.empty()) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  size_t digits = s.size() - i;
  if (digits == 0 || digits > 18) return false;
  if (s[i] == '0') return digits == 1;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

// [A-Za-z0-9][A-Za-z0-9_-]*
bool valid_id(const std::string& id) {
  if (id.empty() || !std::isalnum(static_cast<unsigned char>(id[0]))) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}

class Loader {
 public:
  Loader(std::filesystem::path file, const std::map<std::string, std::string>& overrides)
      : file_(std::move(file)), overrides_(overrides) {}

  Workflow load();

 private:
  SourceLocation at(const YAML::Mark& m, size_t extra_col = 0) const {
    if (m.line < 0) return {file_.string(), 0, 0};
    return {file_.string(), m.line + 1, static_cast<int>(m.column + 1 + extra_col)};
  }
  void problem(const YAML::Node& n, const std::string& msg) { problems_.push_back({at(n.Mark()), msg}); }
  void problem_at(const SourceLocation& where, const std::string& msg) { problems_.push_back({where, msg}); }

  static nlohmann::json to_json(const YAML::Node& n);
  void load_vars(const YAML::Node& vars);
  void load_step(const YAML::Node& node, std::map<std::string, int>& first_seen);
  void check_params(StepDef& step, const YAML::Node& with);
  void check_type(const ParamSpec& spec, const YAML::Node& value);
  void check_needs_and_cycles();
  void check_templates();
  void check_template_node(const YAML::Node& n, const StepDef* step);
  void check_template_expr(const TemplateExpr& e, const SourceLocation& where, const StepDef* step);

  std::filesystem::path file_;
  const std::map<std::string, std::string>& overrides_;
  std::vector<Diagnostic> problems_;
  Workflow wf_;
  std::vector<std::pair<const YAML::Node, size_t>> template_nodes_;  // node, step index
  std::vector<std::pair<const YAML::Node, size_t>> var_nodes_;       // node, var position
  size_t var_position_ = 0;  // while checking a var: how many vars precede it
  std::set<std::string> declared_vars_;
  std::vector<std::string> vars_so_far_;
  struct PendingNeed {
    std::string need;
    SourceLocation where;
    std::string step;
  };
  std::vector<PendingNeed> pending_needs_;
};

nlohmann::json Loader::to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted: always a string
      if (s == "true" || s == "True") return true;
      if (s == "false" || s == "False") return false;
      if (s == "null" || s == "~") return nullptr;
      if (looks_like_int(s)) return std::stoll(s);
      return s;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& x : n) out.push_back(to_json(x));
      return out;
    }
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : n) out[kv.first.Scalar()] = to_json(kv.second);
      return out;
    }
  }
  return nullptr;
}

Workflow Loader::load() {
  wf_.file = std::filesystem::absolute(file_);
  std::string text;
  {
    std::ifstream in(file_, std::ios::binary);
    if (!in) throw ConfigError(fmt::format("cannot read workflow {}: no such file or not readable", file_.string()));
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  Sha256 h;
  h.update(text);
  wf_.hash = h.hex();

  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError({Diagnostic{at(e.mark), "YAML syntax error: " + e.msg}});
  }
  if (!root.IsMap()) {
    problem(root, "a workflow is a mapping with 'name', 'vars' and 'steps'");
    throw ConfigError(problems_);
  }
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    if (key != "name" && key != "description" && key != "vars" && key != "steps")
      problem(kv.first, fmt::format("unknown key '{}' (expected name, description, vars, steps)", key));
  }
  wf_.name = root["name"] && root["name"].IsScalar() ? root["name"].Scalar() : file_.stem().string();
  if (root["description"] && root["description"].IsScalar()) wf_.description = root["description"].Scalar();
  if (root["vars"]) load_vars(root["vars"]);
  for (const auto& [k, v] : overrides_)
    if (!declared_vars_.count(k)) {
      std::string known;
      for (const auto& d : declared_vars_) known += (known.empty() ? "" : ", ") + d;
      problem_at({file_.string(), 0, 0},
                 fmt::format("--var {}: the workflow declares no such var (it has: {})", k, known.empty() ? "none" : known));
    }

  YAML::Node steps = root["steps"];
  if (!steps) {
    problem(root, "the workflow has no 'steps'");
  } else if (!steps.IsSequence() || steps.size() == 0) {
    problem(steps, "'steps' must be a non-empty list of steps");
  } else {
    std::map<std::string, int> first_seen;
    for (const auto& s : steps) load_step(s, first_seen);
    for (size_t i = 0; i < wf_.steps.size(); ++i) wf_.index.emplace(wf_.steps[i].id, i);
    // Default needs: the step before, recorded before the checks so cycles
    // and templates see the real graph.
    check_needs_and_cycles();
    check_templates();
  }
  if (!problems_.empty()) throw ConfigError(problems_);
  return std::move(wf_);
}

void Loader::load_vars(const YAML::Node& vars) {
  if (!vars.IsMap()) {
    problem(vars, "'vars' must be a mapping of NAME: value");
    return;
  }
  for (const auto& kv : vars) {
    std::string k = kv.first.Scalar();
    bool list = kv.second.IsSequence();
    if (list)
      for (const auto& x : kv.second) list = list && x.IsScalar();
    if (!kv.second.IsScalar() && !kv.second.IsNull() && !list) {
      problem(kv.second, fmt::format("var '{}' must be a string or a list of strings", k));
      continue;
    }
    nlohmann::json value = kv.second.IsNull() ? nlohmann::json("") : to_json(kv.second);
    if (value.is_number() || value.is_boolean()) value = kv.second.Scalar();
    if (value.is_array())
      for (auto& x : value)
        if (!x.is_string()) x = x.dump();
    auto o = overrides_.find(k);
    bool overridden = o != overrides_.end();
    if (overridden) value = o->second;
    if (!overridden) var_nodes_.push_back({kv.second, vars_so_far_.size()});
    wf_.vars.emplace_back(k, value);
    declared_vars_.insert(k);
    vars_so_far_.push_back(k);
  }
}

void Loader::load_step(const YAML::Node& node, std::map<std::string, int>& first_seen) {
  if (!node.IsMap()) {
    problem(node, "a step is a mapping with at least 'id' and 'uses'");
    return;
  }
  StepDef step;
  step.where = at(node.Mark());
  static const std::set<std::string> keys = {"id", "uses", "name", "with", "needs", "when", "approve"};
  for (const auto& kv : node) {
    std::string key = kv.first.Scalar();
    if (!keys.count(key))
      problem(kv.first, fmt::format("unknown key '{}' in a step (expected id, uses, name, with, needs, when, approve)", key));
  }

  if (!node["id"] || !node["id"].IsScalar()) {
    problem(node, "step has no 'id'");
    step.id = fmt::format("#{}", wf_.steps.size() + 1);
  } else {
    step.id = node["id"].Scalar();
    if (!valid_id(step.id))
      problem(node["id"], fmt::format("bad step id '{}': use letters, digits, '-' and '_'", step.id));
    auto [it, fresh] = first_seen.emplace(step.id, node["id"].Mark().line + 1);
    if (!fresh) problem(node["id"], fmt::format("duplicate step id '{}' (first defined on line {})", step.id, it->second));
  }
  if (node["name"] && node["name"].IsScalar()) step.title = node["name"].Scalar();
  if (!node["uses"] || !node["uses"].IsScalar()) {
    problem(node, fmt::format("step '{}' has no 'uses' (its step kind)", step.id));
  } else {
    step.uses = node["uses"].Scalar();
    step.kind = StepRegistry::instance().find(step.uses);
    if (!step.kind) {
      std::string known;
      for (const auto& n : StepRegistry::instance().names()) known += (known.empty() ? "" : ", ") + n;
      problem(node["uses"], fmt::format("unknown step kind '{}' (known kinds: {})", step.uses, known));
    }
  }
  YAML::Node with = node["with"];
  if (with && !with.IsNull() && !with.IsMap()) {
    problem(with, "'with' must be a mapping of parameter: value");
  } else if (with && with.IsMap()) {
    step.with = to_json(with);
  }
  if (step.kind) check_params(step, with);

  if (YAML::Node needs = node["needs"]) {
    if (needs.IsScalar()) {
      step.needs.push_back(needs.Scalar());
    } else if (needs.IsSequence()) {
      for (const auto& n : needs) {
        if (!n.IsScalar()) problem(n, "'needs' holds step ids");
        else step.needs.push_back(n.Scalar());
      }
    } else if (!needs.IsNull()) {
      problem(needs, "'needs' must be a step id or a list of step ids");
    }
    for (size_t i = 0; i < step.needs.size(); ++i) {
      const auto& n = step.needs[i];
      const YAML::Node& where = needs.IsSequence() ? needs[i] : needs;
      if (n == step.id) problem(where, fmt::format("step '{}' needs itself", step.id));
      else if (!first_seen.count(n)) {
        // A later step is allowed only if it exists: checked after all are read.
        pending_needs_.push_back({n, at(where.Mark()), step.id});
      }
    }
  } else if (!wf_.steps.empty()) {
    step.needs.push_back(wf_.steps.back().id);
  }

  if (YAML::Node when = node["when"]) {
    std::string text = when.IsScalar() ? when.Scalar() : "";
    try {
      if (!when.IsScalar()) throw ConditionSyntaxError{0, "'when' must be a condition such as 'final or rc'"};
      step.when = Condition::parse(text);
      for (const auto& v : step.when->vars())
        if (!declared_vars_.count(v)) problem(when, fmt::format("condition names vars.{}, which is not declared in 'vars'", v));
    } catch (const ConditionSyntaxError& e) {
      size_t quoted = when.Tag() == "!" ? 1 : 0;
      problem_at(at(when.Mark(), e.column + quoted), fmt::format("bad condition '{}': {}", text, e.message));
    }
  }
  if (YAML::Node approve = node["approve"]) {
    if (step.uses != "gate") problem(approve, "'approve' applies only to steps that use 'gate'");
    else if (!approve.IsScalar() || (approve.Scalar() != "manual" && approve.Scalar() != "auto-in-ci"))
      problem(approve, "'approve' must be 'manual' or 'auto-in-ci'");
    else step.approve = approve.Scalar();
  }
  if (with && with.IsMap()) template_nodes_.push_back({with, wf_.steps.size()});
  wf_.steps.push_back(std::move(step));
}

void Loader::check_params(StepDef& step, const YAML::Node& with) {
  auto specs = step.kind->params();
  if (with && with.IsMap()) {
    for (const auto& kv : with) {
      std::string key = kv.first.Scalar();
      auto spec = std::find_if(specs.begin(), specs.end(), [&](const ParamSpec& p) { return p.name == key; });
      if (spec == specs.end()) {
        std::string known;
        for (const auto& p : specs) known += (known.empty() ? "" : ", ") + p.name;
        problem(kv.first, fmt::format("step '{}': {} takes no parameter '{}' (it takes: {})", step.id, step.uses, key,
                                      known.empty() ? "none" : known));
        continue;
      }
      check_type(*spec, kv.second);
    }
  }
  for (const auto& p : specs)
    if (p.required && !(with && with.IsMap() && with[p.name]))
      problem_at(step.where, fmt::format("step '{}': {} needs parameter '{}' ({})", step.id, step.uses, p.name, p.doc));
  for (const auto& msg : step.kind->validate(step.with))
    problem(with ? with : YAML::Node(), fmt::format("step '{}': {}", step.id, msg));
}

void Loader::check_type(const ParamSpec& spec, const YAML::Node& value) {
  auto is_template_only = [](const YAML::Node& n) {
    if (!n.IsScalar()) return false;
    const std::string& s = n.Scalar();
    auto exprs = find_templates(s);
    return exprs.size() == 1 && exprs[0].offset == 0 && exprs[0].text.size() + 3 == s.size();
  };
  if (is_template_only(value)) return;  // checked when expanded
  nlohmann::json j = to_json(value);
  bool ok = true;
  switch (spec.type) {
    case ParamType::string: ok = value.IsScalar(); break;
    case ParamType::integer: ok = j.is_number_integer(); break;
    case ParamType::boolean: ok = j.is_boolean(); break;
    case ParamType::string_list:
    case ParamType::string_or_list:
      if (value.IsSequence()) {
        for (const auto& x : value) ok = ok && x.IsScalar();
      } else {
        ok = spec.type == ParamType::string_or_list && value.IsScalar();
      }
      break;
    case ParamType::map:
      ok = value.IsMap();
      if (ok)
        for (const auto& kv : value) ok = ok && kv.second.IsScalar();
      break;
    case ParamType::any: break;
  }
  if (!ok) problem(value, fmt::format("parameter '{}' must be {}", spec.name, to_string(spec.type)));
}

void Loader::check_needs_and_cycles() {
  for (const auto& p : pending_needs_)
    if (!wf_.find(p.need)) problem_at(p.where, fmt::format("step '{}' needs '{}', which is not a step of this workflow", p.step, p.need));
  // Cycles: depth-first search with colours; report each cycle once.
  std::map<std::string, int> colour;
  std::vector<std::string> stack;
  std::function<void(const StepDef&)> visit = [&](const StepDef& s) {
    colour[s.id] = 1;
    stack.push_back(s.id);
    for (const auto& n : s.needs) {
      const StepDef* d = wf_.find(n);
      if (!d) continue;
      if (colour[n] == 1) {
        std::string path;
        auto it = std::find(stack.begin(), stack.end(), n);
        for (; it != stack.end(); ++it) path += *it + " -> ";
        problem_at(s.where, fmt::format("the steps' needs form a cycle: {}{}", path, n));
      } else if (colour[n] == 0) {
        visit(*d);
      }
    }
    stack.pop_back();
    colour[s.id] = 2;
  };
  for (const auto& s : wf_.steps)
    if (colour[s.id] == 0) visit(s);
}

void Loader::check_templates() {
  for (auto& [node, position] : var_nodes_) {
    var_position_ = position;
    check_template_node(node, nullptr);
  }
  for (auto& [node, step_index] : template_nodes_) check_template_node(node, &wf_.steps[step_index]);
}

void Loader::check_template_node(const YAML::Node& n, const StepDef* step) {
  if (n.IsScalar()) {
    std::vector<TemplateSyntaxError> errors;
    auto exprs = find_templates(n.Scalar(), &errors);
    size_t quoted = n.Tag() == "!" ? 1 : 0;
    bool one_line = n.Scalar().find('\n') == std::string::npos;
    for (const auto& e : errors) problem_at(at(n.Mark(), one_line ? e.offset + quoted : 0), e.message);
    for (const auto& e : exprs) check_template_expr(e, at(n.Mark(), one_line ? e.offset + quoted : 0), step);
  } else if (n.IsSequence()) {
    for (const auto& x : n) check_template_node(x, step);
  } else if (n.IsMap()) {
    for (const auto& kv : n) check_template_node(kv.second, step);
  }
}

void Loader::check_template_expr(const TemplateExpr& e, const SourceLocation& where, const StepDef* step) {
  auto parts = e.parts();
  const std::string& root = parts[0];
  auto bad = [&](const std::string& why) { problem_at(where, fmt::format("unknown template name '${{{}}}': {}", e.text, why)); };
  if (root == "release") {
    const auto& names = release_template_names();
    if (parts.size() != 2 || std::find(names.begin(), names.end(), parts[1]) == names.end()) {
      std::string known;
      for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
      bad("release has " + known);
    }
  } else if (root == "vars") {
    if (parts.size() != 2 || !declared_vars_.count(parts[1])) bad("no such var is declared in 'vars'");
    else if (!step && std::find(vars_so_far_.begin(), vars_so_far_.begin() + static_cast<long>(var_position_), parts[1]) ==
                          vars_so_far_.begin() + static_cast<long>(var_position_))
      bad("a var may use only vars declared before it");
  } else if (root == "env") {
    if (parts.size() != 2) bad("use ${env.NAME}");
    else if (!std::getenv(parts[1].c_str())) bad("the environment variable " + parts[1] + " is not set; set it or use a var");
  } else if (root == "run") {
    const auto& names = run_template_names();
    if (parts.size() != 2 || std::find(names.begin(), names.end(), parts[1]) == names.end())
      bad("run has artifacts, repo, state, logs, mode");
  } else if (root == "steps") {
    if (!step) {
      bad("vars cannot use step outputs");
      return;
    }
    if (parts.size() != 4 || parts[2] != "outputs") {
      bad("use ${steps.ID.outputs.KEY}");
      return;
    }
    const StepDef* target = wf_.find(parts[1]);
    if (!target) {
      bad("there is no step '" + parts[1] + "'");
      return;
    }
    // The value exists only if the step ran before this one: it must be a
    // (transitive) need.
    auto deps = wf_.dependants(target->id);
    if (std::find(deps.begin(), deps.end(), step->id) == deps.end()) {
      bad(fmt::format("step '{}' does not (even indirectly) need '{}'; add it to needs", step->id, target->id));
      return;
    }
    if (target->kind) {
      auto outs = target->kind->outputs();
      if (std::find(outs.begin(), outs.end(), parts[3]) == outs.end()) {
        std::string known;
        for (const auto& o : outs) known += (known.empty() ? "" : ", ") + o;
        bad(fmt::format("{} has no output '{}' (its outputs: {})", target->uses, parts[3], known.empty() ? "none" : known));
      }
    }
  } else {
    bad("a template starts with release., vars., steps., env. or run.");
  }
}

}  // namespace

Workflow load_workflow(const std::filesystem::path& file, const std::map<std::string, std::string>& overrides) {
  return Loader(file, overrides).load();
}

}  // namespace relman
