// libsodium's one-time initialisation, which its functions need first (signing, SHA-256).
#pragma once

#include <sodium.h>

#include "track/error.hpp"

namespace track {

/// Initialises libsodium once per process (thread-safe); throws Error (70) when it cannot be.
inline void sodium_ready() {
    static const int status = sodium_init();
    if (status < 0) throw Error(ExitCode::software, "libsodium cannot be initialised");
}

}  // namespace track
