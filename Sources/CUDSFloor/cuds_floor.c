// The blocking UDS ping-pong floor and pinning helpers; see include/cuds_floor.h.
#define _GNU_SOURCE
#include "cuds_floor.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

uint64_t cuds_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int read_full(int fd, char *buffer, int length) {
    int done = 0;
    while (done < length) {
        ssize_t n = read(fd, buffer + done, (size_t)(length - done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        done += (int)n;
    }
    return 0;
}

static int write_full(int fd, const char *buffer, int length) {
    int done = 0;
    while (done < length) {
        ssize_t n = write(fd, buffer + done, (size_t)(length - done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        done += (int)n;
    }
    return 0;
}

static void pin_self(int cpu) {
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof(set), &set);
}

typedef struct {
    int listen_fd;
    const cuds_floor_config *config;
    int status;
} server_args;

static void *server_main(void *raw) {
    server_args *args = raw;
    pin_self(args->config->pin_cpu);
    int fd = accept(args->listen_fd, NULL, NULL);
    if (fd < 0) { args->status = -1; return NULL; }
    char *request = malloc((size_t)args->config->request_bytes);
    char *response = calloc(1, (size_t)args->config->response_bytes);
    int total = args->config->warmup + args->config->iterations;
    for (int i = 0; i < total; i++) {
        if (read_full(fd, request, args->config->request_bytes) != 0) { args->status = -1; break; }
        if (write_full(fd, response, args->config->response_bytes) != 0) { args->status = -1; break; }
    }
    free(request);
    free(response);
    close(fd);
    return NULL;
}

int cuds_floor_run(const cuds_floor_config *config, const char *directory, uint64_t *latencies_ns,
                   char *error, size_t error_length) {
    if (config->request_bytes <= 0 || config->response_bytes <= 0 || config->iterations <= 0) {
        snprintf(error, error_length, "sizes and iterations must be positive");
        return -1;
    }
    struct sockaddr_un address;
    memset(&address, 0, sizeof(address));
    address.sun_family = AF_UNIX;
    int written = snprintf(address.sun_path, sizeof(address.sun_path), "%s/floor-%d.sock", directory, (int)getpid());
    if (written < 0 || (size_t)written >= sizeof(address.sun_path)) {
        snprintf(error, error_length, "socket path too long");
        return -1;
    }
    unlink(address.sun_path);
    int listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&address, sizeof(address)) != 0 || listen(listen_fd, 1) != 0) {
        snprintf(error, error_length, "cannot listen on %s: %s", address.sun_path, strerror(errno));
        if (listen_fd >= 0) close(listen_fd);
        return -1;
    }
    // The client end runs on the calling thread: remember its affinity to restore it.
    cpu_set_t saved;
    int have_saved = sched_getaffinity(0, sizeof(saved), &saved) == 0;
    server_args args = {listen_fd, config, 0};
    pthread_t server;
    if (pthread_create(&server, NULL, server_main, &args) != 0) {
        snprintf(error, error_length, "pthread_create failed");
        close(listen_fd);
        unlink(address.sun_path);
        return -1;
    }
    pin_self(config->pin_cpu);
    int status = 0;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
        snprintf(error, error_length, "cannot connect: %s", strerror(errno));
        status = -1;
    }
    char *request = calloc(1, (size_t)config->request_bytes);
    char *response = malloc((size_t)config->response_bytes);
    for (int i = 0; status == 0 && i < config->warmup + config->iterations; i++) {
        uint64_t start = cuds_now_ns();
        if (write_full(fd, request, config->request_bytes) != 0 ||
            read_full(fd, response, config->response_bytes) != 0) {
            snprintf(error, error_length, "ping-pong failed at round trip %d: %s", i, strerror(errno));
            status = -1;
            break;
        }
        uint64_t end = cuds_now_ns();
        if (i >= config->warmup) latencies_ns[i - config->warmup] = end - start;
    }
    if (fd >= 0) close(fd);   // unblocks the server if we stopped early
    pthread_join(server, NULL);
    free(request);
    free(response);
    close(listen_fd);
    unlink(address.sun_path);
    if (have_saved) sched_setaffinity(0, sizeof(saved), &saved);
    if (status == 0 && args.status != 0) {
        snprintf(error, error_length, "the server end failed");
        status = -1;
    }
    return status;
}

static int set_process_affinity(pid_t pid, const cpu_set_t *set) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task", pid == 0 ? (int)getpid() : (int)pid);
    DIR *tasks = opendir(path);
    if (!tasks) return -errno;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(tasks)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        pid_t tid = (pid_t)atoi(entry->d_name);
        if (tid > 0 && sched_setaffinity(tid, sizeof(*set), set) == 0) count++;
    }
    closedir(tasks);
    return count;
}

int cuds_pin_process(pid_t pid, int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return set_process_affinity(pid, &set);
}

int cuds_unpin_process(pid_t pid) {
    cpu_set_t set;
    CPU_ZERO(&set);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    for (long i = 0; i < cpus && i < CPU_SETSIZE; i++) CPU_SET((int)i, &set);
    return set_process_affinity(pid, &set);
}

pid_t cuds_socket_peer_pid(const char *path) {
    struct sockaddr_un address;
    memset(&address, 0, sizeof(address));
    address.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(address.sun_path)) return -ENAMETOOLONG;
    strcpy(address.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    if (connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
        int saved = errno;
        close(fd);
        return -saved;
    }
    struct ucred credentials;
    socklen_t length = sizeof(credentials);
    int result = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 ? credentials.pid : -errno;
    close(fd);
    return result;
}
