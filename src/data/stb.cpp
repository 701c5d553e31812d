// The one translation unit that compiles stb_image and stb_image_write (single-header libraries
// from Debian's libstb-dev): their implementations must exist exactly once in the library.
// Only the formats it decodes for minitorch are compiled in (PNG and BMP; JPEGs go to
// libjpeg-turbo), which keeps the untrusted-input surface small.
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#define STBI_NO_STDIO  // files are read by image_io.cpp, which names them in its errors
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO

#if defined(__GNUC__)
#pragma GCC diagnostic push  // third-party code: its warnings are not ours to fix
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#endif
#include <stb_image.h>
#include <stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
