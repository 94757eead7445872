#ifndef EBMFLOW_CMPI_SHIM_H
#define EBMFLOW_CMPI_SHIM_H
/* MPI as Debian's libopenmpi-dev (Open MPI 4.1) ships it; the include path
   comes from pkg-config (ompi-c). Open MPI's predefined handles are macros
   over addresses of global objects (MPI_COMM_WORLD, MPI_DOUBLE, ...) and
   MPI_STATUS_IGNORE is a cast: none of them import into Swift, so these
   static inline helpers return them. */
#if __has_include(<mpi.h>)
#include <mpi.h>
#else
/* Without pkg-config: Debian's alternatives link to the MPI headers. */
#include <mpi/mpi.h>
#endif

static inline MPI_Comm ebm_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype ebm_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype ebm_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype ebm_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Op ebm_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op ebm_mpi_max(void) { return MPI_MAX; }
static inline int ebm_mpi_any_source(void) { return MPI_ANY_SOURCE; }
static inline int ebm_mpi_any_tag(void) { return MPI_ANY_TAG; }
static inline int ebm_mpi_success(void) { return MPI_SUCCESS; }
static inline int ebm_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int ebm_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
static inline MPI_Status *ebm_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Errhandler ebm_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline MPI_Request ebm_mpi_request_null(void) { return MPI_REQUEST_NULL; }

/* MPI_Status's public fields, read without depending on its layout in Swift. */
static inline int ebm_mpi_status_source(const MPI_Status *status) { return status->MPI_SOURCE; }
static inline int ebm_mpi_status_tag(const MPI_Status *status) { return status->MPI_TAG; }
#endif
