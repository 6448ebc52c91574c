// The SPDX document rules of sbom.py, with release-tools' own test vectors
// (tests/test_sbom.py at a25ec43).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "adapters/sha1.h"
#include "steps/spdx_document.h"

namespace relman::spdx {
namespace {

TEST(SpdxDocument, IdsReplaceRunsOfOtherCharactersAndSuffixCollisions) {
  Ids ids;
  EXPECT_EQ(ids.id("abc"), "abc");
  EXPECT_EQ(ids.id("path/name"), "path-name");
  EXPECT_EQ(ids.id("SPDXRef-PACKAGE-pip"), "SPDXRef-PACKAGE-pip");
  EXPECT_EQ(ids.id("SPDXRef-FILE-Lib/collections.py"), "SPDXRef-FILE-Lib-collections.py");
  EXPECT_EQ(ids.id("SPDXRef-FILE-Lib/_collections.py"), "SPDXRef-FILE-Lib-collections.py-fc43043d");
  EXPECT_EQ(ids.id("SPDXRef-FILE-Lib/collections.py"), "SPDXRef-FILE-Lib-collections.py") << "same value, same id";
  EXPECT_EQ(ids.id("SPDXRef-FILE-Doc/caf\xc3\xa9 x.txt"), "SPDXRef-FILE-Doc-caf-x.txt");
}

json with_files(std::vector<std::string> sha1s) {
  json doc = {{"files", json::array()},
              {"packages", {{{"SPDXID", "SPDXRef-PACKAGE"}, {"filesAnalyzed", true}}}},
              {"relationships", json::array()}};
  for (const auto& s : sha1s) {
    doc["files"].push_back(
        {{"SPDXID", "SPDXRef-FILE-" + s}, {"checksums", {{{"algorithm", "SHA1"}, {"checksumValue", s}}}}});
    doc["relationships"].push_back({{"spdxElementId", "SPDXRef-PACKAGE"},
                                    {"relatedSpdxElement", "SPDXRef-FILE-" + s},
                                    {"relationshipType", "CONTAINS"}});
  }
  return doc;
}

std::string code_of(const json& doc) {
  return doc["packages"][0]["packageVerificationCode"]["packageVerificationCodeValue"];
}

TEST(SpdxDocument, PackageVerificationCodeIsTheSha1OfTheSortedLowercasedFileSha1s) {
  json none = with_files({});
  add_package_verification_codes(none);
  EXPECT_EQ(code_of(none), sha1_hex(""));

  json one = with_files({std::string(40, 'F')});
  add_package_verification_codes(one);
  EXPECT_EQ(code_of(one), sha1_hex(std::string(40, 'f')));

  std::vector<std::string> three = {std::string(40, '0'), std::string(40, 'e'), std::string(40, 'F')};
  std::shuffle(three.begin(), three.end(), std::mt19937(7));
  json doc = with_files(three);
  add_package_verification_codes(doc);
  EXPECT_EQ(code_of(doc), sha1_hex(std::string(40, '0') + std::string(40, 'e') + std::string(40, 'f')));

  json no_sha1 = with_files({std::string(40, 'a')});
  no_sha1["files"][0]["checksums"][0]["algorithm"] = "SHA256";
  EXPECT_THROW(add_package_verification_codes(no_sha1), std::runtime_error);
}

TEST(SpdxDocument, NormalizeSortsListsInnermostFirstAsPythonWould) {
  json data = json::parse(R"({"a": [1, 2, 3, {"b": [4, "c", [7, true, "2", {}]]}], "b": [[1, 2, "b"], [2, 1, "a"]]})");
  normalize(data);
  EXPECT_EQ(data,
            json::parse(R"({"a": [1, 2, 3, {"b": ["c", 4, ["2", 7, true, {}]]}], "b": [["a", 1, 2], ["b", 1, 2]]})"));
  EXPECT_EQ(python_dumps(json::parse(R"({"b": [1, "\u00e9"], "a": null})")), R"({"a": null, "b": [1, "\u00e9"]})");
}

TEST(SpdxDocument, RenderIsJsonDumpsWithIndentTwoAndSortedKeys) {
  json doc = json::parse(R"({"b": [], "a": {"y": "caf\u00e9", "x": [1]}, "c": {}})");
  EXPECT_EQ(render(doc),
            "{\n  \"a\": {\n    \"x\": [\n      1\n    ],\n    \"y\": \"caf\\u00e9\"\n  },\n"
            "  \"b\": [],\n  \"c\": {}\n}");
}

TEST(SpdxDocument, ProblemsNameDuplicateIdsAndDanglingRelationships) {
  json doc = {{"packages", {{{"SPDXID", "P"}}, {{"SPDXID", "P"}}}},
              {"files", {{{"SPDXID", "F"}}}},
              {"relationships",
               {{{"spdxElementId", "SPDXRef-DOCUMENT"}, {"relatedSpdxElement", "P"}, {"relationshipType", "DESCRIBES"}},
                {{"spdxElementId", "P"}, {"relatedSpdxElement", "X"}, {"relationshipType", "CONTAINS"}}}}};
  auto p = problems(doc);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_NE(p[0].find("the id P is used by two packages"), std::string::npos) << p[0];
  EXPECT_NE(p[1].find("names X"), std::string::npos) << p[1];
  doc["packages"].erase(1);
  doc["relationships"].erase(1);
  EXPECT_TRUE(problems(doc).empty());
}

}  // namespace
}  // namespace relman::spdx
