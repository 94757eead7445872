#ifndef EBMFLOW_CLAPACK_SHIM_H
#define EBMFLOW_CLAPACK_SHIM_H
/* OpenBLAS CBLAS and LAPACKE (Debian libopenblas-dev, liblapacke-dev). */
#include <cblas.h>
#include <lapacke.h>
#endif
