// Typos get the closest match: `relman stauts` -> did you mean `status`?
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/workflow.h"

namespace relman::cli {

// Optimal string alignment distance: insertions, deletions, substitutions
// and transpositions of neighbours ("stauts" is 1 from "status").
size_t edit_distance(const std::string& a, const std::string& b);

// The one candidate closest to `word`, when it is close enough to be a typo
// of it (a third of its length, at least 2 edits) and no other is as close.
std::optional<std::string> closest(const std::string& word, const std::vector<std::string>& candidates);

// "did you mean `X`?" or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

std::vector<std::string> step_ids(const Workflow& wf);

// The error for a step id the workflow lacks, with the closest id as hint.
// `what` names where the id came from ("--skip", "approve").
UsageError unknown_step(const std::string& id, const std::vector<std::string>& ids, const std::string& context = {});

}  // namespace relman::cli
