// faceage: the tutorial's age-group workflow, one command per step. Each command is a thin layer
// over the library (minitorch) and the app's parts in this folder.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "commands.hpp"
#include "minitorch/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"faceage: sort face images into age groups, fine-tune ConvNeXt, plot what it learned"};
  app.require_subcommand(1);
  faceage::Commands commands(app);
  // A first word that names no command (CLI11 would only say that a command is required).
  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
      known |= sub->get_name() == argv[1];
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    if (!known) {
      std::fprintf(stderr, "faceage: error: unknown command '%s' (expected one of %s; see faceage --help)\n", argv[1],
                   names.c_str());
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return commands.run();
  } catch (const std::exception& e) {  // minitorch::Error and the standard library's errors
    std::fflush(stdout);  // what the command printed comes before its error
    std::fprintf(stderr, "faceage: error: %s\n", e.what());
    return 1;
  }
}
