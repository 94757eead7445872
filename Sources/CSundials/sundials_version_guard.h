#ifndef EBMFLOW_SUNDIALS_VERSION_GUARD_H
#define EBMFLOW_SUNDIALS_VERSION_GUARD_H
/* Stops the build at a SUNDIALS other than 6.x. Both SUNDIALS shims
   (CSundials, CSundialsParallel) include it; it declares nothing, so it
   belongs to neither module. */
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
#endif
