#include "adapters/sha1.h"

namespace relman {

std::string sha1_hex(std::string_view data) {
  Sha1 h;
  h.update(data);
  return h.hex();
}

}  // namespace relman
