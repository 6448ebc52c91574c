#include "core/condition.h"

#include "core/release_cycle.h"

#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

namespace relman {

struct Condition::Node {
  enum Op { kind, var_eq, var_ne, version_cmp, and_, or_, not_, constant } op = constant;
  std::string name;          // kind name or var name
  std::string value;         // compared string; for version_cmp the operator
  int major = 0, minor = 0;  // version_cmp: X.Y
  bool truth = false;
  std::shared_ptr<const Node> a, b;
};

namespace {

// `security` is not a kind of version but of branch: the `security` var or
// the release-cycle file says it (core/release_cycle.h).
const char* kKinds[] = {"alpha", "beta", "first_beta", "rc", "final", "prerelease", "security"};

struct Token {
  enum Type { ident, str, lparen, rparen, eq, ne, cmp, end } type;
  std::string text;
  size_t col;
};

std::vector<Token> lex(const std::string& s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '(') {
      out.push_back({Token::lparen, "(", i++});
    } else if (c == ')') {
      out.push_back({Token::rparen, ")", i++});
    } else if (c == '=' && i + 1 < s.size() && s[i + 1] == '=') {
      out.push_back({Token::eq, "==", i});
      i += 2;
    } else if (c == '!' && i + 1 < s.size() && s[i + 1] == '=') {
      out.push_back({Token::ne, "!=", i});
      i += 2;
    } else if (c == '<' || c == '>') {
      const bool or_equal = i + 1 < s.size() && s[i + 1] == '=';
      out.push_back({Token::cmp, std::string(1, c) + (or_equal ? "=" : ""), i});
      i += or_equal ? 2 : 1;
    } else if (c == '\'' || c == '"') {
      size_t close = s.find(c, i + 1);
      if (close == std::string::npos) throw ConditionSyntaxError{i, "unterminated string"};
      out.push_back({Token::str, s.substr(i + 1, close - i - 1), i});
      i = close + 1;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t start = i;
      while (i < s.size() &&
             (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == '.' || s[i] == '-'))
        ++i;
      out.push_back({Token::ident, s.substr(start, i - start), start});
    } else {
      throw ConditionSyntaxError{i, std::string("unexpected character '") + c + "'"};
    }
  }
  out.push_back({Token::end, "", s.size()});
  return out;
}

// Hostile input gets an error, not a stack overflow: the parser and the
// evaluator recurse once per nesting level and once per operand of a chain.
constexpr size_t kMaxText = 4096;
constexpr int kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(std::vector<Token> t) : toks_(std::move(t)) {}

  std::shared_ptr<const Condition::Node> parse() {
    auto n = parse_or();
    if (peek().type != Token::end) throw ConditionSyntaxError{peek().col, "unexpected '" + peek().text + "'"};
    return n;
  }

 private:
  using NodeP = std::shared_ptr<const Condition::Node>;
  const Token& peek() const { return toks_[pos_]; }
  Token take() { return toks_[pos_++]; }
  bool is_word(const char* w) const { return peek().type == Token::ident && peek().text == w; }

  NodeP binary(Condition::Node::Op op, NodeP a, NodeP b) {
    auto n = std::make_shared<Condition::Node>();
    n->op = op;
    n->a = std::move(a);
    n->b = std::move(b);
    return n;
  }

  NodeP parse_or() {
    auto left = parse_and();
    while (is_word("or")) {
      take();
      left = binary(Condition::Node::or_, left, parse_and());
    }
    return left;
  }

  NodeP parse_and() {
    auto left = parse_not();
    while (is_word("and")) {
      take();
      left = binary(Condition::Node::and_, left, parse_not());
    }
    return left;
  }

  // Counts one level of nesting for as long as it lives.
  struct Level {
    explicit Level(Parser& p, size_t col) : p_(p) {
      if (++p_.depth_ > kMaxDepth)
        throw ConditionSyntaxError{col, "nested more than " + std::to_string(kMaxDepth) +
                                            " levels deep (parentheses and 'not'); write it more simply"};
    }
    ~Level() { --p_.depth_; }
    Level(const Level&) = delete;
    Level& operator=(const Level&) = delete;
    Parser& p_;
  };

  NodeP parse_not() {
    if (is_word("not")) {
      Level level(*this, peek().col);
      take();
      return binary(Condition::Node::not_, parse_not(), nullptr);
    }
    return parse_atom();
  }

  NodeP parse_atom() {
    Token t = take();
    if (t.type == Token::lparen) {
      Level level(*this, t.col);
      auto n = parse_or();
      if (peek().type != Token::rparen) throw ConditionSyntaxError{peek().col, "expected ')'"};
      take();
      return n;
    }
    if (t.type != Token::ident)
      throw ConditionSyntaxError{
          t.col, t.type == Token::end ? "expected a condition such as 'final or rc'" : "unexpected '" + t.text + "'"};
    auto n = std::make_shared<Condition::Node>();
    if (t.text == "true" || t.text == "false") {
      n->op = Condition::Node::constant;
      n->truth = t.text == "true";
      return n;
    }
    if (t.text.rfind("vars.", 0) == 0) {
      Token op = take();
      if (op.type != Token::eq && op.type != Token::ne)
        throw ConditionSyntaxError{op.col, "expected '==' or '!=' after " + t.text};
      Token value = take();
      if (value.type != Token::str && value.type != Token::ident)
        throw ConditionSyntaxError{value.col, "expected a quoted value after " + op.text};
      n->op = op.type == Token::eq ? Condition::Node::var_eq : Condition::Node::var_ne;
      n->name = t.text.substr(5);
      n->value = value.text;
      return n;
    }
    if (t.text == "release.major_minor") {
      Token op = take();
      if (op.type != Token::eq && op.type != Token::ne && op.type != Token::cmp)
        throw ConditionSyntaxError{op.col, "expected ==, !=, <, <=, > or >= after " + t.text};
      Token value = take();
      int major = 0, minor = 0;
      char tail = 0;
      if ((value.type != Token::str && value.type != Token::ident) ||
          std::sscanf(value.text.c_str(), "%d.%d%c", &major, &minor, &tail) != 2)
        throw ConditionSyntaxError{value.col, "expected a quoted X.Y such as '3.14' after " + op.text};
      n->op = Condition::Node::version_cmp;
      n->name = t.text;
      n->value = op.text;
      n->major = major;
      n->minor = minor;
      return n;
    }
    for (const char* k : kKinds) {
      if (t.text == k) {
        n->op = Condition::Node::kind;
        n->name = t.text;
        return n;
      }
    }
    throw ConditionSyntaxError{
        t.col, "unknown name '" + t.text +
                   "': a condition uses alpha, beta, first_beta, rc, final, prerelease, security, true, false, "
                   "vars.NAME == 'value', release.major_minor >= 'X.Y', and, or, not and parentheses"};
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
};

std::string var_text(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_array()) {
    std::string out;
    for (const auto& x : j) out += (out.empty() ? "" : " ") + var_text(x);
    return out;
  }
  return j.is_null() ? "" : j.dump();
}

bool eval_node(const Condition::Node& n, const Version& v, const std::map<std::string, nlohmann::json>& vars) {
  switch (n.op) {
    case Condition::Node::constant:
      return n.truth;
    case Condition::Node::kind: {
      auto k = v.kind();
      if (n.name == "alpha") return k == ReleaseKind::alpha;
      if (n.name == "beta") return k == ReleaseKind::beta || k == ReleaseKind::first_beta;
      if (n.name == "first_beta") return k == ReleaseKind::first_beta;
      if (n.name == "rc") return k == ReleaseKind::rc;
      if (n.name == "final") return k == ReleaseKind::final;
      if (n.name == "prerelease") return k != ReleaseKind::final;
      if (n.name == "security") return security_release(v, vars);
      return false;
    }
    case Condition::Node::var_eq:
    case Condition::Node::var_ne: {
      auto it = vars.find(n.name);
      bool eq = (it != vars.end() ? var_text(it->second) : std::string()) == n.value;
      return n.op == Condition::Node::var_eq ? eq : !eq;
    }
    case Condition::Node::version_cmp: {
      // Python's tuple order on (major, minor), as release-tools compares versions.
      const int c =
          v.major != n.major ? (v.major < n.major ? -1 : 1) : (v.minor != n.minor ? (v.minor < n.minor ? -1 : 1) : 0);
      if (n.value == "==") return c == 0;
      if (n.value == "!=") return c != 0;
      if (n.value == "<") return c < 0;
      if (n.value == "<=") return c <= 0;
      if (n.value == ">") return c > 0;
      return c >= 0;
    }
    case Condition::Node::and_:
      return eval_node(*n.a, v, vars) && eval_node(*n.b, v, vars);
    case Condition::Node::or_:
      return eval_node(*n.a, v, vars) || eval_node(*n.b, v, vars);
    case Condition::Node::not_:
      return !eval_node(*n.a, v, vars);
  }
  return false;
}

void collect_vars(const Condition::Node* n, std::vector<std::string>& out) {
  if (!n) return;
  if (n->op == Condition::Node::var_eq || n->op == Condition::Node::var_ne) out.push_back(n->name);
  collect_vars(n->a.get(), out);
  collect_vars(n->b.get(), out);
}

}  // namespace

Condition Condition::parse(const std::string& text) {
  if (text.size() > kMaxText)
    throw ConditionSyntaxError{kMaxText,
                               "longer than " + std::to_string(kMaxText) + " characters; write it more simply"};
  Condition c;
  c.text_ = text;
  c.root_ = Parser(lex(text)).parse();
  return c;
}

bool Condition::eval(const Version& v, const std::map<std::string, nlohmann::json>& vars) const {
  return root_ ? eval_node(*root_, v, vars) : true;
}

std::vector<std::string> Condition::vars() const {
  std::vector<std::string> out;
  collect_vars(root_.get(), out);
  return out;
}

}  // namespace relman
