#include "cli/merkle_tree.h"

#include <stdexcept>

#include "adapters/sigstore_crypto.h"

namespace relman::cli {

namespace {

using Range = std::vector<std::string>;

std::string node_hash(const std::string& left, const std::string& right) {
  return sigstore::sha256_raw(std::string(1, '\x01') + left + right);
}

// The largest power of two smaller than n (n >= 2): RFC 6962's split point.
std::size_t split(std::size_t n) {
  std::size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

std::string root_of(const Range& leaves, std::size_t begin, std::size_t end) {
  if (end - begin == 1) return leaves[begin];
  std::size_t k = split(end - begin);
  return node_hash(root_of(leaves, begin, begin + k), root_of(leaves, begin + k, end));
}

void path_of(std::size_t m, const Range& leaves, std::size_t begin, std::size_t end, Range& out) {
  if (end - begin == 1) return;
  std::size_t k = split(end - begin);
  if (m < k) {
    path_of(m, leaves, begin, begin + k, out);
    out.push_back(root_of(leaves, begin + k, end));
  } else {
    path_of(m - k, leaves, begin + k, end, out);
    out.push_back(root_of(leaves, begin, begin + k));
  }
}

}  // namespace

std::string merkle_leaf_hash(const std::string& data) { return sigstore::sha256_raw(std::string(1, '\0') + data); }

std::string merkle_root(const std::vector<std::string>& leaves) {
  if (leaves.empty()) return sigstore::sha256_raw("");
  return root_of(leaves, 0, leaves.size());
}

std::vector<std::string> merkle_path(std::size_t index, const std::vector<std::string>& leaves) {
  if (index >= leaves.size()) throw std::out_of_range("no leaf " + std::to_string(index) + " in the tree");
  std::vector<std::string> out;
  path_of(index, leaves, 0, leaves.size(), out);
  return out;
}

}  // namespace relman::cli
