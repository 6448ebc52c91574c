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
      if (errors) errors->push_back({i, "bad template '${" + text + "}': expected a dotted name such as ${release.version}"});
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

std::string expand_string(std::string_view s, const TemplateResolver& resolve) {
  std::string out;
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
      out += to_text(resolve(e));
      i = close;
      continue;
    }
    out += s[i];
  }
  return out;
}

nlohmann::json expand_templates(const nlohmann::json& value, const TemplateResolver& resolve) {
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    auto exprs = find_templates(s);
    if (exprs.size() == 1 && exprs[0].offset == 0 && exprs[0].text.size() + 3 == s.size())
      return resolve(exprs[0]);
    if (exprs.empty() && s.find("$${") == std::string::npos) return value;
    return expand_string(s, resolve);
  }
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& x : value) out.push_back(expand_templates(x, resolve));
    return out;
  }
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = value.begin(); it != value.end(); ++it) out[it.key()] = expand_templates(it.value(), resolve);
    return out;
  }
  return value;
}

}  // namespace relman
