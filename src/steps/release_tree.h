// The release tarball unpacked afresh for a step that builds from it
// (build.make, cpython.docs): what is built and tested is what is shipped,
// never the checkout.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/step_kind.h"

namespace relman::steps {

// A plain directory name (no '/', not "." or ".."): the unpack directory
// inside the step's work directory.
bool plain_dir_name(const std::string& s);

// Load-time checks of the parameters every step that builds from the
// tarball has: `jobs` and `timeout` positive, `dir` a plain name.
void check_tree_build_params(const json& with, std::vector<std::string>& problems);

// Unpacks `tarball` into work_dir/dir_name, deleted first (a half-built tree
// from a failed attempt would hide whether the tarball alone builds), and
// returns its single top-level directory (Python-3.12.0/). Throws StepError
// saying what to do when the tarball is missing, unreadable or not one
// top directory.
std::filesystem::path unpack_release_tree(StepContext& ctx, const std::filesystem::path& tarball,
                                          const std::string& dir_name);

}  // namespace relman::steps
