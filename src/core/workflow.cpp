#include "core/workflow.h"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include "core/sha256_digest.h"
#include "core/template.h"

namespace relman {

bool StepDef::is_gate() const { return kind && kind->is_gate(); }

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
  static const std::vector<std::string> names = {"version", "kind",  "branch",     "long_name",  "tag",
                                                 "major",   "minor", "micro",      "serial",     "major_minor",
                                                 "next",    "post",  "next_minor", "doc_version"};
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
  if (name == "post") return v.str() + v.post_suffix();
  if (name == "next_minor") return v.next_minor().str();
  if (name == "doc_version") return v.doc_version();
  throw std::out_of_range("release." + name);
}

std::filesystem::path find_workflow(const std::string& name_or_path) {
  namespace fs = std::filesystem;
  if (fs::exists(name_or_path)) return fs::absolute(name_or_path);
  std::vector<fs::path> dirs = {fs::current_path() / "workflows"};
  if (const char* env = std::getenv("RELMAN_WORKFLOWS")) dirs.insert(dirs.begin(), env);
  dirs.push_back(fs::path(RELMAN_DATADIR) / "workflows");
  // Found from the executable rather than compiled in, so the binary holds no
  // path of the machine that built it: an installation moved to another
  // prefix finds its own share directory, and a build directory made in the
  // checkout (build/relman) finds the checkout's workflows/.
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path above = self.parent_path().parent_path();
    dirs.push_back(above / "share" / "relman" / "workflows");
    dirs.push_back(above / "workflows");
  }
  for (const auto& d : dirs)
    for (const auto& candidate : {d / name_or_path, d / (name_or_path + ".yaml")})
      if (fs::is_regular_file(candidate)) return fs::absolute(candidate);
  std::string where;
  for (const auto& d : dirs) where += "\n  " + d.string();
  throw ConfigError(fmt::format("workflow '{}' not found; looked in:{}", name_or_path, where));
}

namespace {

// Bounds on what a workflow may ask of the loader, so `plan` on any input
// finishes in well under a second and a few tens of MB (docs/security-loader.md).
constexpr std::uintmax_t kMaxFileSize = 1 << 20;  // bytes
constexpr size_t kMaxNodes = 100'000;             // YAML values, aliases expanded
constexpr size_t kMaxSteps = 1'000;
constexpr size_t kMaxIdLength = 64;
constexpr size_t kMaxProblems = 100;  // reported; the rest are counted

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

// [A-Za-z0-9][A-Za-z0-9_-]*, at most kMaxIdLength: an id names logs/<id>.log
// and work/<id>/, so it must be a short, plain file name.
bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > kMaxIdLength || !std::isalnum(static_cast<unsigned char>(id[0]))) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}

// The byte offset of the first byte that is not well-formed UTF-8 (overlong
// forms, surrogates and code points past U+10FFFF included), or npos.
size_t first_bad_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07;
    else return i;
    if (i + n > s.size()) return i;
    for (size_t k = 1; k < n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return i;
    i += n;
  }
  return std::string::npos;
}

// Parameters whose values become file or ref names: no control character
// may reach a file name (a newline in a tarball's member names, say).
const std::map<std::string, std::vector<std::string>>& file_name_params() {
  static const std::map<std::string, std::vector<std::string>> params = {
      {"archive.export", {"prefix"}},
      {"build.make", {"tarball", "dir", "program", "ccache_dir"}},
      {"checksum.sha256", {"files", "output"}},
      {"gpg.sign", {"files"}},
      {"gpg.verify", {"files", "checksums"}},
      {"http.upload", {"files", "url"}},
      {"exec", {"creates", "cwd"}},
      {"smoke.run", {"cwd"}},
      {"git.branch", {"name", "from"}},
      {"git.checkout", {"name"}},
      {"git.require_branch", {"name"}},
      {"git.tag", {"name", "ref"}},
      {"git.merge", {"ref"}},
      {"git.push", {"refs", "tags"}},
      {"git.fetch", {"remote", "branches"}},
      {"git.require_synced", {"remote", "branch"}},
      {"git.delete_branch", {"name"}},
  };
  return params;
}

std::string control_name(unsigned char c) {
  if (c == '\n') return "a newline";
  if (c == '\t') return "a tab";
  if (c == '\r') return "a carriage return";
  if (c == 0) return "a NUL character";
  return fmt::format("the control character U+{:04X}", c);
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
  std::string read_text();
  void check_tree(const YAML::Node& n);
  void check_scalar(const YAML::Node& n, const char* what);
  void check_file_names(const StepDef& step, const YAML::Node& with);
  TemplateResolver static_resolver();
  bool needs_transitively(size_t step, size_t target);
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
  size_t var_position_ = 0;                                          // while checking a var: how many vars precede it
  std::set<std::string> declared_vars_;
  std::vector<std::string> vars_so_far_;
  std::map<std::string, size_t> var_index_;  // name -> declaration position
  // Each var expanded as far as the load knows (vars, env; placeholders for
  // release, run and steps): what file-name checks look at.
  std::map<std::string, nlohmann::json> static_vars_;
  size_t nodes_ = 0;  // values visited by check_tree
  // ancestors_[i][j]: step i needs step j, directly or not (filled lazily).
  std::vector<std::vector<char>> ancestors_;
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
    case YAML::NodeType::Undefined:
      return nullptr;
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

std::string Loader::read_text() {
  std::error_code ec;
  auto size = std::filesystem::file_size(file_, ec);
  if (!ec && size > kMaxFileSize)
    throw ConfigError(
        fmt::format("workflow {} is {} bytes; relman reads workflows of at most {} bytes (1 MiB). "
                    "Split it, or check it is the file you meant",
                    file_.string(), size, kMaxFileSize));
  std::ifstream in(file_, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("cannot read workflow {}: no such file or not readable", file_.string()));
  // Read at most one byte past the limit: the file may grow, or be a pipe.
  std::string text(kMaxFileSize + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxFileSize)
    throw ConfigError(fmt::format("workflow {} is more than {} bytes; relman reads workflows of at most 1 MiB",
                                  file_.string(), kMaxFileSize));
  // YAML is text: a byte that is not UTF-8 or a NUL is refused where it is,
  // before the parser guesses what it meant.
  auto where = [&](size_t offset) {
    size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
    line_start = (line_start == std::string::npos || offset == 0) ? 0 : line_start + 1;
    int line = static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n')) + 1;
    return SourceLocation{file_.string(), line, static_cast<int>(offset - line_start) + 1};
  };
  if (size_t bad = first_bad_utf8(text); bad != std::string::npos)
    throw ConfigError({Diagnostic{where(bad), fmt::format("the byte 0x{:02X} is not UTF-8; save the workflow as UTF-8",
                                                          static_cast<unsigned char>(text[bad]))}});
  if (size_t nul = text.find('\0'); nul != std::string::npos)
    throw ConfigError({Diagnostic{where(nul), "a NUL byte; a workflow is text: remove it"}});
  return text;
}

// Walks every value once, aliases expanded, before anything else reads the
// tree: it bounds every later walk (to_json, template checks) by kMaxNodes
// and refuses what YAML accepts but a workflow must not hold.
void Loader::check_tree(const YAML::Node& n) {
  if (++nodes_ > kMaxNodes) {
    problem(n, fmt::format("the workflow holds more than {} values once its YAML aliases are expanded; relman refuses "
                           "it (an alias bomb?). Write the values out, or use fewer aliases",
                           kMaxNodes));
    throw ConfigError(problems_);
  }
  switch (n.Type()) {
    case YAML::NodeType::Scalar:
      check_scalar(n, "a value");
      break;
    case YAML::NodeType::Sequence:
      for (const auto& x : n) check_tree(x);
      break;
    case YAML::NodeType::Map: {
      std::map<std::string, int> seen;
      for (const auto& kv : n) {
        ++nodes_;
        if (!kv.first.IsScalar()) {
          problem(kv.first, "a key must be a plain string, not a list or a mapping");
        } else {
          check_scalar(kv.first, "a key");
          auto [it, fresh] = seen.emplace(kv.first.Scalar(), kv.first.Mark().line + 1);
          if (!fresh)
            problem(kv.first, fmt::format("duplicate key '{}' (first on line {}); YAML would keep only one of them: "
                                          "remove or rename one",
                                          kv.first.Scalar(), it->second));
        }
        check_tree(kv.second);
      }
      break;
    }
    default:
      break;
  }
}

void Loader::check_scalar(const YAML::Node& n, const char* what) {
  const std::string& v = n.Scalar();
  if (v.find('\0') != std::string::npos)
    problem(n,
            fmt::format("{} holds a NUL character (\\0), which would cut it short where it is used: remove it", what));
  if (first_bad_utf8(v) != std::string::npos)
    problem(n, fmt::format("{} is not UTF-8 once its escapes are read: write it as text", what));
}

Workflow Loader::load() {
  wf_.file = std::filesystem::absolute(file_);
  std::string text = read_text();
  wf_.hash = sha256_hex(text);

  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    throw ConfigError({Diagnostic{at(e.mark), fmt::format("YAML syntax error: nested more than {} levels deep; "
                                                          "write it flatter",
                                                          e.depth())}});
  } catch (const YAML::Exception& e) {
    throw ConfigError({Diagnostic{at(e.mark), "YAML syntax error: " + e.msg}});
  }
  if (!root.IsMap()) {
    problem(root, "a workflow is a mapping with 'name', 'vars' and 'steps'");
    throw ConfigError(problems_);
  }
  check_tree(root);
  for (const char* key : {"name", "description"})
    if (root[key] && (root[key].IsMap() || root[key].IsSequence()))
      problem(root[key], fmt::format("'{}' must be a string", key));
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
      problem_at({file_.string(), 0, 0}, fmt::format("--var {}: the workflow declares no such var (it has: {})", k,
                                                     known.empty() ? "none" : known));
    }

  YAML::Node steps = root["steps"];
  if (!steps) {
    problem(root, "the workflow has no 'steps'");
  } else if (!steps.IsSequence() || steps.size() == 0) {
    problem(steps, "'steps' must be a non-empty list of steps");
  } else if (steps.size() > kMaxSteps) {
    problem(steps,
            fmt::format("the workflow has {} steps; relman runs at most {} in one workflow", steps.size(), kMaxSteps));
  } else {
    std::map<std::string, int> first_seen;
    for (const auto& s : steps) load_step(s, first_seen);
    for (size_t i = 0; i < wf_.steps.size(); ++i) wf_.index.emplace(wf_.steps[i].id, i);
    // Default needs: the step before, recorded before the checks so cycles
    // and templates see the real graph.
    check_needs_and_cycles();
    check_templates();
  }
  if (problems_.size() > kMaxProblems) {
    size_t more = problems_.size() - kMaxProblems;
    problems_.resize(kMaxProblems);
    // Built field by field: g++ 12 at -O3 warns (-Wmaybe-uninitialized) on
    // the nested brace form, a false positive.
    Diagnostic rest;
    rest.where.file = file_.string();
    rest.message = fmt::format("... and {} more problems", more);
    problems_.push_back(std::move(rest));
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
    // Expanded now, as far as the load can, so a var that grows without
    // bound is refused here, naming it, and file-name checks see its text.
    nlohmann::json expanded = value;
    try {
      expanded = expand_templates(value, static_resolver());
    } catch (const TemplateTooLarge& e) {
      problem(kv.second, fmt::format("var '{}': {}", k, e.what()));
      expanded = "";
    } catch (const std::exception&) {
      // An unknown name: check_templates reports it with its column.
    }
    static_vars_[k] = std::move(expanded);
    wf_.vars.emplace_back(k, value);
    declared_vars_.insert(k);
    var_index_.emplace(k, vars_so_far_.size());
    vars_so_far_.push_back(k);
  }
}

TemplateResolver Loader::static_resolver() {
  return [this](const TemplateExpr& e) -> nlohmann::json {
    auto parts = e.parts();
    if (parts[0] == "vars" && parts.size() == 2) {
      auto it = static_vars_.find(parts[1]);
      if (it != static_vars_.end()) return it->second;
      throw std::out_of_range("vars." + parts[1]);
    }
    if (parts[0] == "env" && parts.size() == 2) {
      const char* v = std::getenv(parts[1].c_str());
      return std::string(v ? v : "");
    }
    // Known only when the run starts: release names are plain words and
    // digits, paths are absolute, step outputs are checked when they exist.
    if (parts[0] == "release") return std::string("0");
    if (parts[0] == "run") return std::string("/run");
    return std::string("x");
  };
}

void Loader::check_file_names(const StepDef& step, const YAML::Node& with) {
  auto it = file_name_params().find(step.uses);
  if (it == file_name_params().end() || !with || !with.IsMap()) return;
  for (const auto& param : it->second) {
    if (!step.with.contains(param)) continue;
    nlohmann::json value;
    try {
      value = expand_templates(step.with[param], static_resolver());
    } catch (const std::exception&) {
      continue;  // reported by the template checks
    }
    std::vector<std::string> texts;
    if (value.is_string()) texts.push_back(value.get<std::string>());
    for (const auto& x : value.is_array() ? value : nlohmann::json::array())
      if (x.is_string()) texts.push_back(x.get<std::string>());
    const YAML::Node node = with[param];
    bool templated = step.with[param].dump().find("${") != std::string::npos;
    for (const auto& t : texts) {
      auto c =
          std::find_if(t.begin(), t.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; });
      if (c != t.end()) {
        problem(node, fmt::format("step '{}': parameter '{}' becomes a file name and would hold {}{}; remove it",
                                  step.id, param, control_name(static_cast<unsigned char>(*c)),
                                  templated ? " (through its templates)" : ""));
        break;
      }
      if (step.uses == "archive.export" && param == "prefix" &&
          (t.empty() || t == "." || t == ".." || t.find('/') != std::string::npos))
        problem(node, fmt::format("step '{}': prefix '{}' must be a plain directory name such as Python-3.12.0 "
                                  "(no '/', not '..'){}",
                                  step.id, t, templated ? " (through its templates)" : ""));
    }
  }
}

bool Loader::needs_transitively(size_t step, size_t target) {
  if (ancestors_.empty()) ancestors_.resize(wf_.steps.size());
  auto& mine = ancestors_[step];
  if (mine.empty()) {
    // Depth-first over needs; linear in the steps and needs, once per step.
    mine.assign(wf_.steps.size(), 0);
    std::vector<size_t> todo = {step};
    while (!todo.empty()) {
      size_t i = todo.back();
      todo.pop_back();
      for (const auto& n : wf_.steps[i].needs) {
        auto j = wf_.index.find(n);
        if (j == wf_.index.end() || mine[j->second]) continue;
        mine[j->second] = 1;
        todo.push_back(j->second);
      }
    }
  }
  return mine[target] != 0;
}

// The key node of `key` in a mapping: an empty value ('uses:') has no text
// of its own, and yaml-cpp marks it where the next key begins.
static YAML::Node key_of(const YAML::Node& map, const char* key) {
  for (const auto& kv : map)
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.first;
  return map;
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
      problem(kv.first,
              fmt::format("unknown key '{}' in a step (expected id, uses, name, with, needs, when, approve)", key));
  }

  for (const char* key : {"id", "uses", "name", "approve"})
    if (node[key] && (node[key].IsMap() || node[key].IsSequence()))
      problem(node[key], fmt::format("'{}' must be a string", key));
  if (!node["id"] || !node["id"].IsScalar()) {
    // A null id ('id:' or 'id: ~') is no id; a mapping or list was reported above.
    if (!node["id"]) problem(node, "step has no 'id'");
    else if (node["id"].IsNull()) problem(key_of(node, "id"), "step 'id' is empty: give the step a name");
    step.id = fmt::format("#{}", wf_.steps.size() + 1);
  } else {
    step.id = node["id"].Scalar();
    if (!valid_id(step.id))
      problem(node["id"], step.id.size() > kMaxIdLength
                              ? fmt::format("step id '{}...' is {} characters long; an id names the step's log file, "
                                            "so at most {}",
                                            step.id.substr(0, 16), step.id.size(), kMaxIdLength)
                              : fmt::format("bad step id '{}': use letters, digits, '-' and '_'", step.id));
    auto [it, fresh] = first_seen.emplace(step.id, node["id"].Mark().line + 1);
    if (!fresh)
      problem(node["id"], fmt::format("duplicate step id '{}' (first defined on line {})", step.id, it->second));
  }
  if (node["name"] && node["name"].IsScalar()) step.title = node["name"].Scalar();
  if (!node["uses"] || !node["uses"].IsScalar()) {
    if (!node["uses"]) problem(node, fmt::format("step '{}' has no 'uses' (its step kind)", step.id));
    else if (node["uses"].IsNull())
      problem(key_of(node, "uses"), fmt::format("step '{}' has an empty 'uses': name its step kind", step.id));
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
  check_file_names(step, with);

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
        if (!declared_vars_.count(v))
          problem(when, fmt::format("condition names vars.{}, which is not declared in 'vars'", v));
    } catch (const ConditionSyntaxError& e) {
      size_t quoted = when.Tag() == "!" ? 1 : 0;
      // A hostile condition can be long: quote only its start.
      std::string shown = text.size() > 80 ? text.substr(0, 60) + "..." : text;
      problem_at(at(when.Mark(), e.column + quoted), fmt::format("bad condition '{}': {}", shown, e.message));
    }
  }
  if (YAML::Node approve = node["approve"]) {
    if (!step.is_gate()) problem(approve, "'approve' applies only to steps that use 'gate'");
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
    case ParamType::string:
      ok = value.IsScalar();
      break;
    case ParamType::integer:
      ok = j.is_number_integer();
      break;
    case ParamType::boolean:
      ok = j.is_boolean();
      break;
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
    case ParamType::any:
      break;
  }
  if (!ok) problem(value, fmt::format("parameter '{}' must be {}", spec.name, to_string(spec.type)));
}

void Loader::check_needs_and_cycles() {
  for (const auto& p : pending_needs_)
    if (!wf_.find(p.need))
      problem_at(p.where, fmt::format("step '{}' needs '{}', which is not a step of this workflow", p.step, p.need));
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
  auto bad = [&](const std::string& why) {
    problem_at(where, fmt::format("unknown template name '${{{}}}': {}", e.text, why));
  };
  if (root == "release") {
    const auto& names = release_template_names();
    if (parts.size() != 2 || std::find(names.begin(), names.end(), parts[1]) == names.end()) {
      std::string known;
      for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
      bad("release has " + known);
    }
  } else if (root == "vars") {
    if (parts.size() != 2 || !declared_vars_.count(parts[1])) bad("no such var is declared in 'vars'");
    else if (!step && var_index_.at(parts[1]) >= var_position_) bad("a var may use only vars declared before it");
  } else if (root == "env") {
    if (parts.size() != 2) bad("use ${env.NAME}");
    else if (!std::getenv(parts[1].c_str()))
      bad("the environment variable " + parts[1] + " is not set; set it or use a var");
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
    if (!needs_transitively(wf_.index.at(step->id), wf_.index.at(target->id))) {
      bad(fmt::format("step '{}' does not (even indirectly) need '{}'; add it to needs", step->id, target->id));
      return;
    }
    if (target->kind) {
      auto outs = target->kind->outputs();
      if (std::find(outs.begin(), outs.end(), parts[3]) == outs.end()) {
        std::string known;
        for (const auto& o : outs) known += (known.empty() ? "" : ", ") + o;
        bad(fmt::format("{} has no output '{}' (its outputs: {})", target->uses, parts[3],
                        known.empty() ? "none" : known));
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
