// OpenBLAS's cblas interface (Debian: libopenblas-dev). Every matrix product in sft goes through cblas_sgemm.
#include <cblas.h>
