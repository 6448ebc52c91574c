// RFC 6962 Merkle trees, as a transparency log computes them: the tree head
// over a list of leaf hashes and the audit path that proves one leaf is in
// it. The rehearsal's Rekor stand-in serves both.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace relman::cli {

std::string merkle_leaf_hash(const std::string& data);  // SHA-256(0x00 || data), raw
// The Merkle tree hash of `leaves` (raw leaf hashes); SHA-256("") when empty.
std::string merkle_root(const std::vector<std::string>& leaves);
// The audit path of leaf `index` (raw hashes, leaf to root).
std::vector<std::string> merkle_path(std::size_t index, const std::vector<std::string>& leaves);

}  // namespace relman::cli
