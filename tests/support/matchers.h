// The gmock matchers the tests use, declared once: a failed check then
// prints what was searched and in what ("Expected: has substring ..."), and
// ThrowsMessage<E>(...) says which exception, if any, came out instead.
#pragma once

#include <gmock/gmock.h>

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using ::testing::ThrowsMessage;
