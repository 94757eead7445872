#ifndef EBMFLOW_CSUNDIALS_SHIM_H
#define EBMFLOW_CSUNDIALS_SHIM_H
/* SUNDIALS 6.x as Debian's libsundials-dev ships it: CVODE, KINSOL, serial
   N_Vector, dense matrix and linear solver, SPGMR. The accessor macros
   (NV_Ith_S, SM_ELEMENT_D) do not import into Swift; the wrappers use the
   functions N_VGetArrayPointer and SUNDenseMatrix_Data instead. */
#include "sundials_version_guard.h"
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
