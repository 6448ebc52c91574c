// The 'files' parameter of the signing steps (gpg.sign, sigstore.sign): each
// writes its signature beside the file it signs, so every file must lie in
// artifacts/, and signing what an earlier step failed to make is a question
// for that step, not a signing error.
#pragma once

#include <filesystem>
#include <vector>

#include "core/step_kind.h"

namespace relman::steps {

// The files, confined to artifacts/; a StepError when the list is empty.
std::vector<std::filesystem::path> files_to_sign(const StepContext& ctx);

// A StepError naming the first file that is not there and the way out.
void require_files_exist(const std::vector<std::filesystem::path>& files);

}  // namespace relman::steps
