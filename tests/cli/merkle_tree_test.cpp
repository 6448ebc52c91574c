#include "cli/merkle_tree.h"

#include <gtest/gtest.h>

#include "adapters/sigstore_crypto.h"
#include "steps/sigstore_bundle.h"

namespace relman::cli {
namespace {

namespace rs = relman::sigstore;

// The leaves and tree heads of RFC 6962's reference test data (the
// certificate-transparency and Trillian test vectors).
std::vector<std::string> reference_leaves() {
  std::vector<std::string> data = {"",
                                   rs::hex_decode("00"),
                                   rs::hex_decode("10"),
                                   rs::hex_decode("2021"),
                                   rs::hex_decode("3031"),
                                   rs::hex_decode("40414243"),
                                   rs::hex_decode("5051525354555657"),
                                   rs::hex_decode("606162636465666768696a6b6c6d6e6f")};
  std::vector<std::string> leaves;
  for (const auto& d : data) leaves.push_back(merkle_leaf_hash(d));
  return leaves;
}

TEST(MerkleTree, TreeHeadsMatchTheReferenceVectors) {
  const char* roots[] = {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
                         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
                         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
                         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
                         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  auto all = reference_leaves();
  EXPECT_EQ(rs::hex_encode(merkle_root({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  for (size_t n = 1; n <= all.size(); ++n)
    EXPECT_EQ(rs::hex_encode(merkle_root({all.begin(), all.begin() + static_cast<long>(n)})), roots[n - 1])
        << n << " leaves";
}

// Every audit path, for every tree size up to 8, satisfies the verifier
// sigstore.verify uses, and fails it for another leaf or another index.
TEST(MerkleTree, EveryAuditPathVerifiesAndOnlyForItsLeaf) {
  auto all = reference_leaves();
  for (size_t n = 1; n <= all.size(); ++n) {
    std::vector<std::string> leaves(all.begin(), all.begin() + static_cast<long>(n));
    std::string root = merkle_root(leaves);
    for (size_t i = 0; i < n; ++i) {
      auto path = merkle_path(i, leaves);
      EXPECT_TRUE(steps::sigstore::inclusion_verifies(i, n, leaves[i], path, root)) << i << " of " << n;
      if (n > 1) {
        EXPECT_FALSE(steps::sigstore::inclusion_verifies(i, n, leaves[(i + 1) % n], path, root)) << i << " of " << n;
        EXPECT_FALSE(steps::sigstore::inclusion_verifies((i + 1) % n, n, leaves[i], path, root)) << i << " of " << n;
      }
    }
  }
  EXPECT_THROW(merkle_path(3, std::vector<std::string>(3, std::string(32, 'a'))), std::out_of_range);
}

}  // namespace
}  // namespace relman::cli
