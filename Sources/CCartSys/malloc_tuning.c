// glibc malloc tuning for cartd's MemoryTrimmer (malloc.h is not part of Swift's Glibc module).
#include "CCartSys.h"

#if defined(__GLIBC__)
#include <malloc.h>

int cartsys_malloc_set_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }

int cartsys_malloc_trim(void) { return malloc_trim(0); }
#else
int cartsys_malloc_set_mmap_threshold(int bytes) { (void)bytes; return 0; }

int cartsys_malloc_trim(void) { return 0; }
#endif
