// The fixture CPython tree of the news tests (tests/fixtures/news/tree), as
// make_repo takes it: path -> content.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "support/temp_dir.h"
#include "test_paths.h"

namespace relman::test {

inline const std::filesystem::path kNews = std::filesystem::path(RELMAN_TEST_DIR) / "fixtures" / "news";

inline std::map<std::string, std::string> news_fixture_tree() {
  std::map<std::string, std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(kNews / "tree"))
    if (e.is_regular_file()) files[e.path().lexically_relative(kNews / "tree").generic_string()] = read_file(e.path());
  return files;
}

}  // namespace relman::test
