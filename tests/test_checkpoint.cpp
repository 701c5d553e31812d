// Training checkpoints: a bit-exact round trip of tensors, generator states and metrics; the
// previous checkpoint survives a save interrupted at any point; tampering is detected.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

#include "../src/io/checkpoint_files.hpp"
#include "data_helpers.hpp"
#include "minitorch/io/checkpoint.hpp"
#include "minitorch/io/safetensors.hpp"
#include "minitorch/nn/layers.hpp"
#include "minitorch/optim/optimizer.hpp"

using namespace mt;

namespace {

struct Run {
  std::shared_ptr<nn::Sequential> model;
  std::unique_ptr<optim::Adam> opt;
};

// A small model after one Adam step, so that the optimizer has state.
Run trained(uint64_t seed) {
  manual_seed(seed);
  Run r;
  r.model = std::make_shared<nn::Sequential>(
      std::initializer_list<std::shared_ptr<nn::Module>>{std::make_shared<nn::Linear>(4, 3), std::make_shared<nn::GELU>(),
                                                         std::make_shared<nn::Linear>(3, 2)});
  r.opt = std::make_unique<optim::Adam>(r.model->parameters(), optim::AdamOptions{.lr = 1e-2});
  sum(r.model->forward(randn({5, 4}))).backward();
  r.opt->step();
  return r;
}

TrainingState state_of(const Run& r, int64_t epoch) {
  TrainingState s;
  s.model = r.model->state_dict();
  s.optimizer = r.opt->state_dict();
  s.epoch = epoch;
  s.generators["default"] = GeneratorState::of(default_generator());
  s.generators["big"] = {~uint64_t(0), uint64_t(1) << 63};  // beyond int64
  s.metrics["train_loss"] = {0.6931471805599453, 1e-300, 5e-324, -0.0, 1.0 / 3};
  s.metrics["val_acc"] = {NAN, INFINITY, -INFINITY};
  s.metrics["empty"] = {};
  s.info["classes"] = "10s,20s,30s";
  s.info["note \"quoted\""] = "line one\nline two, caf\xc3\xa9";
  return s;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void check_same(const nn::NamedTensors& a, const nn::NamedTensors& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].first == b[i].first);
    CHECK(pixel_equal(a[i].second, b[i].second));
  }
}

void check_same(const TrainingState& a, const TrainingState& b) {
  check_same(a.model, b.model);
  check_same(a.optimizer, b.optimizer);
  CHECK(a.epoch == b.epoch);
  CHECK(a.generators == b.generators);
  CHECK(a.info == b.info);
  REQUIRE(a.metrics.size() == b.metrics.size());
  for (const auto& [name, values] : a.metrics) {
    const auto& other = b.metrics.at(name);
    REQUIRE(values.size() == other.size());
    for (size_t i = 0; i < values.size(); ++i) CHECK_MESSAGE(same_bits(values[i], other[i]), name << " " << i);
  }
}

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("a checkpoint round-trips tensors, generators, metrics and info bit for bit") {
  TempDir dir;
  Run run = trained(1);
  const TrainingState saved = state_of(run, 3);
  CHECK_FALSE(has_checkpoint(dir / "ck"));
  save_checkpoint(dir / "ck", saved);
  CHECK(has_checkpoint(dir / "ck"));
  CHECK(files_in(dir / "ck") == std::vector<std::string>{"checkpoint.1.safetensors", "checkpoint.json"});
  const TrainingState loaded = load_checkpoint(dir / "ck");
  check_same(loaded, saved);

  // The state loads into a fresh model and optimizer, and they continue as the originals do.
  Run fresh = trained(2);
  fresh.model->load_state_dict(loaded.model);
  fresh.opt->load_state_dict(loaded.optimizer);
  Generator gen(9);
  const Tensor x = randn({5, 4}, {}, &gen);
  for (Run* r : {&run, &fresh}) {
    r->opt->zero_grad();
    sum(r->model->forward(x)).backward();
    r->opt->step();
  }
  check_same(fresh.model->state_dict(), run.model->state_dict());

  // The manifest path form: tensors beside it, named after it.
  save_checkpoint(dir / "flat/run7.json", saved);
  CHECK(files_in(dir / "flat") == std::vector<std::string>{"run7.1.safetensors", "run7.json"});
  check_same(load_checkpoint(dir / "flat/run7.json"), saved);
}

TEST_CASE("each save writes the next generation and removes the older tensors files") {
  TempDir dir;
  const Run run = trained(1);
  for (int64_t epoch = 1; epoch <= 3; ++epoch) save_checkpoint(dir.str(), state_of(run, epoch));
  CHECK(files_in(dir.path()) == std::vector<std::string>{"checkpoint.3.safetensors", "checkpoint.json"});
  CHECK(load_checkpoint(dir.str()).epoch == 3);
  // The files a save writes, told from a user's files beside them (which an app may then refuse to remove).
  for (const char* ours : {"checkpoint.json", "checkpoint.json.tmp", "checkpoint.3.safetensors", "checkpoint.12.safetensors.tmp"})
    CHECK_MESSAGE(is_checkpoint_file(dir.str(), ours), ours);
  for (const char* theirs : {"checkpoint.json.bak", "checkpoint.007.safetensors", "checkpoint.my-backup", "notes.txt",
                             "checkpoint..safetensors", ".tmp"})
    CHECK_MESSAGE(!is_checkpoint_file(dir.str(), theirs), theirs);
  CHECK(is_checkpoint_file((dir.path() / "run.json").string(), "run.4.safetensors"));
}

TEST_CASE("a manifest named without a folder lives in the current folder") {
  TempDir dir;
  const fs::path previous = fs::current_path();
  fs::current_path(dir.path());
  const Run run = trained(1);
  // Each save must see the last one's tensors file: "" as the folder listed none, so the second
  // save rewrote x.1.safetensors, the file the live manifest names.
  save_checkpoint("x.json", state_of(run, 1));
  save_checkpoint("x.json", state_of(run, 2));
  const auto files = files_in(dir.path());
  fs::current_path(previous);
  CHECK(files == std::vector<std::string>{"x.2.safetensors", "x.json"});
  CHECK(load_checkpoint(dir / "x.json").epoch == 2);
}

TEST_CASE("a save interrupted at any point leaves the previous checkpoint loadable") {
  TempDir dir;
  const Run run = trained(1);
  const TrainingState first = state_of(run, 1);
  save_checkpoint(dir.str(), first);
  const internal::CheckpointPaths paths = internal::checkpoint_paths(dir.str());

  // Killed while writing the tensors file: a partial temporary file (and one of a generation
  // whose tensors file was later deleted by hand, which no save would write over).
  write_text(dir / "checkpoint.2.safetensors.tmp", "partial");
  write_text(dir / "checkpoint.9.safetensors.tmp", "partial");
  write_text(dir / "checkpoint.09.safetensors.tmp", "not ours");
  write_text(dir / "other.3.safetensors.tmp", "not ours");
  check_same(load_checkpoint(dir.str()), first);

  // Killed between the two writes: the new tensors file is complete, the manifest still old.
  TrainingState second = state_of(trained(5), 2);
  const internal::CheckpointManifest pending = internal::write_checkpoint_tensors(paths, second);
  CHECK(pending.tensors == "checkpoint.2.safetensors");
  CHECK(fs::exists(dir / "checkpoint.2.safetensors"));
  check_same(load_checkpoint(dir.str()), first);

  // Killed while writing the manifest: a partial temporary manifest.
  write_text(dir / "checkpoint.json.tmp", "{\"format\": \"minit");
  check_same(load_checkpoint(dir.str()), first);

  // The next save takes a generation above the orphan and cleans up after itself.
  save_checkpoint(dir.str(), second);
  check_same(load_checkpoint(dir.str()), second);
  CHECK(load_checkpoint(dir.str()).epoch == 2);
  const auto files = files_in(dir.path());
  CHECK(std::count(files.begin(), files.end(), "checkpoint.3.safetensors") == 1);
  CHECK(std::count(files.begin(), files.end(), "checkpoint.2.safetensors") == 0);
  CHECK(std::count(files.begin(), files.end(), "checkpoint.1.safetensors") == 0);
  CHECK(std::count(files.begin(), files.end(), "checkpoint.2.safetensors.tmp") == 0);  // the partial ones too
  CHECK(std::count(files.begin(), files.end(), "checkpoint.9.safetensors.tmp") == 0);
  CHECK(std::count(files.begin(), files.end(), "checkpoint.09.safetensors.tmp") == 1);
  CHECK(std::count(files.begin(), files.end(), "other.3.safetensors.tmp") == 1);
  // A user's file that only looks like a generation (leading zeros: never written) stays.
  write_text(dir / "checkpoint.007.safetensors", "mine");
  save_checkpoint(dir.str(), second);
  CHECK(fs::exists(dir / "checkpoint.007.safetensors"));
  CHECK(fs::exists(dir / "checkpoint.4.safetensors"));
}

TEST_CASE("damaged or foreign checkpoints give one Error naming the file") {
  TempDir dir;
  const TrainingState s = state_of(trained(1), 1);
  CHECK_THROWS_WITH_FRAGMENT(load_checkpoint(dir / "none"), "load_checkpoint: no checkpoint at");
  CHECK_THROWS_WITH_FRAGMENT(load_checkpoint(dir / "none"), "checkpoint.json', written by save_checkpoint");

  save_checkpoint(dir.str(), s);
  const std::string tensors = dir / "checkpoint.1.safetensors", manifest = dir / "checkpoint.json";
  const std::string good_manifest = [&] {
    std::ifstream in(manifest);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();

  {  // one flipped byte in the tensor data
    std::fstream f(tensors, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(-3, std::ios::end);
    const char c = char(f.peek() ^ 0x5a);
    f.seekp(-3, std::ios::end);
    f.put(c);
  }
  CHECK_THROWS_WITH_FRAGMENT(load_checkpoint(dir.str()), join_text({"'", tensors, "' does not match the CRC-32"}));
  fs::resize_file(tensors, fs::file_size(tensors) - 10);
  CHECK_THROWS_WITH_FRAGMENT(load_checkpoint(dir.str()), "bytes, the manifest expects");
  fs::remove(tensors);
  CHECK_THROWS_WITH_FRAGMENT(load_checkpoint(dir.str()), join_text({"names '", tensors, "', which is missing"}));

  write_text(manifest, "{\"format\": 3");
  CHECK_THROWS_WITH_FRAGMENT(load_checkpoint(dir.str()), join_text({"load_checkpoint: ", manifest, ": "}));
  write_text(manifest, "{\"format\": 3.5}");  // the JSON reader's own errors name the manifest, not safetensors
  CHECK_THROWS_WITH_FRAGMENT(load_checkpoint(dir.str()), join_text({manifest, ": byte 12: only integers are expected"}));
  write_text(manifest, "{\"format\": \"something-else\"}");
  CHECK_THROWS_WITH_FRAGMENT(load_checkpoint(dir.str()), "not a minitorch checkpoint manifest");
  std::string edited = good_manifest;
  edited.replace(edited.find("checkpoint.1.safetensors"), 24, "../outside.safetensors");
  write_text(manifest, edited);
  CHECK_THROWS_WITH_FRAGMENT(load_checkpoint(dir.str()), "'tensors' must name a file in the manifest's folder");
  edited = good_manifest;
  edited.replace(edited.find("\"version\": 1"), 12, "\"version\": 9");
  write_text(manifest, edited);
  CHECK_THROWS_WITH_FRAGMENT(load_checkpoint(dir.str()), "manifest version 9 is not supported");

  {  // Numbers read back only as the writer writes them, so hand edits cannot slip in.
    internal::CheckpointManifest written;
    written.tensors = "checkpoint.1.safetensors";
    written.generation = 1;
    written.epoch = 3;
    written.metrics["loss"] = {0.5, INFINITY};
    written.generators["data"] = {7, 0};
    const std::string json = internal::manifest_to_json(written);
    const auto edit = [&](const std::string& from, const std::string& to) {
      std::string e = json;
      REQUIRE(e.find(from) != std::string::npos);
      return e.replace(e.find(from), from.size(), to);
    };
    CHECK(internal::manifest_from_json(json, "m").metrics.at("loss")[1] == INFINITY);
    for (const char* bad : {"\"0x10\"", "\" 0.5\"", "\"1e999\""}) {
      CAPTURE(bad);
      CHECK_THROWS_WITH_FRAGMENT(internal::manifest_from_json(edit("\"0.5\"", bad), "m"), "is not a number");
    }
    CHECK_THROWS_WITH_FRAGMENT(internal::manifest_from_json(edit("\"7\"", "\"+7\""), "m"), "is not an unsigned 64-bit");
    CHECK_THROWS_WITH_FRAGMENT(internal::manifest_from_json(edit("\"epoch\": 3", "\"epoch\": -7"), "m"), "'epoch' -7 is negative");
  }

  // A tensor that belongs to neither part.
  StateDict foreign;
  foreign.insert("other.w", zeros({2}));
  save_safetensors(dir / "x.1.safetensors", foreign);
  internal::CheckpointManifest m;
  m.tensors = "x.1.safetensors";
  m.generation = 1;
  const std::vector<uint8_t> bytes = [&] {
    std::ifstream in(dir / "x.1.safetensors", std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
  }();
  m.tensors_bytes = bytes.size();
  m.tensors_crc32 = uint32_t(internal::crc32_of(bytes));
  write_text(dir / "x.json", internal::manifest_to_json(m));
  CHECK_THROWS_WITH_FRAGMENT(load_checkpoint(dir / "x.json"), "holds tensor 'other.w', which is neither model. nor optim.");
}

TEST_CASE("a state that cannot be written fails before any file is touched") {
  TempDir dir;
  TrainingState s = state_of(trained(1), 1);
  s.metrics["bad \xff name"] = {1};
  CHECK_THROWS_WITH_FRAGMENT(save_checkpoint(dir / "ck", s), "metric name");
  CHECK_FALSE(fs::exists(dir / "ck"));  // not even the folder
  TrainingState negative = state_of(trained(1), -1);
  CHECK_THROWS_WITH_FRAGMENT(save_checkpoint(dir / "ck", negative), "save_checkpoint: epoch -1 is negative");
  CHECK_FALSE(fs::exists(dir / "ck"));
}
