#include "core/redactor.h"

#include <gtest/gtest.h>

#include "core/journal.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

using namespace relman;
using nlohmann::json;

TEST(Redactor, MasksValuesNeverKeysNumbersOrBooleans) {
  Redactor r;
  r.add("step_started", "TOKEN");
  r.add("17961796", "OTHER");
  json ev = {{"event", "step_started"},
             {"step_started", 17961796},
             {"t_ms", 17961796},
             {"ok", true},
             {"outputs", {{"text", "at step_started and 17961796"}, {"list", {"step_started", 1}}}}};
  json masked = r.mask_values(ev, {"event"});
  EXPECT_EQ(masked["event"], "step_started");   // kept: it says what the event is
  EXPECT_EQ(masked["step_started"], 17961796);  // a key and a number
  EXPECT_EQ(masked["t_ms"], 17961796);
  EXPECT_EQ(masked["ok"], true);
  EXPECT_EQ(masked["outputs"]["text"], "at *** and ***");
  EXPECT_EQ(masked["outputs"]["list"][0], "***");
  EXPECT_EQ(masked["outputs"]["list"][1], 1);
}

TEST(Redactor, MasksEveryEncodingInRawText) {
  Redactor r;
  const std::string secret = "p\"a\\s s/\xc3\xa9%+";
  r.add(secret, "PASS");
  std::string json_plain = json(secret).dump();               // "p\"a\\s s/é%+"
  std::string json_ascii = json(secret).dump(-1, ' ', true);  // \u00e9
  std::vector<std::string> forms = {secret,
                                    json_plain.substr(1, json_plain.size() - 2),
                                    json_ascii.substr(1, json_ascii.size() - 2),
                                    "p%22a%5Cs%20s%2F%C3%A9%25%2B",
                                    "p%22a%5cs%20s%2f%c3%a9%25%2b",
                                    "p%22a%5Cs+s%2F%C3%A9%25%2B"};
  for (const auto& f : forms) {
    std::string out = r.apply("before " + f + " after");
    EXPECT_EQ(out, "before *** after") << f;
  }
}

TEST(Redactor, ASecretHoldingTheMaskIsStillMaskedWhole) {
  Redactor r;
  r.add("ab***cd***", "X");
  r.add("***cd***ef", "Y");
  std::string out = r.apply("1 ab***cd***ef 2");
  EXPECT_THAT(out, Not(HasSubstr("cd"))) << out;
}

TEST(Redactor, RefusesSecretsItCannotHide) {
  Redactor r;
  EXPECT_THAT([&] { r.add("event", "RELMAN_GPG_PASSPHRASE"); },
              ThrowsMessage<UnmaskableSecret>(AllOf(HasSubstr("RELMAN_GPG_PASSPHRASE"), HasSubstr("shorter than 8"))));
  EXPECT_THROW(r.add("line one\nline two", "T"), UnmaskableSecret);
  EXPECT_NO_THROW(r.add("", "EMPTY"));  // nothing to hide
  EXPECT_TRUE(r.empty());
  EXPECT_NO_THROW(r.add("12345678", "EIGHT"));
  EXPECT_FALSE(r.empty());
}

TEST(Redactor, TheJournalStaysValidWhateverTheSecret) {
  // A secret equal to JSON text once rewrote keys ("***":"step_started")
  // and numbers ("t_ms":***): masking values cannot.
  for (const std::string secret : {"\"event\":", "\"step\":\"a\"", "step_started", "\\\\\\\"\"\"\"\"", "{}[],:null"}) {
    relman::test::TempDir d;
    Redactor r;
    r.add(secret, "S");
    {
      Journal j(d / "j", Journal::Loaded{}, &r);
      j.append({{"event", "run_started"}, {"version", "3.12.0"}});
      j.append({{"event", "step_started"}, {"step", "a"}});
      j.append({{"event", "step_failed"}, {"step", "a"}, {"error", "it said " + secret + " twice: " + secret}});
    }
    auto loaded = Journal::read(d / "j");
    ASSERT_EQ(loaded.events.size(), 3u) << secret;
    EXPECT_EQ(loaded.events[1]["event"], "step_started") << secret;
    EXPECT_EQ(loaded.events[2]["error"], "it said *** twice: ***") << secret;
    std::string bytes = relman::test::read_file(d / "j");
    std::string escaped = json(secret).dump();
    EXPECT_THAT(bytes, Not(HasSubstr(escaped.substr(1, escaped.size() - 2) + " twice"))) << bytes;
  }
}
