// git.tag: an annotated tag, optionally signed the way `git tag -s` signs.
// libgit2 cannot sign, so the tag object is written out by hand, signed with
// gpgme (detached, armored), the signature appended, and the result stored
// with git_tag_create_from_buffer: byte for byte what git itself writes, so
// `git tag -v` accepts it.
#include <fmt/format.h>

#include <cstdlib>
#include <optional>

#include "adapters/git.h"
#include "adapters/git_ops.h"
#include "adapters/gpg.h"
#include "core/errors.h"
#include "core/step_kind.h"
#include "steps/git_common.h"

namespace relman::steps {
namespace {

constexpr const char* kSigStart = "-----BEGIN PGP SIGNATURE-----";

struct ExistingTag {
  std::string commit;  // the commit it peels to
  bool is_signed = false;
  std::string key;  // signer's fingerprint, when the signature verifies
};

std::optional<ExistingTag> find_tag(git_repository* repo, const std::string& name) {
  git_reference* raw = nullptr;
  int rc = git_reference_lookup(&raw, repo, ("refs/tags/" + name).c_str());
  if (rc == GIT_ENOTFOUND) return std::nullopt;
  git::check(rc, "cannot read tag " + name);
  git::Reference ref(raw);
  git_object* peeled = nullptr;
  git::check(git_reference_peel(&peeled, ref.get(), GIT_OBJECT_COMMIT), "tag " + name + " does not point at a commit");
  git::Object commit(peeled);
  ExistingTag t;
  t.commit = git::oid_str(*git_object_id(commit.get()));

  const git_oid* target = git_reference_target(ref.get());
  if (!target) return t;
  git_odb* odb_raw = nullptr;
  git::check(git_repository_odb(&odb_raw, repo), "cannot open the object database");
  git::Odb odb(odb_raw);
  git_odb_object* obj_raw = nullptr;
  git::check(git_odb_read(&obj_raw, odb.get(), target), "cannot read tag " + name);
  git::OdbObject obj(obj_raw);
  if (git_odb_object_type(obj.get()) != GIT_OBJECT_TAG) return t;  // lightweight
  std::string_view body(static_cast<const char*>(git_odb_object_data(obj.get())), git_odb_object_size(obj.get()));
  // As git does: the signature starts at a line beginning with the armor
  // header; everything before it is what was signed.
  size_t at = body.rfind(kSigStart);
  if (at == std::string_view::npos || (at > 0 && body[at - 1] != '\n')) return t;
  t.is_signed = true;
  auto v = gpg::verify_detached(body.substr(at), body.substr(0, at));
  if (v.good) t.key = v.fingerprint;
  return t;
}

json outputs_of(const std::string& name, const ExistingTag& t) {
  json out = {{"tag", name}, {"commit", t.commit}, {"signed", t.is_signed}};
  out["key"] = t.key;
  return out;
}

std::string tz_of(const git_time& when) {
  int off = when.offset;
  char sign = off < 0 ? '-' : (when.sign == '-' ? '-' : '+');
  if (off < 0) off = -off;
  return fmt::format("{}{:02}{:02}", sign, off / 60, off % 60);
}

class GitTag final : public StepKind {
 public:
  Effect effect() const override { return Effect::local; }
  std::vector<ParamSpec> params() const override {
    return {
        {"name", ParamType::string, true, "the tag's name, e.g. v3.12.0"},
        {"message", ParamType::string, false, "the tag's message (default: the tag's name)"},
        {"sign", ParamType::boolean, false, "sign the tag with GPG as `git tag -s` does (default false)"},
        {"key", ParamType::string, false, "fingerprint of the signing key (default: the only secret key)"},
        {"ref", ParamType::string, false, "what to tag (default HEAD)"},
        {"passphrase_env", ParamType::string, false,
         "environment variable holding the key's passphrase (default RELMAN_GPG_PASSPHRASE)"},
    };
  }
  std::vector<std::string> outputs() const override { return {"tag", "commit", "signed", "key"}; }

  json run(StepContext& ctx) const override {
    const std::string tag = ctx.str("name");
    const std::string ref = ctx.str("ref", "HEAD");
    const bool sign = ctx.flag("sign", false);
    auto repo = steps::open_repo(ctx);
    check_name(tag);

    std::string target;
    try {
      target = git::oid_str(*git_commit_id(git::resolve_commit(repo.get(), ref).get()));
    } catch (const std::runtime_error& e) {
      throw StepError(fmt::format("cannot tag '{}': {} in {}; set `ref` to an existing branch, tag or commit", ref,
                                  e.what(), ctx.repo.string()));
    }

    if (auto existing = find_tag(repo.get(), tag)) {
      std::string recorded = ctx.checkpoint.value("commit", std::string());
      if (existing->commit == target || existing->commit == recorded) {
        ctx.log->line(fmt::format("tag {} already exists on {}: nothing to do", tag, existing->commit));
        return outputs_of(tag, *existing);
      }
      throw StepError(on_other_commit(ctx, tag, existing->commit, target));
    }

    git_signature* sig_raw = nullptr;
    if (git_signature_default(&sig_raw, repo.get()) < 0)
      throw StepError(
          fmt::format("no tagger identity in {}: set one with `git config user.name 'Your Name'` and "
                      "`git config user.email you@example.org`, then retry the step",
                      ctx.repo.string()));
    git::Signature tagger;
    try {
      git::Signature configured(sig_raw);
      tagger = git::signature(configured->name, configured->email);
    } catch (const std::exception& e) {
      throw StepError(e.what());
    }

    git::Buf msg;
    git::check(git_message_prettify(&msg.buf, ctx.str("message", tag).c_str(), 0, '#'), "cannot format the message");
    std::string buffer =
        fmt::format("object {}\ntype commit\ntag {}\ntagger {} <{}> {} {}\n\n{}", target, tag, tagger->name,
                    tagger->email, static_cast<long long>(tagger->when.time), tz_of(tagger->when), msg.str());

    ExistingTag made;
    made.commit = target;
    if (sign) {
      gpg::KeyInfo key;
      try {
        key = gpg::select_key(ctx.str("key", ctx.sandbox.signing_key));
      } catch (const std::runtime_error& e) {
        throw StepError(fmt::format("cannot sign tag {}: {}", tag, e.what()));
      }
      ctx.log->line(fmt::format("signing tag {} with key {} ({})", tag, key.fingerprint, key.uid));
      gpg::Passphrase pass(ctx.str("passphrase_env", "RELMAN_GPG_PASSPHRASE"), ctx.interactive && !ctx.ci,
                           [&ctx](const std::string& s) { ctx.add_secret(s); });
      try {
        buffer += gpg::sign_detached(buffer, key.fingerprint, pass);
      } catch (const std::runtime_error& e) {
        throw StepError(fmt::format("cannot sign tag {}: {}", tag, e.what()));
      }
      made.is_signed = true;
      made.key = key.fingerprint;
    }

    // The commit is what probe() compares against after a crash.
    ctx.save_checkpoint({{"commit", target}});
    git_oid oid;
    git::check(git_tag_create_from_buffer(&oid, repo.get(), buffer.c_str(), 0), "cannot create tag " + tag);
    ctx.log->line(
        fmt::format("created {}tag {} ({}) on {}", made.is_signed ? "signed " : "", tag, git::oid_str(oid), target));
    return outputs_of(tag, made);
  }

  ProbeOutcome probe(StepContext& ctx) const override {
    const std::string tag = ctx.str("name");
    auto repo = steps::open_repo(ctx);
    std::string expected = ctx.checkpoint.value("commit", std::string());
    if (expected.empty()) {
      try {
        expected = git::oid_str(*git_commit_id(git::resolve_commit(repo.get(), ctx.str("ref", "HEAD")).get()));
      } catch (const std::runtime_error& e) {
        return {ProbeResult::unknown, json::object(), e.what()};
      }
    }
    auto existing = find_tag(repo.get(), tag);
    if (!existing) return {ProbeResult::not_done, json::object(), "tag " + tag + " does not exist"};
    if (existing->commit != expected) throw StepError(on_other_commit(ctx, tag, existing->commit, expected));
    return {ProbeResult::done, outputs_of(tag, *existing), "tag " + tag + " exists on " + expected};
  }

 private:
  static void check_name(const std::string& tag) {
    int valid = 0;
    git::check(git_reference_name_is_valid(&valid, ("refs/tags/" + tag).c_str()), "cannot check tag name " + tag);
    if (!valid)
      throw StepError(fmt::format("'{}' is not a valid tag name (see `git check-ref-format`): fix `name`", tag));
  }

  static std::string on_other_commit(const StepContext& ctx, const std::string& tag, const std::string& has,
                                     const std::string& wanted) {
    return fmt::format(
        "tag {} already exists on commit {}, but this step tags commit {}. If the existing tag is wrong, delete "
        "it with `git tag -d {}` (and from any remote it was pushed to), then `relman retry {}`; if it is right, "
        "`relman skip {} --reason ...`",
        tag, has, wanted, tag, ctx.step_id, ctx.step_id);
  }
};

}  // namespace

RELMAN_REGISTER_STEP(GitTag, "git.tag");

}  // namespace relman::steps
