#include "cli/app.h"

#include <cstdio>

namespace relman::cli {

int main(int, char**) {
  std::fputs("relman: not yet\n", stderr);
  return 2;
}

}  // namespace relman::cli
