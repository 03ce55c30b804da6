/* Linux facts that SwiftNIO and Swift's Glibc module do not expose, as plain C.
 * Hand-written (not generated); kept tiny on purpose. */
#ifndef CCARTSYS_H
#define CCARTSYS_H

#include <stdint.h>

/** The credentials of a Unix-socket peer, as SO_PEERCRED reports them (struct ucred layout). */
typedef struct cartsys_ucred {
    int32_t pid;
    uint32_t uid;
    uint32_t gid;
} cartsys_ucred;

/** SO_PEERCRED's option number (Linux), for getsockopt(SOL_SOCKET, …). */
int cartsys_so_peercred(void);

/** Reads the peer credentials of a connected Unix socket; returns 0 or -errno. */
int cartsys_peer_cred(int fd, cartsys_ucred *out);

/** glibc: fixes malloc's mmap threshold (bytes), which also stops glibc from raising it on its own.
 *  Returns 1 on success, 0 where unsupported. */
int cartsys_malloc_set_mmap_threshold(int bytes);

/** glibc: malloc_trim(0), giving free heap memory back to the kernel. Returns 1 if any was released. */
int cartsys_malloc_trim(void);

#endif
