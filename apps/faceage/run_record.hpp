#pragma once
// What prepare and split leave in their --out so that a later run knows what it may touch: the
// record out/.faceage-<command> names the folders the run writes, written before them, and ends
// with a "# complete" line once every file is in place.
//
// - A later run with the same --out may replace only folders a record names, and only with
//   --overwrite; a folder in the way that no run recorded (the user's, or an older faceage's)
//   and any folder holding one of the run's inputs are errors, found before anything is removed.
// - A folder whose record lacks "# complete" is the output of an interrupted run: the next step
//   (split reading prepare's output; train, evaluate and embed reading split's) refuses it.
//
// The other outputs follow the same rule where they live: train refuses an earlier run's files
// in its --out without --overwrite (train.cpp), synth and demo write only where nothing or their
// own earlier output is (.faceage-synth, .faceage-demo).
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace faceage {

// Makes way in `out` for `command` to write the sub-folders `folders` (names the command writes:
// age groups for prepare, train and val for split), then records them as not yet complete.
// `inputs` are the files and folders the run reads.
void make_way(const std::filesystem::path& out, const std::set<std::string>& folders,
              const std::vector<std::filesystem::path>& inputs, bool overwrite, const char* command);
// Marks the run that wrote `folders` in `out` complete.
void record_complete(const std::filesystem::path& out, const std::set<std::string>& folders, const char* command);
// The error when `dir` is the output of a prepare or split that did not finish; `reader` names
// the command reading it.
void check_finished(const std::filesystem::path& dir, const std::string& reader);

}  // namespace faceage
