#include "adapters/http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "adapters/durable.h"

#ifndef RELMAN_VERSION
#define RELMAN_VERSION "dev"
#endif

namespace relman::http {

namespace {

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct UrlFree {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlStrFree {
  void operator()(char* s) const { curl_free(s); }
};
struct FileClose {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using Easy = std::unique_ptr<CURL, CurlFree>;
using Slist = std::unique_ptr<curl_slist, SlistFree>;
using Url = std::unique_ptr<CURLU, UrlFree>;
using CurlStr = std::unique_ptr<char, CurlStrFree>;
using File = std::unique_ptr<std::FILE, FileClose>;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw std::runtime_error("libcurl: global initialisation failed");
  });
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

long env_long(const char* name, long fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  return (end && *end == '\0' && n >= 0) ? n : fallback;
}

Url parse(const std::string& url) {
  global_init();
  Url u(curl_url());
  if (!u) throw std::bad_alloc();
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) return nullptr;
  return u;
}

std::string part(CURLU* u, CURLUPart which, unsigned flags = 0) {
  char* out = nullptr;
  if (curl_url_get(u, which, &out, flags) != CURLUE_OK || !out) return {};
  CurlStr owned(out);
  return owned.get();
}

// Headers of one response may take this much memory, whatever the server sends.
constexpr std::uint64_t kMaxHeaderBytes = 1u << 20;
// A body kept in memory (no sink) never grows past this, whatever the options.
constexpr std::uint64_t kMaxBodyInMemory = 64u << 20;

struct Transfer {
  const Request* req = nullptr;
  Response* resp = nullptr;
  std::FILE* upload = nullptr;
  std::uint64_t max_body = 0;  // 0: no limit
  bool loopback_only = false;
  std::uint64_t header_bytes = 0;
  std::uint64_t body_bytes = 0;
  Limit limit = Limit::none;  // set by a callback that stopped the transfer
  std::string limit_detail;
};

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  t->header_bytes += line.size();
  if (t->header_bytes > kMaxHeaderBytes) {
    t->limit = Limit::body_size;
    t->limit_detail = fmt::format("the response headers exceed {} bytes", kMaxHeaderBytes);
    return 0;
  }
  // A new status line (after a redirect or a 100 Continue) starts a new set.
  if (line.starts_with("HTTP/")) t->resp->headers.clear();
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name = lower(std::string(line.substr(0, colon)));
    std::string value = trim(line.substr(colon + 1));
    // A body announced larger than allowed is refused before it is read.
    if (name == "content-length" && t->max_body > 0 && t->req->method != "HEAD") {
      char* end = nullptr;
      unsigned long long announced = std::strtoull(value.c_str(), &end, 10);
      if (end && *end == '\0' && announced > t->max_body) {
        t->limit = Limit::body_size;
        t->limit_detail = fmt::format(
            "the server announced {} bytes (Content-Length) but at most {} are accepted "
            "for this request",
            announced, t->max_body);
        return 0;
      }
    }
    t->resp->headers[name] = value;
  }
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view chunk(data, size * n);
  t->body_bytes += chunk.size();
  if (t->max_body > 0 && t->body_bytes > t->max_body) {
    t->limit = Limit::body_size;
    t->limit_detail = fmt::format("the response body exceeds the {} bytes accepted for this request", t->max_body);
    return 0;
  }
  try {
    if (t->req->sink) t->req->sink(chunk);
    else t->resp->body.append(chunk);
  } catch (...) {
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  return size * n;
}

size_t on_read(char* buffer, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t got = std::fread(buffer, 1, size * n, t->upload);
  if (got == 0 && std::ferror(t->upload)) return CURL_READFUNC_ABORT;
  return got;
}

int on_progress(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(user);
  if (!t->req->progress) return 0;
  if (ultotal > 0) t->req->progress(static_cast<std::uint64_t>(ulnow), static_cast<std::uint64_t>(ultotal));
  else t->req->progress(static_cast<std::uint64_t>(dlnow), static_cast<std::uint64_t>(dltotal));
  return 0;
}

// Every connection goes through here: with loopback_only, an address that
// is not loopback (named by the URL, a redirect or a proxy) is never
// connected to.
curl_socket_t on_open_socket(void* user, curlsocktype, curl_sockaddr* addr) {
  auto* t = static_cast<Transfer*>(user);
  if (t->loopback_only) {
    char ip[INET6_ADDRSTRLEN] = "?";
    bool loopback = false;
    if (addr->family == AF_INET) {
      auto* in = reinterpret_cast<const sockaddr_in*>(&addr->addr);
      ::inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
      loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else if (addr->family == AF_INET6) {
      auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr->addr);
      ::inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
      loopback = is_loopback_address(ip);
    }
    if (!loopback) {
      t->limit = Limit::address;
      t->limit_detail = ip;
      return CURL_SOCKET_BAD;
    }
  }
  return ::socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

// Only a host key that matches known_hosts is accepted: an unknown or
// changed key is refused rather than trusted on first use.
int on_ssh_key(CURL*, const curl_khkey*, const curl_khkey*, curl_khmatch match, void*) {
  return match == CURLKHMATCH_OK ? CURLKHSTAT_FINE : CURLKHSTAT_REJECT;
}

bool retryable_curl(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

bool retryable_status(long status) { return status == 429 || (status >= 500 && status <= 599); }

// A POST (an announcement, a workflow dispatch) may act twice if sent
// twice. It is repeated only when the server cannot have acted on it:
// nothing was sent, or the answer was 429 or 503 (refused, not processed).
bool repeatable(const Request& req) { return req.method != "POST" && req.method != "PATCH"; }
bool refused_unprocessed(long status) { return status == 429 || status == 503; }
const char* kNotRepeated =
    "a POST is not repeated after this answer, because the server may have acted on it: check whether it did "
    "(the announcement was posted, the workflow run started); if not, `relman retry` the step to send it again, "
    "and if it did, `relman skip` it with a reason; a plain `relman resume` does not send it again";

std::string advice_for(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
      return "check the host name in the URL and the network (and any proxy in https_proxy/HTTPS_PROXY)";
    case CURLE_COULDNT_CONNECT:
      return "check that the server is up and the URL's host and port are right";
    case CURLE_OPERATION_TIMEDOUT:
      return "the server is slow or unreachable; check it (or raise RELMAN_HTTP_TIMEOUT_MS) and run the step again";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return "the server's TLS certificate could not be verified; fix the certificate or the CA bundle (relman never "
             "turns verification off)";
    case CURLE_SSH:
    case CURLE_LOGIN_DENIED:
      return "check the SSH host key in known_hosts (ssh-keyscan the host, verify the fingerprint, add it) and that "
             "your key is accepted";
    default:
      return "check the server and the network, then run the step again (relman resume)";
  }
}

}  // namespace

Options Options::from_env() {
  Options o;
  o.retry_base = std::chrono::milliseconds(env_long("RELMAN_HTTP_RETRY_BASE_MS", o.retry_base.count()));
  o.total_timeout = std::chrono::milliseconds(env_long("RELMAN_HTTP_TIMEOUT_MS", o.total_timeout.count()));
  o.connect_timeout = std::chrono::milliseconds(env_long("RELMAN_HTTP_CONNECT_TIMEOUT_MS", o.connect_timeout.count()));
  o.max_attempts = static_cast<int>(std::max(1L, env_long("RELMAN_HTTP_ATTEMPTS", o.max_attempts)));
  o.retry_cap = std::chrono::milliseconds(env_long("RELMAN_HTTP_RETRY_CAP_MS", o.retry_cap.count()));
  o.deadline = std::chrono::milliseconds(env_long("RELMAN_HTTP_DEADLINE_MS", o.deadline.count()));
  o.max_body_bytes = static_cast<std::uint64_t>(env_long("RELMAN_HTTP_MAX_BODY", static_cast<long>(o.max_body_bytes)));
  o.min_rate =
      static_cast<std::uint64_t>(std::max(1L, env_long("RELMAN_HTTP_MIN_RATE", static_cast<long>(o.min_rate))));
  return o;
}

Options Options::streaming(std::uint64_t expected_bytes) const {
  Options o = *this;
  // Unknown size (a download to disk): an hour, and the low-speed limit.
  auto time =
      expected_bytes == 0
          ? std::chrono::milliseconds(3600000)
          : total_timeout + std::chrono::milliseconds(expected_bytes * 1000 / std::max<std::uint64_t>(1, min_rate));
  o.total_timeout = time;
  o.deadline = std::max(deadline, 2 * time);
  o.max_body_bytes = expected_bytes;
  return o;
}

std::string Response::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string redact_url(const std::string& url) {
  Url u = parse(url);
  if (!u) return "<unparsable URL>";
  curl_url_set(u.get(), CURLUPART_USER, nullptr, 0);
  curl_url_set(u.get(), CURLUPART_PASSWORD, nullptr, 0);
  auto out = part(u.get(), CURLUPART_URL);
  return out.empty() ? "<unparsable URL>" : out;
}

std::string url_host(const std::string& url) {
  Url u = parse(url);
  if (!u) return {};
  auto host = lower(part(u.get(), CURLUPART_HOST));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

std::string url_scheme(const std::string& url) {
  Url u = parse(url);
  return u ? lower(part(u.get(), CURLUPART_SCHEME)) : std::string();
}

std::string url_path(const std::string& url) {
  Url u = parse(url);
  return u ? part(u.get(), CURLUPART_PATH, CURLU_URLDECODE) : std::string();
}

bool is_loopback(const std::string& url) {
  auto host = url_host(url);
  return host == "localhost" || is_loopback_address(host);
}

bool is_loopback_address(const std::string& ip) {
  // Only a real IPv4 literal: "127.0.0.1.example.org" is somebody's server.
  in_addr addr{};
  if (::inet_pton(AF_INET, ip.c_str(), &addr) == 1) return (ntohl(addr.s_addr) >> 24) == 127;
  in6_addr a6{};
  if (::inet_pton(AF_INET6, ip.c_str(), &a6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&a6)) return true;
  if (IN6_IS_ADDR_V4MAPPED(&a6)) return a6.s6_addr[12] == 127;
  return false;
}

std::chrono::milliseconds parse_retry_after(const std::string& value) {
  auto v = trim(value);
  if (v.empty()) return std::chrono::milliseconds(0);
  if (std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return std::chrono::seconds(std::stoll(v.substr(0, 9)));
  time_t when = curl_getdate(v.c_str(), nullptr);
  if (when < 0) return std::chrono::milliseconds(0);
  auto delta = when - std::time(nullptr);
  return delta > 0 ? std::chrono::milliseconds(delta * 1000) : std::chrono::milliseconds(0);
}

Client::Client(Options opts) : opts_(opts) { global_init(); }

Response Client::send(const Request& req) const {
  const std::string shown = req.method + " " + redact_url(req.url);
  const std::string scheme = url_scheme(req.url);
  const bool is_http = scheme == "http" || scheme == "https";
  const bool is_ssh = scheme == "sftp" || scheme == "scp";
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  auto started = std::chrono::steady_clock::now();

  const auto seconds = [](std::chrono::milliseconds ms) { return static_cast<double>(ms.count()) / 1000.0; };
  for (int attempt = 1;; ++attempt) {
    Response resp;
    resp.attempts = attempt;
    Transfer t;
    t.req = &req;
    t.resp = &resp;
    // What stays in memory is bounded even when the caller set no limit.
    t.max_body = opts_.max_body_bytes;
    if (!req.sink && t.max_body == 0) t.max_body = kMaxBodyInMemory;
    t.loopback_only = opts_.loopback_only;
    // This attempt's time: its own limit, and never past the deadline.
    auto attempt_timeout = opts_.total_timeout;
    bool by_deadline = false;
    if (opts_.deadline.count() > 0) {
      auto left = opts_.deadline -
                  std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
      if (left <= std::chrono::milliseconds(0))
        throw Error(fmt::format("{}: the request's deadline of {:.1f} s passed after {} attempt{} (limit: "
                                "RELMAN_HTTP_DEADLINE_MS); the server is too slow or keeps failing: check it, then run "
                                "the step again",
                                shown, seconds(opts_.deadline), attempt - 1, attempt == 2 ? "" : "s"),
                    0, static_cast<int>(CURLE_OPERATION_TIMEDOUT), Limit::deadline);
      if (attempt_timeout.count() == 0 || left < attempt_timeout) {
        attempt_timeout = left;
        by_deadline = true;
      }
    }
    File upload;
    if (!req.upload_file.empty()) {
      upload.reset(std::fopen(req.upload_file.c_str(), "rb"));
      if (!upload)
        throw std::runtime_error(
            fmt::format("{}: cannot read {}: {}", shown, req.upload_file.string(), std::strerror(errno)));
      t.upload = upload.get();
    }
    if (req.sink_begin) req.sink_begin();

    Easy easy(curl_easy_init());
    if (!easy) throw std::runtime_error("libcurl: cannot create a handle");
    CURL* c = easy.get();
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "relman/" RELMAN_VERSION);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(opts_.connect_timeout.count()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(attempt_timeout.count()));
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &t);
    // A loopback stand-in needs no proxy, and a proxy elsewhere would be
    // refused anyway: say so by not using one.
    if (opts_.loopback_only) curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, opts_.low_speed_bytes);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(opts_.low_speed_time.count()));
    // Verification is libcurl's default; set it anyway so no later edit can
    // silently rely on a different default.
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, req.progress ? 0L : 1L);
    if (is_http) {
      curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
      curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
      // Redirects never carry the Authorization header to another host
      // (CURLOPT_UNRESTRICTED_AUTH stays off): artifact downloads redirect
      // to storage that must not see the token.
      curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
      curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
      curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    }
    if (is_ssh) {
      std::string known = std::getenv("RELMAN_SSH_KNOWN_HOSTS") ? std::getenv("RELMAN_SSH_KNOWN_HOSTS") : "";
      if (known.empty() && std::getenv("HOME")) known = std::string(std::getenv("HOME")) + "/.ssh/known_hosts";
      curl_easy_setopt(c, CURLOPT_SSH_KNOWNHOSTS, known.c_str());
      curl_easy_setopt(c, CURLOPT_SSH_KEYFUNCTION, on_ssh_key);
      curl_easy_setopt(c, CURLOPT_SSH_AUTH_TYPES, static_cast<long>(CURLSSH_AUTH_PUBLICKEY | CURLSSH_AUTH_AGENT));
      if (const char* key = std::getenv("RELMAN_SSH_KEY"); key && *key) {
        curl_easy_setopt(c, CURLOPT_SSH_PRIVATE_KEYFILE, key);
        std::string pub = std::string(key) + ".pub";
        curl_easy_setopt(c, CURLOPT_SSH_PUBLIC_KEYFILE, pub.c_str());
      }
      curl_easy_setopt(c, CURLOPT_FTP_CREATE_MISSING_DIRS, static_cast<long>(CURLFTP_CREATE_DIR));
    }

    Slist headers;
    auto add_header = [&](const std::string& h) {
      curl_slist* next = curl_slist_append(headers.get(), h.c_str());
      if (!next) throw std::bad_alloc();
      (void)headers.release();
      headers.reset(next);
    };
    for (const auto& h : req.headers) add_header(h);
    // "Expect: 100-continue" costs a round trip (a second against servers
    // that ignore it) on every upload; relman never needs it.
    add_header("Expect:");

    if (req.method == "HEAD") {
      curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (upload) {
      std::error_code ec;
      auto size = std::filesystem::file_size(req.upload_file, ec);
      curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt(c, CURLOPT_READDATA, &t);
      if (!ec) curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
      if (is_http && req.method != "PUT") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    } else if (req.method == "POST" || req.method == "PUT" || !req.body.empty()) {
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
      if (req.method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    } else if (req.method != "GET") {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }
    if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (!is_http && rc == CURLE_OK) status = 200;
    if (!is_http && rc == CURLE_REMOTE_FILE_NOT_FOUND) {
      resp.status = 404;
      return resp;
    }
    resp.status = status;

    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    // A limit of ours stopped it: say which, and never retry.
    if (t.limit == Limit::body_size)
      throw Error(fmt::format("{} stopped: {}; relman does not read on. The server is not answering as expected: check "
                              "the URL",
                              shown, t.limit_detail),
                  status, static_cast<int>(rc), Limit::body_size);
    if (t.limit == Limit::address) {
      char* effective = nullptr;
      curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective);
      std::string where = effective ? redact_url(effective) : redact_url(req.url);
      throw Error(fmt::format("{} refused: a rehearsal connects only to loopback servers, and {} is at {} (a redirect "
                              "or a proxy leads off this machine); nothing was sent there. Point the rehearsal at a "
                              "loopback stand-in that does not redirect elsewhere",
                              shown, where, t.limit_detail),
                  status, static_cast<int>(rc), Limit::address);
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
      bool slow = detail.find("too slow") != std::string::npos;
      long sent_bytes = 0;
      curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &sent_bytes);
      const std::string post_note = !repeatable(req) && sent_bytes > 0 ? std::string(". ") + kNotRepeated : "";
      if (!slow && by_deadline)
        throw Error(fmt::format("{} stopped after {:.1f} s ({}): the request's deadline of {:.1f} s passed ({} "
                                "attempt{}; limit: RELMAN_HTTP_DEADLINE_MS, and RELMAN_HTTP_MIN_RATE bytes/s for "
                                "transfers). The server is too slow: check it, then run the step again{}",
                                shown, seconds(elapsed), detail, seconds(opts_.deadline), attempt,
                                attempt == 1 ? "" : "s", post_note),
                    status, static_cast<int>(rc), Limit::deadline);
      if (slow && attempt >= opts_.max_attempts)
        throw Error(fmt::format("{} stopped ({}): fewer than {} bytes/s for {} s (the low-speed limit), {} attempt{}; "
                                "the server or the network stalls: check them, then run the step again{}",
                                shown, detail, opts_.low_speed_bytes, opts_.low_speed_time.count(), attempt,
                                attempt == 1 ? "" : "s", post_note),
                    status, static_cast<int>(rc), Limit::low_speed);
      if (!slow && attempt >= opts_.max_attempts)
        throw Error(fmt::format("{} stopped after {:.1f} s ({}): each attempt may take {:.1f} s "
                                "(RELMAN_HTTP_TIMEOUT_MS), {} attempt{}; the server is slow or unreachable: check it, "
                                "then run the step again{}",
                                shown, seconds(elapsed), detail, seconds(attempt_timeout), attempt,
                                attempt == 1 ? "" : "s", post_note),
                    status, static_cast<int>(rc), Limit::deadline);
    }
    bool transport_failed = rc != CURLE_OK;
    long sent = 0;
    curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &sent);
    bool retry = transport_failed ? retryable_curl(rc) && (repeatable(req) || sent == 0)
                                  : retryable_status(status) && (repeatable(req) || refused_unprocessed(status));
    if (!retry || attempt >= opts_.max_attempts) {
      if (transport_failed) {
        std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
        bool withheld = retryable_curl(rc) && !repeatable(req) && sent > 0;
        throw Error(fmt::format("{} failed: {} (curl error {}) after {} attempt{} over {:.1f} s; {}", shown, detail,
                                static_cast<int>(rc), attempt, attempt == 1 ? "" : "s", elapsed.count() / 1000.0,
                                withheld ? kNotRepeated : advice_for(rc)),
                    0, static_cast<int>(rc), Limit::none, withheld);
      }
      return resp;
    }

    // Full-ish jitter: half the backoff fixed, half random, so clients that
    // failed together do not retry together.
    auto backoff = opts_.retry_base * (1LL << std::min(attempt - 1, 20));
    backoff = std::min<std::chrono::milliseconds>(backoff, opts_.retry_cap);
    std::uniform_int_distribution<long long> jitter(0, std::max<long long>(0, backoff.count() / 2));
    auto wait = std::chrono::milliseconds(backoff.count() / 2 + jitter(rng));
    if (!transport_failed) {
      auto asked = parse_retry_after(resp.header("retry-after"));
      if (asked > wait) wait = asked;
    }
    wait = std::min<std::chrono::milliseconds>(wait, opts_.retry_cap);
    // A wait that would end past the deadline is cut short: the next
    // attempt then reports the deadline.
    if (opts_.deadline.count() > 0) {
      auto left = opts_.deadline -
                  std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
      wait = std::max(std::chrono::milliseconds(0), std::min(wait, left));
    }
    std::this_thread::sleep_for(wait);
  }
}

Response Client::send_ok(const Request& req, const std::string& advice) const {
  Response resp = send(req);
  if (resp.ok()) return resp;
  std::string excerpt = req.sink ? std::string() : resp.body.substr(0, 300);
  for (auto& ch : excerpt)
    if (ch == '\n' || ch == '\r') ch = ' ';
  std::string what = fmt::format("{} {} failed: HTTP {}", req.method, redact_url(req.url), resp.status);
  if (resp.attempts > 1) what += fmt::format(" after {} attempts", resp.attempts);
  if (!excerpt.empty()) what += fmt::format(" ({})", trim(excerpt));
  bool uncertain = retryable_status(resp.status) && !repeatable(req) && !refused_unprocessed(resp.status);
  if (uncertain) what += std::string("; ") + kNotRepeated;
  else if (!advice.empty()) what += "; " + advice;
  else if (retryable_status(resp.status))
    what += "; the server keeps failing: wait until it recovers, then run the step again (relman resume)";
  throw Error(what, resp.status, 0, Limit::none, uncertain);
}

json Client::get_json(const std::string& url, const std::vector<std::string>& headers) const {
  Request req;
  req.url = url;
  req.headers = headers;
  req.headers.push_back("Accept: application/json");
  Response resp = send_ok(req);
  try {
    return json::parse(resp.body);
  } catch (const json::exception& e) {
    throw Error(fmt::format("GET {} returned something that is not JSON ({}); check the URL points at the API",
                            redact_url(url), e.what()),
                resp.status, 0);
  }
}

Response Client::post_json(const std::string& url, const json& body, const std::vector<std::string>& headers) const {
  Request req;
  req.method = "POST";
  req.url = url;
  req.headers = headers;
  req.headers.push_back("Content-Type: application/json");
  req.headers.push_back("Accept: application/json");
  req.body = body.dump();
  return send_ok(req);
}

Response Client::download(const std::string& url, const std::filesystem::path& dest,
                          const std::vector<std::string>& headers,
                          const std::function<void(std::uint64_t, std::uint64_t)>& progress) const {
  auto dir = dest.parent_path().empty() ? std::filesystem::path(".") : dest.parent_path();
  std::filesystem::create_directories(dir);
  auto tmp = durable::temp_path_for(dest);
  durable::Fd fd;
  Request req;
  req.url = url;
  req.headers = headers;
  req.progress = progress;
  req.sink_begin = [&] {
    fd.reset(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) throw std::runtime_error(fmt::format("cannot create {}: {}", tmp.string(), std::strerror(errno)));
  };
  req.sink = [&](std::string_view chunk) { durable::write_all(fd.get(), chunk); };
  Response resp;
  try {
    resp = Client(opts_.streaming()).send_ok(req);
    if (::fsync(fd.get()) != 0) throw std::runtime_error("fsync failed on " + tmp.string());
    fd.reset();
    std::filesystem::rename(tmp, dest);
    durable::fsync_path(dir);
  } catch (...) {
    fd.reset();
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw;
  }
  return resp;
}

}  // namespace relman::http
