#include "adapters/md5.h"

namespace relman {

std::string md5_digest(std::string_view data) {
  Md5 md5;
  md5.update(data);
  return md5.raw();
}

}  // namespace relman
