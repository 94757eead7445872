#ifndef EBMFLOW_CSUNDIALSPARALLEL_SHIM_H
#define EBMFLOW_CSUNDIALSPARALLEL_SHIM_H
/* SUNDIALS 6 on MPI (Debian's libsundials-dev is built with MPI): CVODE
   with the parallel N_Vector (each rank owns a block of the state; dot
   products and norms are MPI_Allreduce over MPI_COMM_WORLD) and SPGMR.
   Only EBMFullModel imports it; the serial wrappers use CSundials. */
#if __has_include(<mpi.h>)
#include <mpi.h>
#else
#include <mpi/mpi.h>
#endif
#include "../CSundials/sundials_version_guard.h"
#include <sundials/sundials_context.h>
#include <sundials/sundials_types.h>
#include <cvode/cvode.h>
#include <cvode/cvode_ls.h>
#include <nvector/nvector_parallel.h>
#include <sunlinsol/sunlinsol_spgmr.h>

/* MPI_COMM_WORLD does not import into Swift (a macro over a global). */
static inline MPI_Comm ebm_sundials_comm_world(void) { return MPI_COMM_WORLD; }
#endif
