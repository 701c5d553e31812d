// faceage: the tutorial's age-group workflow, one command per step. Each command is a thin layer
// over the library (minitorch) and the app's parts in this folder.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "commands.hpp"
#include "minitorch/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"faceage: sort face images into age groups, fine-tune ConvNeXt, plot what it learned"};
  app.require_subcommand(1);
  faceage::Commands commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return commands.run();
  } catch (const minitorch::Error& e) {
    std::fprintf(stderr, "faceage: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "faceage: error: %s\n", e.what());
    return 1;
  }
}
