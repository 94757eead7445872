#ifndef EBMFLOW_CSUNDIALS_SHIM_H
#define EBMFLOW_CSUNDIALS_SHIM_H
/* SUNDIALS 6.x as Debian's libsundials-dev ships it: CVODE, KINSOL, serial
   N_Vector, dense matrix and linear solver, SPGMR. The accessor macros
   (NV_Ith_S, SM_ELEMENT_D) do not import into Swift; the wrappers use the
   functions N_VGetArrayPointer and SUNDenseMatrix_Data instead. */
#include <sundials/sundials_config.h>
/* The wrappers follow SUNDIALS 6's API (SUNContext, the *_ls interfaces, the
   flag tables); 7 changed the error handling and the context's arguments. */
#if !defined(SUNDIALS_VERSION_MAJOR) || SUNDIALS_VERSION_MAJOR != 6
/* #error does not expand macros: the found version comes in a message. */
#ifdef SUNDIALS_VERSION
#pragma message("ebmflow's SUNDIALS shims found SUNDIALS " SUNDIALS_VERSION)
#endif
#error "ebmflow's SUNDIALS shims are written for SUNDIALS 6.x; found another major version (see the message above)"
#endif
#include <sundials/sundials_context.h>
#include <sundials/sundials_types.h>
#include <cvode/cvode.h>
#include <cvode/cvode_ls.h>
#include <kinsol/kinsol.h>
#include <kinsol/kinsol_ls.h>
#include <nvector/nvector_serial.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunlinsol/sunlinsol_spgmr.h>
#endif
