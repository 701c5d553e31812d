#pragma once
// Writing a whole file so that readers never see it half-written: the bytes go to `path + ".tmp"`
// (created afresh, never through a link left under that name), are flushed to disk, and the
// temporary file is renamed over `path`. An error names `op` and the file.
#include <string>
#include <string_view>

namespace minitorch {

void write_file_atomic(const std::string& path, std::string_view bytes, const char* op);

}  // namespace minitorch
