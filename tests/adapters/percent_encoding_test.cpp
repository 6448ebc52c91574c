#include "adapters/percent_encoding.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace relman {
namespace {

TEST(PercentEncoding, KeepsUnreservedAndEscapesTheRest) {
  EXPECT_EQ(percent_encode("aZ09-_.~"), "aZ09-_.~");
  EXPECT_EQ(percent_encode("http://localhost:8080/auth/callback"), "http%3A%2F%2Flocalhost%3A8080%2Fauth%2Fcallback");
  EXPECT_EQ(percent_encode("openid email"), "openid%20email");
  EXPECT_EQ(percent_encode("openid email", false, true), "openid+email");
  EXPECT_EQ(percent_encode("a/b", true), "a%2fb");
  EXPECT_EQ(percent_encode("\xff"), "%FF");
}

TEST(PercentEncoding, DecodesWhatItEncodesAndFormsPlus) {
  for (const std::string s : {"", "plain", "a b+c&d=e", "urn:ietf:wg:oauth:2.0:oob", "caf\xc3\xa9"}) {
    EXPECT_EQ(percent_decode(percent_encode(s)), s);
    EXPECT_EQ(percent_decode(percent_encode(s, true, true)), s);
  }
  EXPECT_EQ(percent_decode("openid+email"), "openid email");
  EXPECT_EQ(percent_decode("%2f%2F"), "//");
}

TEST(PercentEncoding, AMalformedEscapeIsAnError) {
  EXPECT_THROW(percent_decode("%"), std::invalid_argument);
  EXPECT_THROW(percent_decode("%4"), std::invalid_argument);
  EXPECT_THROW(percent_decode("%zz"), std::invalid_argument);
  EXPECT_THROW(percent_decode("ok%g0"), std::invalid_argument);
}

}  // namespace
}  // namespace relman
