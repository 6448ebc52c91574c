// The one door to other machines: every HTTP(S) and SFTP request relman makes
// goes through Client, so timeouts, retries, TLS verification, proxies and the
// User-Agent are decided here once.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace relman::http {

using json = nlohmann::json;

struct Options {
  std::chrono::milliseconds connect_timeout{10000};
  // Whole-request limit; 0 means none (uploads and downloads of any size
  // rely on the low-speed limit instead). RELMAN_HTTP_TIMEOUT_MS overrides.
  std::chrono::milliseconds total_timeout{60000};
  // Abort when fewer than low_speed_bytes/s flow for low_speed_time: a stalled
  // transfer fails instead of hanging a release for hours.
  long low_speed_bytes = 1;
  std::chrono::seconds low_speed_time{60};
  int max_attempts = 5;
  // First retry waits about retry_base, doubling each time, with jitter;
  // RELMAN_HTTP_RETRY_BASE_MS overrides (tests set it to a few ms).
  std::chrono::milliseconds retry_base{1000};
  // No single wait (backoff or Retry-After) is longer than this.
  std::chrono::milliseconds retry_cap{60000};

  // No response body larger than this is accepted (a Content-Length above
  // it stops the request at once); 0 means no limit. The default bounds
  // what an API answer may cost in memory. RELMAN_HTTP_MAX_BODY overrides.
  std::uint64_t max_body_bytes = 8ull << 20;
  // Every attempt and every wait between them end by this long after the
  // request began; 0 means none. RELMAN_HTTP_DEADLINE_MS overrides.
  std::chrono::milliseconds deadline{300000};
  // The slowest rate a transfer of known size is given time for: its
  // timeout is total_timeout plus size / min_rate. RELMAN_HTTP_MIN_RATE
  // (bytes/s) overrides.
  std::uint64_t min_rate = 32 * 1024;
  // Connect only to loopback addresses (127/8, ::1), whatever the URL or a
  // redirect names, through no proxy: a rehearsal's requests.
  bool loopback_only = false;

  // Defaults with the RELMAN_HTTP_* environment overrides applied.
  static Options from_env();
  // For a transfer of about `expected_bytes` (an upload, or a download of
  // that size): the body may be that large (0: no size limit, the body
  // goes to disk), and the timeout and deadline grow with the size.
  Options streaming(std::uint64_t expected_bytes = 0) const;
};

// Which of the client's limits ended a request.
enum class Limit { none, body_size, deadline, low_speed, address };

struct Request {
  std::string method = "GET";  // GET, POST, PUT, PURGE, HEAD
  std::string url;
  std::vector<std::string> headers;   // "Name: value"
  std::string body;                   // POST / PUT body when upload_file is empty
  std::filesystem::path upload_file;  // PUT (or SFTP upload) streamed from this file
  // Called before every attempt (retries restart), then with each chunk of
  // the response body; when set, Response::body stays empty.
  std::function<void()> sink_begin;
  std::function<void(std::string_view)> sink;
  // Bytes done / total of the upload or download, whichever is running.
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

struct Response {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  int attempts = 0;
  std::string header(const std::string& lower_name) const;
  bool ok() const { return status >= 200 && status < 300; }
};

// A failure after retries. what() names the method, the URL (credentials
// removed), the status or libcurl's error, and what to do.
class Error : public std::runtime_error {
 public:
  Error(const std::string& what, long status, int curl_code, Limit limit = Limit::none, bool uncertain = false)
      : std::runtime_error(what), status_(status), curl_code_(curl_code), limit_(limit), uncertain_(uncertain) {}
  long status() const { return status_; }       // 0 when no HTTP response
  int curl_code() const { return curl_code_; }  // CURLE_OK when an HTTP status
  Limit limit() const { return limit_; }        // none unless a limit stopped it
  // A POST or PATCH that the server may have acted on: not to be repeated
  // without the release manager's word.
  bool uncertain() const { return uncertain_; }

 private:
  long status_;
  int curl_code_;
  Limit limit_;
  bool uncertain_;
};

class Client {
 public:
  explicit Client(Options opts = Options::from_env());
  const Options& options() const { return opts_; }

  // Performs `req`, retrying connection errors, timeouts, 5xx and 429 with
  // exponential backoff (honouring Retry-After). A POST is retried only
  // when the server cannot have acted on it (nothing sent, 429, 503), so an
  // announcement never goes out twice. Returns the last response whatever
  // its status; throws Error when no response came at all.
  Response send(const Request& req) const;
  // Like send(), but a status outside 2xx is an Error too; `advice` is
  // appended to its message ("check the token", ...).
  Response send_ok(const Request& req, const std::string& advice = {}) const;

  json get_json(const std::string& url, const std::vector<std::string>& headers = {}) const;
  Response post_json(const std::string& url, const json& body, const std::vector<std::string>& headers = {}) const;

  // Streams the body into `dest` atomically: a temporary file beside it,
  // fsync'd and renamed; `dest` never holds a partial download.
  Response download(const std::string& url, const std::filesystem::path& dest,
                    const std::vector<std::string>& headers = {},
                    const std::function<void(std::uint64_t, std::uint64_t)>& progress = {}) const;

 private:
  Options opts_;
};

// The URL with any user:password removed, for messages and logs.
std::string redact_url(const std::string& url);
// Lower-cased host of a URL ("" when unparsable), without brackets for IPv6.
std::string url_host(const std::string& url);
// Scheme, lower-cased ("https").
std::string url_scheme(const std::string& url);
// The path of a URL, percent-decoded ("/pub/python/3.12.0/").
std::string url_path(const std::string& url);
// 127.0.0.1 (any 127/8), localhost, ::1: where rehearsals may send for real.
bool is_loopback(const std::string& url);
// The same for a numeric address ("127.0.0.2", "::1", "::ffff:127.0.0.1").
bool is_loopback_address(const std::string& ip);

// "Retry-After: 120" or an HTTP date, as a wait from now (0 if absent/past).
std::chrono::milliseconds parse_retry_after(const std::string& value);

}  // namespace relman::http
