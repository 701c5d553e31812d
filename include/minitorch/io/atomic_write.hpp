#pragma once
// Writing a whole file so that readers never see it half-written: the bytes go to `path + ".tmp"`
// (created afresh: whatever was left under that name, a crashed save's file or a planted link, is
// removed first), are flushed to disk, and the temporary file is renamed over `path`. An error
// names `op` and the file. Every file minitorch and faceage write goes this way.
#include <string>
#include <string_view>

namespace minitorch {

void write_file_atomic(const std::string& path, std::string_view bytes, const char* op);

}  // namespace minitorch
