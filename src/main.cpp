// relman: a release manager's engine. main() parses the command line, runs
// one command and maps the error types to exit codes (docs/architecture.md).
#include "cli/app.h"

int main(int argc, char** argv) { return relman::cli::main(argc, argv); }
