// Discourse's API as the announcement uses it: create a topic
// (POST /posts.json) and find one by its title (GET /search.json), both
// authenticated with the Api-Key and Api-Username headers. The key comes
// from the environment or the credentials file, never from the workflow.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "adapters/http.h"
#include "core/step_kind.h"

namespace relman::steps::discourse {

struct Topic {
  long long id = 0;
  std::string url;  // base + /t/slug/id
};

struct NewTopic {
  std::string title;
  std::string raw;  // Markdown
  long long category = 0;
  std::vector<std::string> tags;
};

class Api {
 public:
  // Looks the key up in `key_env` (environment, then credentials file) and
  // registers it as a secret; a missing key is a StepError saying where to
  // put it.
  Api(StepContext& ctx, std::string base, std::string key_env, std::string username);

  // The topic titled exactly `title` in `category`, if search finds one.
  std::optional<Topic> find(const std::string& title, long long category) const;
  // Creates the topic; a refusal (bad key, 422) is a StepError, a failure
  // the server may have acted on an UncertainError.
  Topic create(const NewTopic& topic) const;

 private:
  std::vector<std::string> headers() const;
  [[noreturn]] void fail(const std::string& doing, const http::Error& e) const;

  std::string base_;
  std::string key_env_;
  std::string username_;
  std::string key_;
  http::Client client_;
};

}  // namespace relman::steps::discourse
