// libgit2's C API (Debian: libgit2-dev; pkg-config libgit2).
#include <git2.h>
