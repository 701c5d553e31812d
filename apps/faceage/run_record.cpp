#include "run_record.hpp"

#include <fstream>

#include "files.hpp"
#include "minitorch/error.hpp"

namespace faceage {

namespace {

constexpr const char* kComplete = "# complete";

fs::path record_of(const fs::path& out, const char* command) { return out / (std::string(".faceage-") + command); }

// The names a command writes: prepare the age groups ("0s" .. "100s"), split "train" and "val".
bool is_own_folder(const std::string& name, const char* command) {
  if (std::string(command) == "split") return name == "train" || name == "val";
  for (int64_t age = 0; age <= 100; age += 10)
    if (name == age_group(age)) return true;
  return false;
}

struct Record {
  std::set<std::string> folders;  // only names the command writes: an edited record cannot point
                                  // --overwrite at "..", an absolute path or a folder of the user's
  bool exists = false, complete = false;
};

Record read_record(const fs::path& out, const char* command) {
  Record r;
  std::ifstream in(record_of(out, command));
  r.exists = in.good();
  for (std::string line; std::getline(in, line);) {
    if (line == kComplete) r.complete = true;
    else if (is_own_folder(line, command)) r.folders.insert(line);
  }
  return r;
}

void write_record(const fs::path& out, const char* command, const std::set<std::string>& folders, bool complete) {
  std::string text;
  for (const std::string& name : folders) text += name + "\n";
  if (complete) text += std::string(kComplete) + "\n";
  write_text_atomic(record_of(out, command), text);
}

}  // namespace

void make_way(const fs::path& out, const std::set<std::string>& folders, const std::vector<fs::path>& inputs,
              bool overwrite, const char* command) {
  const Record earlier = read_record(out, command);
  std::set<std::string> involved = folders;
  involved.insert(earlier.folders.begin(), earlier.folders.end());
  std::vector<fs::path> resolved_inputs;
  for (const fs::path& input : inputs) resolved_inputs.push_back(resolved(input));
  // Every check before the first removal.
  std::vector<fs::path> to_remove;
  for (const std::string& name : involved) {
    const fs::path dir = out / name;
    std::error_code ec;
    const fs::file_status status = fs::symlink_status(dir, ec);
    if (!fs::exists(status) || (fs::is_directory(status) && fs::is_empty(dir, ec))) continue;
    const fs::path resolved_dir = resolved(dir);
    for (size_t i = 0; i < inputs.size(); ++i)
      MT_CHECK(!path_starts_with(resolved_inputs[i], resolved_dir), command, ": ", dir.string(), " holds the input ",
               inputs[i].string(), "; choose another --out");
    MT_CHECK(earlier.folders.count(name), command, ": ", dir.string(), " is in the way and no faceage ", command,
             " run recorded writing it (a folder of yours, or an older faceage's output); remove it or choose "
             "another --out");
    MT_CHECK(overwrite, command, ": ", dir.string(), " holds the files of an earlier run, which would mix with this ",
             "one's; pass --overwrite to replace them, or choose another --out");
    to_remove.push_back(dir);
  }
  // Not complete from here on, for every folder touched: a run stopped while removing or
  // copying leaves a record that the next step refuses.
  write_record(out, command, involved, false);
  for (const fs::path& dir : to_remove) {
    std::error_code ec;
    fs::remove_all(dir, ec);  // a symbolic link is removed as a link
    MT_CHECK(!ec, command, ": cannot remove ", dir.string(), ": ", ec.message());
  }
  write_record(out, command, folders, false);
}

void record_complete(const fs::path& out, const std::set<std::string>& folders, const char* command) {
  write_record(out, command, folders, true);
}

void check_finished(const fs::path& dir, const std::string& reader) {
  for (const char* command : {"prepare", "split"}) {
    const Record r = read_record(dir, command);
    MT_CHECK(!r.exists || r.complete, reader, ": ", dir.string(), " is the output of a faceage ", command,
             " that did not finish; run faceage ", command, " again with --overwrite");
  }
}

}  // namespace faceage
