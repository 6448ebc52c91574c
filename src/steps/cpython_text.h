// The text transformations release-tools makes to a CPython tree (release.py,
// update_version_next.py), as pure functions: the step kinds cpython.bump,
// cpython.docs_next and cpython.check_unreleased read and write the files.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/version.h"

namespace relman::steps::cpython {

// tweak_patchlevel(): the block between the constants markers of
// Include/patchlevel.h. `suffix` is "" at bump time, "+" or "+dev" after.
std::string patchlevel_constants(const Version& v, const std::string& suffix);

// constant_replace(): `text` with its constants block replaced. Throws
// StepError naming `file` when the markers are missing.
std::string replace_constants(const std::filesystem::path& file, const std::string& text, const std::string& constants);

// Python's text mode reading: "\r\n" and "\r" become "\n".
std::string universal_newlines(std::string text);

// tweak_readme()'s first two lines: "This is PROJECT version LONG_NAME" and
// its "=" underline. The rest of the text is left as it is, byte for byte
// (split on "\n", joined with "\n": the final newline stays). Throws
// StepError naming `file` when the title is not there.
std::string readme_title(const std::filesystem::path& file, const std::string& text, const std::string& project,
                         const std::string& title_version);

// tweak_readme()'s three substitutions at bump time: the What's New link,
// the documentation link and the release-schedule PEP, for the version's X.Y.
std::string readme_links(const std::string& text, const Version& v, const std::string& pep);

// update_version_next.py: a line (with its "\n") holding a versionadded,
// versionchanged, versionremoved, deprecated or deprecated-removed directive
// whose version is `next`.
bool is_next_directive(const std::string& line);
// `text` with every such directive's `next` replaced by `version`; `changed`
// counts the lines changed.
std::string replace_next_directives(const std::string& text, const std::string& version, int& changed);

// The next feature version (X.Y.0a0): configure.ac's
// `m4_define([PYTHON_VERSION], [X.Y])`, or nullopt when the file does not
// hold exactly one such line for the previous or this X.Y.
std::optional<std::string> bump_configure_ac(const std::string& text, const Version& v);
// PC/pyconfig.h's `pythonXY[t][_d].lib` names, or nullopt when it names
// neither the previous X.Y's nor this one's.
std::optional<std::string> bump_pyconfig_h(const std::string& text, const Version& v);

// The files release.py bump() opens in an editor for X.Y.0a0.
const std::vector<std::string>& next_feature_files();

}  // namespace relman::steps::cpython
