#include "core/confine.h"

#include <fmt/format.h>

#include "core/errors.h"

namespace relman {

namespace fs = std::filesystem;

namespace {

bool inside(const fs::path& base, const fs::path& p) {
  auto rel = p.lexically_relative(base);
  return !rel.empty() && *rel.begin() != ".." && !rel.is_absolute();
}

}  // namespace

std::string path_problem(const std::string& value) {
  if (value.find("${") != std::string::npos) return {};
  if (value.empty()) return "is empty";
  fs::path p(value);
  if (p.is_absolute()) return "is an absolute path";
  for (const auto& part : p)
    if (part == "..") return "leaves its directory with '..'";
  return {};
}

void check_confined_param(const json& with, const std::string& key, const std::string& place,
                          std::vector<std::string>& problems) {
  if (!with.is_object() || !with.contains(key)) return;
  auto check = [&](const json& v) {
    if (!v.is_string()) return;
    if (auto why = path_problem(v.get<std::string>()); !why.empty())
      problems.push_back(fmt::format("'{}': {} {}; it must name a path inside {} (relative, without '..')", key,
                                     v.dump(), why, place));
  };
  const json& v = with[key];
  if (v.is_array())
    for (const auto& item : v) check(item);
  else check(v);
}

fs::path confine_path(const StepContext& ctx, const fs::path& base, const std::string& p, const std::string& place) {
  auto refuse = [&](const std::string& why) {
    return StepError(
        fmt::format("'{}' {}; a step writes only inside {} ({}). Name a path inside it, "
                    "then: relman retry {}",
                    p, why, place, base.string(), ctx.step_id));
  };
  if (p.empty()) throw refuse("is empty");
  const fs::path abs_base = fs::absolute(base).lexically_normal();
  fs::path given(p);
  fs::path joined = (given.is_absolute() ? given : abs_base / given).lexically_normal();
  if (!inside(abs_base, joined)) throw refuse(given.is_absolute() ? "is outside it" : "leaves it with '..'");
  // The same question after following every symbolic link on the way, a
  // dangling one too (a write through it would create its target): a link
  // planted in artifacts/ must not carry a write elsewhere.
  std::error_code ec;
  fs::path real_base = fs::weakly_canonical(abs_base, ec);
  if (ec) real_base = abs_base;
  fs::path prefix = abs_base;
  for (const auto& part : joined.lexically_relative(abs_base)) {
    if (part == ".") continue;
    prefix /= part;
    if (!fs::is_symlink(prefix, ec)) continue;
    fs::path target = fs::read_symlink(prefix, ec);
    if (ec) throw refuse("cannot be resolved: " + ec.message());
    if (target.is_relative()) target = prefix.parent_path() / target;
    fs::path real = fs::weakly_canonical(target, ec);
    if (ec) real = target.lexically_normal();
    if (!inside(real_base, real) && real != real_base)
      throw refuse("leads out of it through a symbolic link (" + prefix.string() + " -> " + real.string() + ")");
  }
  return joined;
}

}  // namespace relman
