#define _GNU_SOURCE
#include "CCartSys.h"
#include <errno.h>
#include <sys/socket.h>

int cartsys_so_peercred(void) { return SO_PEERCRED; }

int cartsys_peer_cred(int fd, cartsys_ucred *out) {
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        return -errno;
    }
    out->pid = cred.pid;
    out->uid = cred.uid;
    out->gid = cred.gid;
    return 0;
}
