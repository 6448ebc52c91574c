// The one streaming digest: the published test vectors of each algorithm
// relman uses, and the same digest whether the bytes come at once or in
// pieces.
#include "adapters/evp_digest.h"

#include <gtest/gtest.h>

#include "adapters/md5.h"
#include "adapters/sha1.h"
#include "adapters/sha256.h"

using relman::EvpDigest;

TEST(EvpDigest, KnownVectorsOfEachAlgorithm) {
  // FIPS 180-2 "abc" and RFC 1321's "abc".
  EXPECT_EQ(relman::sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  relman::Sha256 s;
  s.update("abc");
  EXPECT_EQ(s.hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(relman::hex_of(relman::md5_digest("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(relman::sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST(EvpDigest, PiecesGiveTheDigestOfTheWhole) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += static_cast<char>(i * 31 % 251);
  EvpDigest whole(EVP_sha256(), "SHA-256");
  whole.update(text);
  EvpDigest pieces(EVP_sha256(), "SHA-256");
  for (size_t at = 0; at < text.size(); at += 7) pieces.update(std::string_view(text).substr(at, 7));
  const std::string raw = pieces.raw();
  EXPECT_EQ(raw.size(), 32u);
  EXPECT_EQ(relman::hex_of(raw), whole.hex());
}

TEST(EvpDigest, HexOfEveryByteValue) {
  EXPECT_EQ(relman::hex_of(std::string("\x00\x0f\xf0\xff", 4)), "000ff0ff");
  EXPECT_EQ(relman::hex_of(""), "");
}

TEST(EvpDigest, AnAlgorithmOpenSslCannotGiveIsAClearError) {
  try {
    EvpDigest none(nullptr, "NOPE-1");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot initialise NOPE-1"), std::string::npos) << e.what();
  }
}
