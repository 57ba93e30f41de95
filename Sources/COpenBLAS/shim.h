// OpenBLAS's CBLAS interface (Debian: libopenblas-dev; pkg-config openblas).
#include <cblas.h>

// Thread count is a setting: reproducible output holds for the same build and thread count.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
