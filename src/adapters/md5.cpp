#include "adapters/md5.h"

#include "adapters/evp_digest.h"

namespace relman {

std::string md5_digest(std::string_view data) {
  EvpDigest md5(EVP_md5(), "MD5");
  md5.update(data);
  return md5.raw();
}

}  // namespace relman
