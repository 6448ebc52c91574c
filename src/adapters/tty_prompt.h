// The controlling terminal, for what a step must tell or ask the release
// manager itself, around the run's own output (the engine only asks at
// gates): a passphrase, a sign-in URL and the code a provider showed.
#pragma once

#include <string>

namespace relman::tty {

// Writes `text` to /dev/tty; false when there is no terminal.
bool tell(const std::string& text);

// Asks on /dev/tty with echo off (nothing typed is ever shown) and reads
// one line into `out`; false when there is no terminal.
bool ask_secret(const std::string& prompt, std::string& out);

}  // namespace relman::tty
