#include "core/template.h"

#include <gtest/gtest.h>

using namespace relman;
using nlohmann::json;

TEST(Template, WholeExpressionsKeepTheirTypeAndOthersInterpolate) {
  auto resolve = [](const TemplateExpr& e) -> json {
    if (e.text == "steps.export.outputs.files") return json::array({"a.tgz", "a.tar.xz"});
    if (e.text == "release.version") return "3.12.0";
    throw std::out_of_range(e.text);
  };
  EXPECT_EQ(expand_templates("${steps.export.outputs.files}", resolve), json::array({"a.tgz", "a.tar.xz"}));
  EXPECT_EQ(expand_templates("v${release.version}", resolve), "v3.12.0");
  EXPECT_EQ(expand_templates("files: ${steps.export.outputs.files}", resolve), "files: a.tgz a.tar.xz");
  EXPECT_EQ(expand_templates("cost: $${release.version}", resolve), "cost: ${release.version}");
  EXPECT_EQ(expand_templates(json{{"m", {"x${release.version}", 3}}}, resolve), (json{{"m", {"x3.12.0", 3}}}));
  EXPECT_THROW(expand_templates("${release.nope}", resolve), std::out_of_range);
}

TEST(Template, FindsExpressionsAndReportsMalformedOnes) {
  std::vector<TemplateSyntaxError> errors;
  auto found = find_templates("a ${x.y} b $${z} ${ bad } ${open", &errors);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].text, "x.y");
  EXPECT_EQ(found[0].offset, 2u);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[1].offset, 26u);
}

TEST(Template, ExpansionIsCappedAtItsLimit) {
  json big = std::string(600 * 1024, 'x');
  auto resolve = [&](const TemplateExpr&) -> json { return big; };
  // Twice 600 KiB in one string, or a list holding it twice: over 1 MiB.
  EXPECT_THROW(expand_templates("${vars.a}${vars.a}", resolve), TemplateTooLarge);
  EXPECT_THROW(expand_templates(json::array({"${vars.a}", "${vars.a}"}), resolve), TemplateTooLarge);
  EXPECT_THROW(expand_string("${vars.a}-${vars.a}", resolve), TemplateTooLarge);
  EXPECT_EQ(expand_templates("${vars.a}", resolve).get<std::string>().size(), 600u * 1024);
  // A small explicit limit counts the same way.
  auto word = [](const TemplateExpr&) -> json { return "0123456789"; };
  EXPECT_EQ(expand_templates("${x}${x}", word, 20), "01234567890123456789");
  EXPECT_THROW(expand_templates("${x}${x}!", word, 20), TemplateTooLarge);
  EXPECT_THROW(expand_templates(json::array({"${x}", "${x}"}), word, 20), TemplateTooLarge);
}
