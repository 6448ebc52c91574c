#include "core/template.h"

#include <cctype>
#include <stdexcept>

namespace relman {

std::vector<std::string> TemplateExpr::parts() const {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t dot = text.find('.', start);
    out.push_back(text.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

std::vector<TemplateExpr> find_templates(std::string_view s, std::vector<TemplateSyntaxError>* errors) {
  std::vector<TemplateExpr> out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '$') continue;
    if (s.substr(i, 3) == "$${") {
      i += 2;
      continue;
    }
    if (s.substr(i, 2) != "${") continue;
    size_t close = s.find('}', i + 2);
    if (close == std::string_view::npos) {
      if (errors) errors->push_back({i, "unterminated '${': add the closing '}'"});
      break;
    }
    std::string text(s.substr(i + 2, close - i - 2));
    bool ok = !text.empty();
    for (char c : text)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) ok = false;
    if (!ok) {
      if (errors)
        errors->push_back({i, "bad template '${" + text + "}': expected a dotted name such as ${release.version}"});
    } else {
      out.push_back(TemplateExpr{text, i});
    }
    i = close;
  }
  return out;
}

namespace {

std::string to_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string out;
    for (const auto& x : v) {
      if (!out.empty()) out += ' ';
      out += to_text(x);
    }
    return out;
  }
  if (v.is_null()) return "";
  return v.dump();
}

}  // namespace

namespace {

[[noreturn]] void too_large(size_t limit) {
  throw TemplateTooLarge("its templates expand to more than " + std::to_string(limit) +
                         " bytes; a var that repeats another many times over? Make the values smaller");
}

// Charges `n` to the budget.
void charge(size_t& used, size_t n, size_t limit) {
  if (n > limit - used) too_large(limit);
  used += n;
}

// The size of a value as the budget counts it, stopping once over.
void charge_value(const nlohmann::json& v, size_t& used, size_t limit) {
  if (v.is_string()) return charge(used, v.get_ref<const std::string&>().size(), limit);
  if (v.is_array()) {
    for (const auto& x : v) {
      charge(used, 1, limit);
      charge_value(x, used, limit);
    }
    return;
  }
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      charge(used, it.key().size() + 1, limit);
      charge_value(it.value(), used, limit);
    }
    return;
  }
  charge(used, 8, limit);
}

std::string expand_string_in(std::string_view s, const TemplateResolver& resolve, size_t& used, size_t limit) {
  std::string out;
  size_t start = used;
  auto grow = [&] { charge(used, out.size() - (used - start), limit); };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.substr(i, 3) == "$${") {
      out += "${";
      i += 2;
      continue;
    }
    if (s.substr(i, 2) == "${") {
      size_t close = s.find('}', i + 2);
      if (close == std::string_view::npos) throw std::invalid_argument("unterminated '${'");
      TemplateExpr e{std::string(s.substr(i + 2, close - i - 2)), i};
      nlohmann::json v = resolve(e);
      // A list joined with spaces is as long as its items and separators.
      size_t before = used;
      charge_value(v, used, limit);
      used = before;
      out += to_text(v);
      grow();
      i = close;
      continue;
    }
    out += s[i];
    if ((i & 4095) == 0) grow();
  }
  grow();
  return out;
}

nlohmann::json expand_in(const nlohmann::json& value, const TemplateResolver& resolve, size_t& used, size_t limit) {
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    auto exprs = find_templates(s);
    if (exprs.size() == 1 && exprs[0].offset == 0 && exprs[0].text.size() + 3 == s.size()) {
      nlohmann::json v = resolve(exprs[0]);
      charge_value(v, used, limit);
      return v;
    }
    if (exprs.empty() && s.find("$${") == std::string::npos) {
      charge(used, s.size(), limit);
      return value;
    }
    return expand_string_in(s, resolve, used, limit);
  }
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& x : value) {
      charge(used, 1, limit);
      out.push_back(expand_in(x, resolve, used, limit));
    }
    return out;
  }
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      charge(used, it.key().size() + 1, limit);
      out[it.key()] = expand_in(it.value(), resolve, used, limit);
    }
    return out;
  }
  charge(used, 8, limit);
  return value;
}

}  // namespace

std::string expand_string(std::string_view s, const TemplateResolver& resolve, size_t limit) {
  size_t used = 0;
  return expand_string_in(s, resolve, used, limit);
}

nlohmann::json expand_templates(const nlohmann::json& value, const TemplateResolver& resolve, size_t limit) {
  size_t used = 0;
  return expand_in(value, resolve, used, limit);
}

}  // namespace relman
