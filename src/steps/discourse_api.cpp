#include "steps/discourse_api.h"

#include <fmt/format.h>

#include "adapters/credentials.h"
#include "core/errors.h"
#include "steps/github_api.h"

namespace relman::steps::discourse {

Api::Api(StepContext& ctx, std::string base, std::string key_env, std::string username)
    : base_(std::move(base)), key_env_(std::move(key_env)), username_(std::move(username)) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
  auto scheme = http::url_scheme(base_);
  if (scheme != "https" && scheme != "http")
    throw StepError(
        fmt::format("discourse '{}' is not an http(s) URL; write the forum's root, e.g. "
                    "https://discuss.python.org",
                    http::redact_url(base_)));
  if (username_.empty())
    throw StepError(
        "no api_username: Discourse needs the user the API key acts as (Api-Username); give the step's "
        "api_username");
  if (ctx.mode == RunMode::rehearse) client_ = http::Client(rehearsal::http_options(ctx));
  std::optional<std::string> key;
  try {
    key = credentials::lookup(key_env_);
  } catch (const std::exception& e) {
    throw StepError(fmt::format("{}", e.what()));
  }
  if (!key)
    throw StepError(
        fmt::format("no Discourse API key: {}; an admin of the forum makes one (Admin > API > New API "
                    "Key) for {} with the topics:write scope",
                    credentials::missing_advice(key_env_), username_));
  key_ = *key;
  ctx.add_secret(key_);
}

std::vector<std::string> Api::headers() const { return {"Api-Key: " + key_, "Api-Username: " + username_}; }

void Api::fail(const std::string& doing, const http::Error& e) const {
  std::string msg = fmt::format("{}: {}", doing, e.what());
  switch (e.status()) {
    case 401:
    case 403:
      msg += fmt::format(
          "; Discourse refused the API key in {} for user {}: check the key is not revoked, belongs to {} (or is an "
          "all-users key) and may create topics in the category, then set it again and `relman resume`",
          key_env_, username_, username_);
      break;
    case 404:
      msg += "; not found: check `discourse` is the forum's root URL (https://discuss.python.org)";
      break;
    case 422:
      msg +=
          "; Discourse refused the post (see its errors above): fix the title, text, category or tags, then "
          "`relman resume`";
      break;
    default:
      break;
  }
  if (e.uncertain()) throw UncertainError(msg);
  throw StepError(msg);
}

std::optional<Topic> Api::find(const std::string& title, long long category) const {
  // Search matches words, not titles: the answer is filtered here for the
  // exact title and the category.
  const std::string url = base_ + "/search.json?q=" + github::encode(title + " in:title");
  json answer;
  try {
    answer = client_.get_json(url, headers());
  } catch (const http::Error& e) {
    fail("looking for the announcement on Discourse failed", e);
  }
  if (!answer.contains("topics") || !answer["topics"].is_array()) return std::nullopt;
  for (const auto& t : answer["topics"]) {
    if (!t.is_object() || t.value("title", "") != title) continue;
    if (t.contains("category_id") && t["category_id"].is_number_integer() &&
        t["category_id"].get<long long>() != category)
      continue;
    Topic found;
    found.id = t.value("id", 0LL);
    found.url = fmt::format("{}/t/{}/{}", base_, t.value("slug", "topic"), found.id);
    return found;
  }
  return std::nullopt;
}

Topic Api::create(const NewTopic& topic) const {
  json body = {{"title", topic.title}, {"raw", topic.raw}, {"category", topic.category}, {"tags", topic.tags}};
  http::Response resp;
  try {
    resp = client_.post_json(base_ + "/posts.json", body, headers());
  } catch (const http::Error& e) {
    // Discourse refuses a second topic with the same title: one that an
    // earlier attempt (or a hand) made is the announcement.
    if (e.status() == 422)
      if (auto existing = find(topic.title, topic.category)) return *existing;
    fail("posting the announcement to Discourse failed", e);
  }
  Topic made;
  try {
    auto post = json::parse(resp.body);
    made.id = post.value("topic_id", 0LL);
    made.url = fmt::format("{}/t/{}/{}", base_, post.value("topic_slug", "topic"), made.id);
  } catch (const json::exception&) {
    // Created (2xx) but the answer is unreadable: the post exists.
    made.url = base_;
  }
  return made;
}

}  // namespace relman::steps::discourse
