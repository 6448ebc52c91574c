// sbom.spdx: the SBOM of each source tarball as release-tools builds it,
// checked by tools relman did not write: the SPDX 2.3 JSON schema through
// Python's jsonschema, every checksum and verification code recomputed from
// the tarball with Python's tarfile and hashlib, and byte for byte against
// release-tools' own sbom.py when a copy of release-tools is at hand.
#include <gtest/gtest.h>
#include "test_paths.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <set>

#include <nlohmann/json.hpp>

#include "core/errors.h"
#include "support/http_server.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

namespace fs = std::filesystem;
using test::quote;
using test::read_file;
using test::sh;
using test::sh_ok;
using test::StepHarness;
using test::TempDir;
using test::write_file;

const fs::path kSpdx = fs::path(RELMAN_TEST_DIR) / "fixtures" / "spdx";
const std::string kVersion = "3.15.0a1";
const std::string kPrefix = "Python-3.15.0a1";
const char* kEpoch = "1700000000";  // 2023-11-14T22:13:20Z

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// python3 with jsonschema: the PATH's, else Debian's (python3-jsonschema).
std::string python_with_jsonschema() {
  for (const char* p : {"python3", "/usr/bin/python3"})
    if (sh(std::string(p) + " -c 'import jsonschema' 2>/dev/null").exit_code == 0) return p;
  return {};
}

std::string hash_of(const char* tool, const fs::path& file) {
  return sh_ok(std::string(tool) + " " + quote(file.string())).substr(0, tool[3] == '1' ? 40 : 64);
}

// A pip wheel (a zip) whose pip/_vendor/vendor.txt pins what pip vendors.
void make_wheel(const fs::path& wheel) {
  fs::create_directories(wheel.parent_path());
  sh_ok("python3 - " + quote(wheel.string()) + R"( <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    def put(name, text):
        z.writestr(zipfile.ZipInfo(name, (2024, 2, 3, 4, 5, 6)), text)
    put("pip/__init__.py", "__version__ = '24.0'\n")
    put("pip/_vendor/vendor.txt",
        "CacheControl==0.14.0  # Make sure to update the license in pyproject.toml for this.\n"
        "distlib==0.3.8\n\n# a comment line\nurllib3==1.26.18\n")
PY
)");
}

// The source tree of "Python 3.15.0a1": a vendored library that
// Misc/sbom.spdx.json lists (with a stale pip entry release-tools removes),
// a bundled pip wheel, two files whose SPDX ids collide, a name with a
// space, one that is not ASCII, and a symlink (no file of the SBOM).
// Without `base`, no Misc/sbom.spdx.json; `bad_mini` gives the base a wrong
// checksum for Modules/_mini/mini.c; `ghost` lists a file the tree lacks.
struct TreeOptions {
  bool base = true;
  bool wheel = true;
  bool bad_mini = false;
  bool ghost = false;
};

void make_tree(const fs::path& repo, const TreeOptions& o = {}) {
  test::make_repo(repo, {{"README.rst", "This is Python version 3.15.0 alpha 1\n"},
                         {"Lib/collections.py", "import _collections\n"},
                         {"Lib/_collections.py", "# the C part's stand-in\n"},
                         {"Doc/a file.txt", "spaces\n"},
                         {"Doc/caf\xc3\xa9.txt", "not ASCII\n"},
                         {"Modules/_mini/mini.c", "int mini(void) { return 1; }\n"},
                         {"Modules/_mini/mini.h", "int mini(void);\n"}});
  sh_ok("ln -s collections.py Lib/link.py", repo);
  if (o.wheel) make_wheel(repo / "Lib/ensurepip/_bundled/pip-24.0-py3-none-any.whl");
  if (o.base) {
    json files = json::array(), relationships = json::array();
    std::vector<std::string> names = {"Modules/_mini/mini.c", "Modules/_mini/mini.h"};
    if (o.ghost) names.push_back("Modules/_mini/gone.c");
    for (const auto& name : names) {
      std::string id = "SPDXRef-FILE-" + name;
      for (auto& c : id)
        if (c == '/' || c == '_') c = '-';
      const bool exists = fs::exists(repo / name);
      std::string sha1 = exists ? hash_of("sha1sum", repo / name) : std::string(40, '0');
      std::string sha256 = exists ? hash_of("sha256sum", repo / name) : std::string(64, '0');
      if (o.bad_mini && name == "Modules/_mini/mini.c") sha256 = std::string(64, 'a');
      files.push_back(
          {{"SPDXID", id},
           {"fileName", name},
           {"checksums",
            {{{"algorithm", "SHA1"}, {"checksumValue", sha1}}, {{"algorithm", "SHA256"}, {"checksumValue", sha256}}}}});
      relationships.push_back(
          {{"spdxElementId", "SPDXRef-PACKAGE-mini"}, {"relatedSpdxElement", id}, {"relationshipType", "CONTAINS"}});
    }
    relationships.push_back({{"spdxElementId", "SPDXRef-PACKAGE-pip"},
                             {"relatedSpdxElement", "SPDXRef-PACKAGE-oldvendor"},
                             {"relationshipType", "DEPENDS_ON"}});
    json package = {{"SPDXID", "SPDXRef-PACKAGE-mini"},
                    {"name", "mini"},
                    {"versionInfo", "1.2.3"},
                    {"licenseConcluded", "MIT"},
                    {"originator", "Organization: The Mini Project"},
                    {"downloadLocation", "https://example.org/mini-1.2.3.tar.gz"},
                    {"checksums", {{{"algorithm", "SHA256"}, {"checksumValue", std::string(64, 'b')}}}},
                    {"externalRefs",
                     {{{"referenceCategory", "PACKAGE_MANAGER"},
                       {"referenceLocator", "pkg:generic/mini@1.2.3"},
                       {"referenceType", "purl"}}}},
                    {"primaryPackagePurpose", "SOURCE"}};
    json stale_pip = {{"SPDXID", "SPDXRef-PACKAGE-pip"},
                      {"name", "pip"},
                      {"versionInfo", "23.0"},
                      {"licenseConcluded", "MIT"},
                      {"downloadLocation", "NOASSERTION"},
                      {"primaryPackagePurpose", "SOURCE"},
                      {"checksums", json::array()},
                      {"externalRefs", json::array()}};
    json oldvendor = {{"SPDXID", "SPDXRef-PACKAGE-oldvendor"},
                      {"name", "oldvendor"},
                      {"versionInfo", "1.0"},
                      {"licenseConcluded", "NOASSERTION"},
                      {"downloadLocation", "NOASSERTION"},
                      {"primaryPackagePurpose", "SOURCE"},
                      {"checksums", json::array()},
                      {"externalRefs", json::array()}};
    json base = {{"SPDXID", "SPDXRef-DOCUMENT"},
                 {"spdxVersion", "SPDX-2.3"},
                 {"name", "CPython SBOM"},
                 {"dataLicense", "CC0-1.0"},
                 {"documentNamespace", "https://www.python.org/sbom"},
                 {"creationInfo",
                  {{"created", "2024-01-01T00:00:00Z"},
                   {"creators", {"Person: Python Developers"}},
                   {"licenseListVersion", "3.22"}}},
                 {"packages", {package, stale_pip, oldvendor}},
                 {"files", files},
                 {"relationships", relationships}};
    write_file(repo / "Misc/sbom.spdx.json", base.dump(2) + "\n");
  }
  sh_ok("git add -A && git commit -q -m 'The release tree' && git tag v3.15.0a1", repo);
}

// archive.export of the tag: Python-3.15.0a1.tgz and .tar.xz in artifacts/.
json export_tree(const fs::path& repo, const fs::path& state) {
  StepHarness h("archive.export", repo, state, kVersion);
  h.with() = {{"ref", "v3.15.0a1"}, {"prefix", kPrefix}, {"xz_threads", 1}};
  return h.run();
}

// PyPI's answers for the bundled pip and what it vendors, pip's with the
// wheel's real SHA-256 unless `pip_sha256` says otherwise.
void serve_pypi(test::FakeServer& server, const fs::path& wheel, std::string pip_sha256 = {}) {
  if (pip_sha256.empty()) pip_sha256 = hash_of("sha256sum", wheel);
  auto release = [&](const std::string& project, const std::string& version, const std::string& sha) {
    const std::string files = server.url() + "/files/" + project + "-" + version;
    return json::array({{{"filename", project + "-" + version + ".tar.gz"},
                         {"packagetype", "sdist"},
                         {"url", files + ".tar.gz"},
                         {"digests", {{"sha256", std::string(64, 'c')}}}},
                        {{"filename", project + "-" + version + "-py3-none-any.whl"},
                         {"packagetype", "bdist_wheel"},
                         {"url", files + "-py3-none-any.whl"},
                         {"digests", {{"sha256", sha}}}}});
  };
  server.configure({{"pypi",
                     {{"pip/24.0", release("pip", "24.0", pip_sha256)},
                      {"cachecontrol/0.14.0", release("cachecontrol", "0.14.0", std::string(64, '1'))},
                      {"distlib/0.3.8", release("distlib", "0.3.8", std::string(64, '2'))},
                      {"urllib3/1.26.18", release("urllib3", "1.26.18", std::string(64, '3'))}}}});
}

struct Built {
  TempDir t;
  json exported;
  std::unique_ptr<test::FakeServer> pypi;
  fs::path repo() const { return t / "repo"; }
  fs::path state() const { return t / "state"; }
  fs::path art() const { return t / "state" / "artifacts"; }
  std::unique_ptr<StepHarness> step() {
    auto h = std::make_unique<StepHarness>("sbom.spdx", repo(), state(), kVersion);
    h->with() = {{"files", exported["files"]}, {"pypi_url", pypi->url() + "/pypi"}};
    return h;
  }
};

std::unique_ptr<Built> built(const TreeOptions& o = {}) {
  test::fast_http_retries();
  auto b = std::make_unique<Built>();
  make_tree(b->repo(), o);
  b->exported = export_tree(b->repo(), b->state());
  b->pypi = std::make_unique<test::FakeServer>();
  serve_pypi(*b->pypi, b->repo() / "Lib/ensurepip/_bundled/pip-24.0-py3-none-any.whl");
  return b;
}

// check_sbom.py's verdict on one SBOM: "ok: ..." or the problems.
test::Ran outside_check(const fs::path& sbom, const fs::path& tarball) {
  const std::string python = python_with_jsonschema();
  if (python.empty()) {
    ADD_FAILURE() << "no python3 with jsonschema: run scripts/setup.sh (python3-jsonschema)";
    return {};
  }
  return sh(python + " " + quote((kSpdx / "check_sbom.py").string()) + " " + quote(kSpdx.string()) + " " +
            quote(sbom.string()) + " " + quote(tarball.string()) + " " + kPrefix);
}

json package(const json& doc, const std::string& id) {
  for (const auto& p : doc["packages"])
    if (p["SPDXID"] == id) return p;
  return json();
}

bool has_relationship(const json& doc, const std::string& from, const std::string& type, const std::string& to) {
  for (const auto& r : doc["relationships"])
    if (r["spdxElementId"] == from && r["relationshipType"] == type && r["relatedSpdxElement"] == to) return true;
  return false;
}

TEST(SbomSpdx, WritesAnSbomBesideEachTarballThatTheSchemaAndTheTarballConfirm) {
  test::ScopedEnv epoch("SOURCE_DATE_EPOCH", kEpoch);
  auto b = built();
  auto h = b->step();
  json out = h->run();

  ASSERT_EQ(out["files"].size(), 2u) << out.dump();
  for (const char* ext : {".tgz", ".tar.xz"}) {
    const fs::path tarball = b->art() / (kPrefix + ext);
    const fs::path sbom = tarball.string() + ".spdx.json";
    EXPECT_NE(std::find(out["files"].begin(), out["files"].end(), sbom.string()), out["files"].end()) << out.dump();
    test::Ran check = outside_check(sbom, tarball);
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
    EXPECT_THAT(check.out, HasSubstr("ok: ")) << check.out;
    std::cout << ext << ": " << check.out;

    const std::string text = read_file(sbom);
    EXPECT_NE(text.back(), '\n') << "written as sbom.py writes it: no final newline";
    const json doc = json::parse(text);
    EXPECT_EQ(doc["spdxVersion"], "SPDX-2.3");
    EXPECT_EQ(doc["documentNamespace"], "https://www.python.org/ftp/python/3.15.0/" + kPrefix + ext + ".spdx.json");
    EXPECT_EQ(doc["creationInfo"]["created"], "2023-11-14T22:13:20Z") << "SOURCE_DATE_EPOCH";
    const json cpython = package(doc, "SPDXRef-PACKAGE-cpython");
    EXPECT_EQ(cpython["versionInfo"], kVersion);
    EXPECT_EQ(cpython["packageFileName"], kPrefix + ext);
    EXPECT_EQ(cpython["downloadLocation"], "https://www.python.org/ftp/python/3.15.0/" + kPrefix + ext);
    EXPECT_EQ(cpython["checksums"][0]["checksumValue"], hash_of("sha256sum", tarball));
    EXPECT_TRUE(has_relationship(doc, "SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-PACKAGE-cpython"));
    // The vendored library stays with its own files, which are not CPython's.
    const json mini = package(doc, "SPDXRef-PACKAGE-mini");
    ASSERT_TRUE(mini.is_object()) << text;
    EXPECT_EQ(mini["supplier"], "Organization: Python Software Foundation");
    EXPECT_TRUE(mini["filesAnalyzed"].get<bool>());
    EXPECT_TRUE(has_relationship(doc, "SPDXRef-PACKAGE-cpython", "DEPENDS_ON", "SPDXRef-PACKAGE-mini"));
    EXPECT_FALSE(has_relationship(doc, "SPDXRef-PACKAGE-cpython", "CONTAINS", "SPDXRef-FILE-Modules-mini-mini.c"));
    // pip from the wheel and PyPI; the base's stale pip and its dependency are gone.
    const json pip = package(doc, "SPDXRef-PACKAGE-pip");
    EXPECT_EQ(pip["versionInfo"], "24.0");
    EXPECT_EQ(pip["downloadLocation"], b->pypi->url() + "/files/pip-24.0-py3-none-any.whl");
    EXPECT_TRUE(package(doc, "SPDXRef-PACKAGE-oldvendor").is_null()) << text;
    for (const char* dep : {"cachecontrol", "distlib", "urllib3"}) {
      EXPECT_TRUE(has_relationship(doc, "SPDXRef-PACKAGE-pip", "DEPENDS_ON", std::string("SPDXRef-PACKAGE-") + dep))
          << dep;
      EXPECT_FALSE(
          has_relationship(doc, "SPDXRef-PACKAGE-cpython", "DEPENDS_ON", std::string("SPDXRef-PACKAGE-") + dep))
          << dep;
    }
    EXPECT_EQ(package(doc, "SPDXRef-PACKAGE-urllib3")["downloadLocation"],
              b->pypi->url() + "/files/urllib3-1.26.18-py3-none-any.whl");
    // Colliding ids: the second value to claim one gets a hash suffix.
    std::set<std::string> ids;
    for (const auto& f : doc["files"]) ids.insert(f["SPDXID"].get<std::string>());
    EXPECT_TRUE(ids.count("SPDXRef-FILE-Lib-collections.py")) << text;
    EXPECT_EQ(std::count_if(ids.begin(), ids.end(),
                            [](const std::string& id) { return id.rfind("SPDXRef-FILE-Lib-collections.py-", 0) == 0; }),
              1);
    EXPECT_THAT(text, Not(HasSubstr("Lib/link.py"))) << "a symlink is no file of the SBOM";
    EXPECT_THAT(text, HasSubstr("Doc/caf\\u00e9.txt")) << "non-ASCII escaped as Python's json.dumps does";
  }
  EXPECT_THAT(h->log(), HasSubstr(".spdx.json"));

  // Deterministic: a second run writes the same bytes.
  const std::string first = read_file(b->art() / (kPrefix + ".tgz.spdx.json"));
  b->step()->run();
  EXPECT_EQ(read_file(b->art() / (kPrefix + ".tgz.spdx.json")), first);

  ProbeOutcome p = h->probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs, out);
}

// release-tools' sbom.py, from RELMAN_RELEASE_TOOLS (a checkout or a git
// directory) or the mirror this project's sessions keep; "" when neither.
std::string release_tools_sbom_py(const fs::path& scratch, std::string& commit) {
  std::vector<std::string> places;
  if (const char* e = std::getenv("RELMAN_RELEASE_TOOLS")) places.push_back(e);
  places.push_back("/work/.mirror/python+release-tools/repo");
  for (const auto& p : places) {
    if (fs::exists(fs::path(p) / "sbom.py")) {
      commit = trim(sh("git -C " + quote(p) + " rev-parse HEAD").out);
      return (fs::path(p) / "sbom.py").string();
    }
    test::Ran r = sh("git --git-dir " + quote(p) + " show HEAD:sbom.py 2>/dev/null");
    if (r.exit_code == 0 && !r.out.empty()) {
      commit = trim(sh("git --git-dir " + quote(p) + " rev-parse HEAD").out);
      write_file(scratch / "sbom.py", r.out);
      return (scratch / "sbom.py").string();
    }
  }
  return {};
}

TEST(SbomSpdx, IsByteForByteWhatReleaseToolsSbomPyWrites) {
  test::ScopedEnv epoch("SOURCE_DATE_EPOCH", kEpoch);
  auto b = built();
  std::string commit;
  const std::string sbom_py = release_tools_sbom_py(b->t / "rt", commit);
  if (sbom_py.empty())
    GTEST_SKIP() << "no release-tools: set RELMAN_RELEASE_TOOLS to a checkout of python/release-tools";
  std::cout << "release-tools " << commit << std::endl;
  b->step()->run();
  for (const char* ext : {".tgz", ".tar.xz"}) {
    const fs::path tarball = b->art() / (kPrefix + ext);
    const fs::path ours = tarball.string() + ".spdx.json";
    const json doc = json::parse(read_file(ours));
    const fs::path theirs = b->t / (std::string("release-tools") + ext + ".json");
    test::Ran ran = sh("python3 " + quote((kSpdx / "release_tools_sbom.py").string()) + " " + quote(sbom_py) + " " +
                       quote(tarball.string()) + " " + quote(b->pypi->url() + "/pypi") + " " +
                       quote(doc["creationInfo"]["created"].get<std::string>()) + " " +
                       quote(doc["creationInfo"]["creators"][1].get<std::string>()) + " " + quote(theirs.string()));
    ASSERT_EQ(ran.exit_code, 0) << ran.out << ran.err;
    EXPECT_EQ(read_file(ours), read_file(theirs))
        << "diff: " << sh("diff " + quote(ours.string()) + " " + quote(theirs.string())).out;
  }
}

TEST(SbomSpdx, ATreeWithoutMiscSbomGetsNoSbomAndTheLogSaysWhy) {
  TreeOptions o;
  o.base = false;
  auto b = built(o);
  auto h = b->step();
  json out = h->run();
  EXPECT_EQ(out["files"], json::array());
  EXPECT_FALSE(fs::exists(b->art() / (kPrefix + ".tgz.spdx.json")));
  EXPECT_THAT(h->log(), HasSubstr("has no Misc/sbom.spdx.json")) << h->log();
  ProbeOutcome p = h->probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs, out);
}

TEST(SbomSpdx, AStaleBaseSbomIsRefusedNamingTheFileAndWhatToDo) {
  TreeOptions o;
  o.bad_mini = true;
  auto b = built(o);
  try {
    b->step()->run();
    FAIL() << "a checksum the tarball contradicts must fail";
  } catch (const StepError& e) {
    EXPECT_THAT(e.what(), HasSubstr("Modules/_mini/mini.c")) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("make regen-sbom")) << e.what();
  }
  EXPECT_FALSE(fs::exists(b->art() / (kPrefix + ".tgz.spdx.json")));

  TreeOptions g;
  g.ghost = true;
  auto ghost = built(g);
  try {
    ghost->step()->run();
    FAIL() << "a file the tarball lacks must fail";
  } catch (const StepError& e) {
    EXPECT_THAT(e.what(), HasSubstr("does not hold: Modules/_mini/gone.c")) << e.what();
  }
}

TEST(SbomSpdx, ABundledPipPyPIDoesNotKnowIsRefused) {
  auto b = built();
  serve_pypi(*b->pypi, b->repo() / "Lib/ensurepip/_bundled/pip-24.0-py3-none-any.whl", std::string(64, 'd'));
  try {
    b->step()->run();
    FAIL() << "a wheel PyPI has another SHA-256 for must fail";
  } catch (const StepError& e) {
    EXPECT_THAT(e.what(), HasSubstr("pip-24.0-py3-none-any.whl")) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("PyPI says " + std::string(64, 'd'))) << e.what();
  }
}

TEST(SbomSpdx, TheProbeWantsAnSbomOfTheTarballAsItIsNow) {
  test::ScopedEnv epoch("SOURCE_DATE_EPOCH", kEpoch);
  auto b = built();
  auto h = b->step();
  ProbeOutcome before = h->probe();
  EXPECT_EQ(before.result, ProbeResult::not_done);
  EXPECT_THAT(before.detail, HasSubstr("does not exist"));
  h->run();
  EXPECT_EQ(h->probe().result, ProbeResult::done);

  // The tag exported again with other content: the SBOMs describe the old bytes.
  sh_ok("git tag -d v3.15.0a1 >/dev/null && echo more >> README.rst && git commit -qam more && git tag v3.15.0a1",
        b->repo());
  export_tree(b->repo(), b->state());
  ProbeOutcome after = h->probe();
  EXPECT_EQ(after.result, ProbeResult::not_done);
  EXPECT_THAT(after.detail, HasSubstr("does not describe")) << after.detail;
  h->run();
  EXPECT_EQ(h->probe().result, ProbeResult::done);
  EXPECT_EQ(outside_check(b->art() / (kPrefix + ".tgz.spdx.json"), b->art() / (kPrefix + ".tgz")).exit_code, 0);
}

}  // namespace
}  // namespace relman
