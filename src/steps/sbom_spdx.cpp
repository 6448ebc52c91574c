// sbom.spdx: the SPDX 2.3 SBOM of each source tarball, <tarball>.spdx.json
// beside it, built as release-tools' sbom.py builds it
// (create_sbom_for_source_tarball, then its command line's normalisation
// and checks). The tree's own Misc/sbom.spdx.json, read from the tarball,
// is the base; a tarball without one gets no SBOM.
#include <fmt/format.h>

#include <cctype>
#include <ctime>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "adapters/archive_reader.h"
#include "adapters/durable.h"
#include "adapters/http.h"
#include "adapters/sha1.h"
#include "adapters/sha256.h"
#include "core/confine.h"
#include "core/errors.h"
#include "core/step_kind.h"
#include "steps/artifact_record.h"
#include "steps/spdx_document.h"

#ifndef RELMAN_VERSION
#define RELMAN_VERSION "unknown"
#endif

namespace relman::steps {
namespace {

namespace fs = std::filesystem;

const char* kCpythonId = "SPDXRef-PACKAGE-cpython";
const char* kPipId = "SPDXRef-PACKAGE-pip";
const char* kPsf = "Organization: Python Software Foundation";

struct TarFile {
  std::string name;  // without the top directory
  std::string sha1, sha256;
};

// What one pass over a tarball finds.
struct Contents {
  std::optional<std::string> base;  // Misc/sbom.spdx.json
  std::string pip_name;             // pip-*.whl in Lib/ensurepip/_bundled, if any
  std::string pip_bytes;
  std::vector<TarFile> files;  // regular files, in the tarball's order
};

struct Settings {
  std::string version;
  std::string download_base;  // ends with '/'
  std::string pypi;           // https://pypi.org/pypi
};

fs::path sbom_of(const fs::path& tarball) { return tarball.string() + ".spdx.json"; }

// The tarball's top directory by default: its name without the extension.
std::string default_prefix(const std::string& name) {
  for (const char* ext : {".tar.gz", ".tar.xz", ".tar.bz2", ".tgz", ".txz", ".tar"})
    if (name.size() > std::string(ext).size() && name.ends_with(ext))
      return name.substr(0, name.size() - std::string(ext).size());
  throw StepError(
      fmt::format("{} is not a tarball (.tgz, .tar.gz, .tar.xz); name the source tarballs in 'files'", name));
}

std::string prefix_of(const StepContext& ctx, const fs::path& tarball) {
  std::string p = ctx.has("prefix") ? ctx.str("prefix") : default_prefix(tarball.filename().string());
  if (p.empty() || p.find('/') != std::string::npos)
    throw StepError(fmt::format("parameter 'prefix' must be the tarball's top directory (no '/'), not '{}'", p));
  return p;
}

std::vector<fs::path> tarballs_of(const StepContext& ctx) {
  std::vector<fs::path> out;
  // <tarball>.spdx.json is written beside each tarball, so each must be in artifacts/.
  for (const auto& f : ctx.list("files")) out.push_back(confine_path(ctx, ctx.artifacts_dir, f, "artifacts/"));
  if (out.empty()) throw StepError("parameter 'files' is empty; name the source tarballs");
  return out;
}

// One pass over the tarball: the hashes of every regular file, the base SBOM
// and the pip wheel. With `names_only`, only whether the base is there.
Contents read_tarball(const fs::path& tarball, const std::string& prefix, bool names_only) {
  if (!fs::is_regular_file(tarball))
    throw StepError(
        fmt::format("{} does not exist; did the export succeed? Fix that, then: relman resume", tarball.string()));
  Contents c;
  const std::string top = prefix + "/";
  const std::string base_name = top + "Misc/sbom.spdx.json";
  const std::string bundled = top + "Lib/ensurepip/_bundled/pip-";
  try {
    archive::Reader reader(tarball, archive::ReadFormat::tar);
    archive::EntryInfo e;
    while (reader.next(e)) {
      // Only regular files count, as tarfile's isfile(): no links, no directories.
      if (e.type != archive::EntryInfo::Type::file) continue;
      if (e.name.rfind(top, 0) != 0)
        throw StepError(
            fmt::format("{} holds '{}', outside its top directory {}; set 'prefix' to the directory the "
                        "tarball unpacks to",
                        tarball.filename().string(), e.name, top));
      if (names_only) {
        if (e.name == base_name) {
          c.base = "";
          return c;
        }
        continue;
      }
      const bool is_base = e.name == base_name;
      const bool is_pip = c.pip_name.empty() && e.name.rfind(bundled, 0) == 0 && e.name.ends_with(".whl");
      Sha1 sha1;
      Sha256 sha256;
      std::string kept;
      reader.read([&](std::string_view b) {
        sha1.update(b);
        sha256.update(b);
        if (is_base || is_pip) kept.append(b);
      });
      if (is_base) c.base = kept;
      if (is_pip) {
        c.pip_name = e.name.substr(top.size() + std::string("Lib/ensurepip/_bundled/").size());
        c.pip_bytes = std::move(kept);
      }
      c.files.push_back({e.name.substr(top.size()), sha1.hex(), sha256.hex()});
    }
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const StepError*>(&e)) throw;
    throw StepError(fmt::format("{}; export the tarball again (relman retry export)", e.what()));
  }
  return c;
}

// "YYYY-MM-DDTHH:MM:SSZ" of SOURCE_DATE_EPOCH when set, else of now.
std::string created_time() {
  std::time_t t = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) {
    char* end = nullptr;
    long long v = std::strtoll(epoch, &end, 10);
    if (*end != '\0' || v < 0)
      throw StepError(fmt::format("SOURCE_DATE_EPOCH='{}' is not a number of seconds; fix or unset it", epoch));
    t = static_cast<std::time_t>(v);
  }
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// sbom.py's create_cpython_sbom: the document's own fields and the CPython
// package, which depends on every package the base lists.
void add_cpython(spdx::json& doc, const Settings& s, const fs::path& tarball, const std::string& tarball_sha256) {
  const std::string name = tarball.filename().string();
  const std::string location = s.download_base + name;
  doc["SPDXID"] = "SPDXRef-DOCUMENT";
  doc["spdxVersion"] = "SPDX-2.3";
  doc["name"] = "CPython SBOM";
  doc["dataLicense"] = "CC0-1.0";
  doc["documentNamespace"] = location + ".spdx.json";
  doc["creationInfo"] = {
      {"created", created_time()},
      {"creators", {"Person: Python Release Managers", std::string("Tool: relman-") + RELMAN_VERSION}},
      {"licenseListVersion", "3.22"}};
  spdx::json cpython = {{"SPDXID", kCpythonId},
                        {"name", "CPython"},
                        {"versionInfo", s.version},
                        {"licenseConcluded", "PSF-2.0"},
                        {"originator", kPsf},
                        {"supplier", kPsf},
                        {"packageFileName", name},
                        {"externalRefs",
                         {{{"referenceCategory", "SECURITY"},
                           {"referenceLocator", fmt::format("cpe:2.3:a:python:python:{}:*:*:*:*:*:*:*", s.version)},
                           {"referenceType", "cpe23Type"}}}},
                        {"primaryPackagePurpose", "SOURCE"},
                        {"downloadLocation", location},
                        {"checksums", {{{"algorithm", "SHA256"}, {"checksumValue", tarball_sha256}}}}};
  for (const auto& p : doc["packages"])
    doc["relationships"].push_back(
        {{"spdxElementId", kCpythonId}, {"relatedSpdxElement", p["SPDXID"]}, {"relationshipType", "DEPENDS_ON"}});
  doc["packages"].push_back(cpython);
}

// sbom.py's fetch_package_metadata_from_pypi: the download URL and SHA-256
// of `filename`, or of the first wheel when `filename` is empty.
std::pair<std::string, std::string> from_pypi(const Settings& s, const std::string& project, const std::string& version,
                                              const std::string& filename) {
  const std::string url = fmt::format("{}/{}/{}/json", s.pypi, project, version);
  http::json meta;
  try {
    meta = http::Client().get_json(url);
  } catch (const std::exception& e) {
    throw StepError(
        fmt::format("cannot fetch the metadata of {} {} from PyPI ({}): {}. Check the network or "
                    "'pypi_url', then: relman resume",
                    project, version, url, e.what()));
  }
  for (const auto& u : meta.value("urls", http::json::array())) {
    if ((filename.empty() && u.value("packagetype", "") == "bdist_wheel") ||
        (!filename.empty() && u.value("filename", "") == filename)) {
      if (!u.contains("url") || !u.contains("digests") || !u["digests"].contains("sha256")) break;
      return {u["url"].get<std::string>(), u["digests"]["sha256"].get<std::string>()};
    }
  }
  throw StepError(
      fmt::format("PyPI ({}) lists no {} for {} {}", url, filename.empty() ? "wheel" : filename, project, version));
}

// sbom.py's remove_pip_from_sbom: pip and what it depends on leave, in
// case the tree's SBOM lists them; the wheel is the truth.
void remove_pip(spdx::json& doc, const std::string& pip_id) {
  std::set<std::string> gone = {pip_id};
  for (const auto& r : doc["relationships"])
    if (r.value("relationshipType", "") == "DEPENDS_ON" && r.value("spdxElementId", "") == pip_id)
      gone.insert(r.value("relatedSpdxElement", ""));
  spdx::json packages = spdx::json::array(), relationships = spdx::json::array();
  for (auto& p : doc["packages"])
    if (!gone.count(p.value("SPDXID", ""))) packages.push_back(std::move(p));
  for (auto& r : doc["relationships"])
    if (!gone.count(r.value("relatedSpdxElement", ""))) relationships.push_back(std::move(r));
  doc["packages"] = std::move(packages);
  doc["relationships"] = std::move(relationships);
}

// sbom.py's create_pip_sbom_from_wheel: pip as a package, checked against
// PyPI, with the packages it vendors (pip/_vendor/vendor.txt).
void add_pip(spdx::json& doc, spdx::Ids& ids, const Settings& s, const Contents& c, const fs::path& scratch) {
  const std::string pip_id = ids.id(kPipId);
  remove_pip(doc, pip_id);
  const auto dash = c.pip_name.find('-');
  const std::string pip_version = c.pip_name.substr(dash + 1, c.pip_name.find('-', dash + 1) - dash - 1);
  Sha256 h;
  h.update(c.pip_bytes);
  const std::string pip_sha256 = h.hex();
  auto [pip_url, pypi_sha256] = from_pypi(s, "pip", pip_version, c.pip_name);
  if (pypi_sha256 != pip_sha256)
    throw StepError(
        fmt::format("the bundled {} has SHA-256 {}, PyPI says {}: the tree bundles a wheel PyPI does not "
                    "have; fix Lib/ensurepip/_bundled, then retry from the tag",
                    c.pip_name, pip_sha256, pypi_sha256));

  // The wheel is a zip: libarchive reads it from a file.
  const fs::path wheel = scratch / c.pip_name;
  durable::write_atomic(wheel, c.pip_bytes);
  std::optional<std::string> vendor_txt;
  try {
    archive::Reader reader(wheel, archive::ReadFormat::zip);
    archive::EntryInfo e;
    while (reader.next(e))
      if (e.name == "pip/_vendor/vendor.txt") {
        vendor_txt = reader.read_all(uint64_t{1} << 20);
        break;
      }
  } catch (const std::runtime_error& e) {
    throw StepError(fmt::format("cannot read the bundled {}: {}", c.pip_name, e.what()));
  }
  if (!vendor_txt) throw StepError(fmt::format("the bundled {} has no pip/_vendor/vendor.txt", c.pip_name));

  // Pins without pre-releases, as sbom.py assumes; any other line is an error.
  static const std::regex pin(R"(^([a-zA-Z0-9_.-]+)==([0-9.]*[0-9])$)");
  std::set<std::string> dep_ids;
  std::istringstream lines(*vendor_txt);
  for (std::string line; std::getline(lines, line);) {
    line = line.substr(0, line.find('#'));
    const auto b = line.find_first_not_of(" \t\r\f\v"), e = line.find_last_not_of(" \t\r\f\v");
    if (b == std::string::npos) continue;
    line = line.substr(b, e - b + 1);
    std::smatch m;
    if (!std::regex_match(line, m, pin))
      throw StepError(fmt::format("cannot read the line '{}' of {}'s pip/_vendor/vendor.txt (expected NAME==VERSION)",
                                  line, c.pip_name));
    std::string project = m[1];
    for (auto& ch : project) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const std::string version = m[2];
    auto [url, sha256] = from_pypi(s, project, version, "");
    const std::string id = ids.id("SPDXRef-PACKAGE-" + project);
    dep_ids.insert(id);
    doc["packages"].push_back({{"SPDXID", id},
                               {"name", project},
                               {"versionInfo", version},
                               {"downloadLocation", url},
                               {"checksums", {{{"algorithm", "SHA256"}, {"checksumValue", sha256}}}},
                               {"externalRefs",
                                {{{"referenceCategory", "PACKAGE_MANAGER"},
                                  {"referenceLocator", fmt::format("pkg:pypi/{}@{}", project, version)},
                                  {"referenceType", "purl"}}}},
                               {"primaryPackagePurpose", "SOURCE"},
                               {"licenseConcluded", "NOASSERTION"}});
  }
  doc["packages"].push_back({{"SPDXID", pip_id},
                             {"name", "pip"},
                             {"versionInfo", pip_version},
                             {"originator", "Organization: Python Packaging Authority"},
                             {"licenseConcluded", "NOASSERTION"},
                             {"downloadLocation", pip_url},
                             {"checksums", {{{"algorithm", "SHA256"}, {"checksumValue", pip_sha256}}}},
                             {"externalRefs",
                              {{{"referenceCategory", "SECURITY"},
                                {"referenceLocator", fmt::format("cpe:2.3:a:pypa:pip:{}:*:*:*:*:*:*:*", pip_version)},
                                {"referenceType", "cpe23Type"}},
                               {{"referenceCategory", "PACKAGE_MANAGER"},
                                {"referenceLocator", fmt::format("pkg:pypi/pip@{}", pip_version)},
                                {"referenceType", "purl"}}}},
                             {"primaryPackagePurpose", "SOURCE"}});
  for (const auto& dep : dep_ids)  // a std::set: sorted, as sbom.py sorts them
    doc["relationships"].push_back(
        {{"spdxElementId", pip_id}, {"relatedSpdxElement", dep}, {"relationshipType", "DEPENDS_ON"}});
  doc["relationships"].push_back(
      {{"spdxElementId", kCpythonId}, {"relatedSpdxElement", pip_id}, {"relationshipType", "DEPENDS_ON"}});
}

// The whole document for one tarball (sbom.py create_sbom_for_source_tarball,
// normalize_sbom_data, check_sbom_data); nullopt when the tarball has no base.
std::optional<std::string> build(const StepContext& ctx, const Settings& s, const fs::path& tarball) {
  const std::string prefix = prefix_of(ctx, tarball);
  Contents c = read_tarball(tarball, prefix, false);
  if (!c.base) return std::nullopt;
  const std::string what = tarball.filename().string() + "'s Misc/sbom.spdx.json";
  spdx::json doc;
  try {
    doc = spdx::json::parse(*c.base);
  } catch (const std::exception& e) {
    throw StepError(fmt::format("{} is not JSON ({}); fix it in the tree (make regen-sbom), then retry from the tag",
                                what, e.what()));
  }
  for (const char* key : {"packages", "files", "relationships"}) {
    if (!doc.is_object()) break;
    if (!doc.contains(key)) doc[key] = spdx::json::array();
    if (!doc[key].is_array()) throw StepError(fmt::format("{}: '{}' is not a list", what, key));
  }
  if (!doc.is_object()) throw StepError(what + " is not an SPDX document (a JSON object)");

  auto known_sha = recorded_sha256(tarball);
  add_cpython(doc, s, tarball, known_sha ? *known_sha : sha256_file(tarball));
  spdx::Ids ids;
  const std::string cpython_id = ids.id(kCpythonId);
  if (!c.pip_name.empty()) add_pip(doc, ids, s, c, ctx.work_dir);

  std::map<std::string, std::string> known;  // file name -> SHA-256 the base gives it
  for (const auto& f : doc["files"]) {
    const std::string name = f.value("fileName", "");
    bool found = false;
    for (const auto& sum : f.value("checksums", spdx::json::array()))
      if (sum.value("algorithm", "") == "SHA256") {
        known[name] = sum.value("checksumValue", "");
        found = true;
        break;
      }
    if (!found) throw StepError(fmt::format("{} gives the file '{}' no SHA256 checksum", what, name));
  }
  for (const auto& f : c.files) {
    if (auto it = known.find(f.name); it != known.end()) {
      if (it->second != f.sha256)
        throw StepError(
            fmt::format("{} gives '{}' the SHA-256 {}, but the tarball's file has {}: the tree's SBOM is "
                        "out of date; regenerate it (make regen-sbom), commit, then retry from the tag",
                        what, f.name, it->second, f.sha256));
      known.erase(it);
      continue;
    }
    const std::string id = ids.id("SPDXRef-FILE-" + f.name);
    doc["files"].push_back({{"SPDXID", id},
                            {"fileName", f.name},
                            {"checksums",
                             {{{"algorithm", "SHA1"}, {"checksumValue", f.sha1}},
                              {{"algorithm", "SHA256"}, {"checksumValue", f.sha256}}}}});
    doc["relationships"].push_back(
        {{"spdxElementId", cpython_id}, {"relatedSpdxElement", id}, {"relationshipType", "CONTAINS"}});
  }
  if (!known.empty()) {
    std::string names;
    for (const auto& [name, sha] : known) names += (names.empty() ? "" : ", ") + name;
    throw StepError(
        fmt::format("{} lists files the tarball does not hold: {}; regenerate it (make regen-sbom) or fix "
                    "the export's exclusions, then retry from the tag",
                    what, names));
  }
  doc["relationships"].push_back(
      {{"spdxElementId", "SPDXRef-DOCUMENT"}, {"relatedSpdxElement", cpython_id}, {"relationshipType", "DESCRIBES"}});
  // Every package ships inside the tarball: the PSF supplies it.
  for (auto& p : doc["packages"]) {
    p["supplier"] = kPsf;
    p["filesAnalyzed"] = true;
  }
  try {
    spdx::add_package_verification_codes(doc);
  } catch (const std::runtime_error& e) {
    throw StepError(fmt::format("{}: {}", what, e.what()));
  }
  spdx::normalize(doc);
  auto problems = spdx::problems(doc);
  if (!problems.empty())
    throw StepError(
        fmt::format("the SBOM built from {} is inconsistent: {}; fix the tree's SBOM, then retry from "
                    "the tag",
                    what, problems.front()));
  return spdx::render(doc);
}

Settings settings_of(const StepContext& ctx) {
  Settings s;
  s.version = ctx.release.str();
  s.download_base = ctx.str("download_url", fmt::format("https://www.python.org/ftp/python/{}.{}.{}/",
                                                        ctx.release.major, ctx.release.minor, ctx.release.micro));
  if (!s.download_base.ends_with("/")) s.download_base += "/";
  s.pypi = ctx.str("pypi_url", "https://pypi.org/pypi");
  while (s.pypi.ends_with("/")) s.pypi.pop_back();
  return s;
}

json outputs_of(const std::vector<fs::path>& written) {
  json files = json::array();
  for (const auto& f : written) files.push_back(fs::absolute(f).string());
  return {{"files", files}};
}

// The SHA-256 the CPython package of an SBOM records for its tarball.
std::string described_sha256(const fs::path& sbom) {
  try {
    auto doc = json::parse(durable::read_file(sbom));
    for (const auto& p : doc.at("packages"))
      if (p.value("SPDXID", "") == kCpythonId)
        for (const auto& c : p.at("checksums"))
          if (c.value("algorithm", "") == "SHA256") return c.value("checksumValue", "");
  } catch (const std::exception&) {
  }
  return {};
}

class SbomSpdx : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {{"files", ParamType::string_or_list, true,
             "the source tarballs, inside artifacts/ (the .spdx.json goes beside each)"},
            {"prefix", ParamType::string, false,
             "the tarballs' top directory, default each tarball's name without .tgz/.tar.xz"},
            {"download_url", ParamType::string, false,
             "where the tarballs will be downloaded from (a directory URL), default "
             "https://www.python.org/ftp/python/X.Y.Z/"},
            {"pypi_url", ParamType::string, false,
             "PyPI's JSON API, for the bundled pip wheel, default https://pypi.org/pypi"}};
  }
  std::vector<std::string> validate(const json& with) const override {
    std::vector<std::string> problems;
    check_confined_param(with, "files", "artifacts/", problems);
    return problems;
  }
  std::vector<std::string> outputs() const override { return {"files"}; }

  json run(StepContext& ctx) const override {
    const Settings s = settings_of(ctx);
    std::vector<fs::path> written;
    std::vector<std::string> without;
    for (const auto& tarball : tarballs_of(ctx)) {
      auto text = build(ctx, s, tarball);
      if (!text) {
        without.push_back(tarball.filename().string());
        continue;
      }
      const fs::path out = sbom_of(tarball);
      try {
        durable::write_atomic(out, *text);
      } catch (const std::system_error& e) {
        throw StepError(fmt::format("cannot write {}: {}. Make its directory writable, then: relman resume",
                                    out.string(), e.what()));
      }
      ctx.log->line(fmt::format("wrote {} ({} bytes)", out.string(), text->size()));
      written.push_back(out);
    }
    if (!without.empty() && !written.empty())
      throw StepError(
          fmt::format("some tarballs hold Misc/sbom.spdx.json and {} does not: export them again from one "
                      "tag (relman retry export)",
                      without.front()));
    if (written.empty())
      ctx.log->line(
          fmt::format("no SBOM written: {} has no Misc/sbom.spdx.json to build one from (release-tools "
                      "skips the SBOM then too)",
                      without.front()));
    return outputs_of(written);
  }

  // Done when each tarball's SBOM exists and describes the tarball's
  // current bytes (the base SBOM is inside the tarball, so the same bytes
  // give the same document), or when no tarball has a base SBOM.
  ProbeOutcome probe(StepContext& ctx) const override {
    std::vector<fs::path> written;
    try {
      for (const auto& tarball : tarballs_of(ctx)) {
        const fs::path out = sbom_of(tarball);
        if (!fs::exists(out)) {
          if (read_tarball(tarball, prefix_of(ctx, tarball), true).base)
            return {ProbeResult::not_done, json::object(), out.string() + " does not exist"};
          continue;
        }
        auto known = recorded_sha256(tarball);
        const std::string sha = known ? *known : sha256_file(tarball);
        if (described_sha256(out) != sha)
          return {ProbeResult::not_done, json::object(), out.string() + " does not describe " + tarball.string()};
        written.push_back(out);
      }
    } catch (const StepError& e) {
      return {ProbeResult::not_done, json::object(), e.what()};
    } catch (const std::runtime_error& e) {
      return {ProbeResult::not_done, json::object(), e.what()};
    }
    return {ProbeResult::done, outputs_of(written),
            written.empty() ? "no tarball has a Misc/sbom.spdx.json" : "every SBOM describes its tarball"};
  }
};

}  // namespace
RELMAN_REGISTER_STEP(SbomSpdx, "sbom.spdx");
}  // namespace relman::steps
