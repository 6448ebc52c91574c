// What peps.python.org's release-cycle data says about a release's X.Y,
// read from a local copy (never fetched: a rehearsal makes no network call)
// or overridden by workflow vars.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/version.h"

namespace relman {

// The vars that feed these: `release_pep` (a PEP number), `security`
// (true/"true"/"yes"), `release_cycle` (the path of a release-cycle.json,
// absolute or relative to the current directory).
using VarMap = std::map<std::string, nlohmann::json>;

// The release-cycle file named by the `release_cycle` var, if the var is set.
// Throws ConfigError naming the file when it cannot be read or parsed.
std::optional<nlohmann::json> load_release_cycle(const VarMap& vars);

// The schedule PEP's number: the `release_pep` var, else the file's
// [X.Y].pep, else "TODO" (release-tools get_pep_number's fallback).
std::string release_pep(const Version& v, const VarMap& vars);

// A security release: the `security` var when set, else the file's
// [X.Y].status == "security" (release-tools Tag.is_security_release), else
// false.
bool security_release(const Version& v, const VarMap& vars);

}  // namespace relman
