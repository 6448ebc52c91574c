// The gmock matchers the tests use, declared once: a failed check then
// prints what was searched and in what ("Expected: has substring ...").
#pragma once

#include <gmock/gmock.h>

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
