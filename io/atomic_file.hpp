// Atomic file replacement: write a temporary file in the same folder, flush and fsync it, then
// rename it over the target, so readers see the old file or the new one, never a torn one.
#pragma once

#include <string>

namespace xtgrad {

/// Throws std::runtime_error naming `path` and the system's reason on any failure; the
/// temporary file is removed and an existing `path` is left as it was.
void write_file_atomically(const std::string& path, const std::string& contents);

}  // namespace xtgrad
