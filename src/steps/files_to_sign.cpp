#include "steps/files_to_sign.h"

#include <fmt/format.h>

#include "core/confine.h"
#include "core/errors.h"

namespace relman::steps {

std::vector<std::filesystem::path> files_to_sign(const StepContext& ctx) {
  std::vector<std::filesystem::path> out;
  for (const auto& f : ctx.list("files")) out.push_back(confine_path(ctx, ctx.artifacts_dir, f, "artifacts/"));
  if (out.empty()) throw StepError("parameter 'files' is empty; name the files to sign");
  return out;
}

void require_files_exist(const std::vector<std::filesystem::path>& files) {
  for (const auto& f : files)
    if (!std::filesystem::is_regular_file(f))
      throw StepError(fmt::format(
          "{} does not exist; did the step that makes it succeed? Fix that, then: relman resume", f.string()));
}

}  // namespace relman::steps
