// faceage's version string (also keeps faceage_core non-empty while its parts are being added).
namespace faceage {
const char* version() { return "0.1.0"; }
}  // namespace faceage
