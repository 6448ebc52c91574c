#include "core/sha256_digest.h"

#include <gtest/gtest.h>

#include <string>

#include "adapters/sha256.h"

namespace {

using relman::sha256_hex;

// FIPS 180-4's examples (NIST CSRC "SHA256.pdf").
TEST(Sha256Digest, MatchesTheStandardsExamples) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Every length around the padding's one-block/two-block edges (55, 56, 63,
// 64 bytes and their multiples), with every byte value, agrees with OpenSSL.
TEST(Sha256Digest, AgreesWithOpenSslOnEveryLengthUpTo300) {
  std::string bytes;
  for (int n = 0; n <= 300; ++n) {
    relman::Sha256 reference;
    reference.update(bytes);
    ASSERT_EQ(sha256_hex(bytes), reference.hex()) << "length " << n;
    bytes += static_cast<char>((n * 131 + 7) & 0xff);
  }
}

}  // namespace
