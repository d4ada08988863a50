/* Guard included by every library-internal header: these APIs are not
 * part of the public interface and must not be used by programs. */
#ifndef EKV_INTERNAL_H
#define EKV_INTERNAL_H
#ifndef EKV_BUILDING_LIBRARY
#error "this header is internal to libekvbackup"
#endif
#include <stddef.h>
#include <stdint.h>
#include "ekvbackup/ekvbackup.h"
#endif
