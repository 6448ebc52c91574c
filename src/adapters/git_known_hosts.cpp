#include "adapters/git_known_hosts.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <sstream>
#include <vector>

namespace relman::git {

std::string base64_encode(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

std::string base64_decode(const std::string& text) {
  if (text.empty() || text.size() % 4 != 0) return {};
  std::string out(3 * text.size() / 4 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return {};
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t pad = 0;
  if (text.back() == '=') ++pad;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

bool hashed_match(const std::string& pattern, const std::string& host) {
  // |1|base64(salt)|base64(HMAC-SHA1(salt, host))
  auto parts = split(pattern, '|');
  if (parts.size() != 4 || parts[1] != "1") return false;
  std::string salt = base64_decode(parts[2]);
  std::string want = base64_decode(parts[3]);
  if (salt.empty() || want.empty()) return false;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha1(), salt.data(), static_cast<int>(salt.size()), reinterpret_cast<const unsigned char*>(host.data()),
            host.size(), mac, &len))
    return false;
  return want == std::string(reinterpret_cast<char*>(mac), len);
}

// OpenSSH's match_pattern: `*` and `?` are the only wildcards, case is
// ignored. Not fnmatch: "[host]:2222" is a literal there, not a bracket set.
bool wildcard_match(const char* p, const char* s) {
  for (; *p; ++p, ++s) {
    if (*p == '*') {
      for (; *s; ++s)
        if (wildcard_match(p + 1, s)) return true;
      return wildcard_match(p + 1, s);
    }
    if (!*s) return false;
    if (*p != '?' && std::tolower(static_cast<unsigned char>(*p)) != std::tolower(static_cast<unsigned char>(*s)))
      return false;
  }
  return !*s;
}

// OpenSSH semantics: any negated pattern that matches excludes the host.
bool hosts_match(const std::string& field, const std::string& host) {
  if (!field.empty() && field[0] == '|') return hashed_match(field, host);
  bool matched = false;
  for (const auto& pat : split(field, ',')) {
    if (pat.empty()) continue;
    bool negated = pat[0] == '!';
    std::string p = negated ? pat.substr(1) : pat;
    if (wildcard_match(p.c_str(), host.c_str())) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

}  // namespace

HostKeyCheck check_known_host(const std::string& known_hosts, const std::string& host, const std::string& key_type,
                              const std::string& raw_key) {
  std::istringstream in(known_hosts);
  std::string line;
  bool host_known_same_type = false;
  bool found = false;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string first;
    if (!(fields >> first) || first[0] == '#') continue;
    std::string marker;
    if (first[0] == '@') {
      marker = first;
      if (!(fields >> first)) continue;
    }
    std::string type, key;
    if (!(fields >> type >> key)) continue;
    if (marker == "@cert-authority") continue;  // certificates are not offered by libgit2
    if (!hosts_match(first, host)) continue;
    if (type != key_type) continue;
    bool same = base64_decode(key) == raw_key;
    if (marker == "@revoked") {
      if (same) return HostKeyCheck::mismatch;
      continue;
    }
    if (same) found = true;
    else host_known_same_type = true;
  }
  if (found) return HostKeyCheck::match;
  return host_known_same_type ? HostKeyCheck::mismatch : HostKeyCheck::unknown;
}

bool host_is_listed(const std::string& known_hosts, const std::string& host) {
  std::istringstream in(known_hosts);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string first, type, key;
    if (!(fields >> first) || first[0] == '#' || first[0] == '@') continue;
    if (!(fields >> type >> key)) continue;
    if (hosts_match(first, host)) return true;
  }
  return false;
}

}  // namespace relman::git
