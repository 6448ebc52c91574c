#pragma once

namespace relman::cli {

// Parses argv, runs the command, returns the exit code. Every error type is
// caught here and printed as "relman: error: ...".
int main(int argc, char** argv);

}  // namespace relman::cli
