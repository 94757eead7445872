#ifndef EBMFLOW_CLAPACK_SHIM_H
#define EBMFLOW_CLAPACK_SHIM_H
/* OpenBLAS CBLAS and LAPACKE (Debian libopenblas-dev, liblapacke-dev). */
#include <cblas.h>
#include <lapacke.h>

/* Ends the threads of OpenBLAS's pthread server (they are started when the
   library loads and spin for a while before they sleep). Declared weak: an
   OpenBLAS built for OpenMP, or a serial one, has no such server and still
   links; then this does nothing. */
extern int blas_thread_shutdown_(void) __attribute__((weak));
static inline void ebm_openblas_end_server_threads(void) {
    if (blas_thread_shutdown_) blas_thread_shutdown_();
}
#endif
