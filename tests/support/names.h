// The names most tests use without their namespace, declared once here
// instead of at the top of every test file.
#pragma once

#include <nlohmann/json.hpp>

#include "support/shell.h"
#include "support/temp_dir.h"

using nlohmann::json;
using relman::test::quote;
using relman::test::Ran;
using relman::test::read_file;
using relman::test::sh;
using relman::test::sh_ok;
using relman::test::TempDir;
using relman::test::write_file;
