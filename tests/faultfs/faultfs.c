/* faultfs: an LD_PRELOAD shim that makes the files under one folder fail as a full, broken
 * or read-only disk does, for the fault tests (tests/disk_faults.py). In the spirit of the
 * I/O-error VFS of SQLite's own tests, but below every library at once: trk's own writes,
 * SQLite's, standard output redirected into the folder.
 *
 * Environment (nothing happens without TRK_FAULT_DIR):
 *   TRK_FAULT_DIR=/abs/folder     only files under this folder are affected
 *   TRK_FAULT_WRITE_BUDGET=N      bytes this process may still write (or grow files by) there;
 *                                 past it writes fail (a write that crosses it is cut short)
 *   TRK_FAULT_WRITE_ERRNO=NAME    how they fail: ENOSPC (default), EDQUOT or EIO
 *   TRK_FAULT_READ_BUDGET=N       bytes this process may read there; a read past it fails with EIO
 *   TRK_FAULT_READONLY=1          opening for writing, creating, renaming and removing there
 *                                 fail with EROFS, as on a read-only mount
 *
 * Calls covered: write, pwrite(64), writev, pwritev(64), fallocate(64), posix_fallocate(64),
 * ftruncate(64) growth; read, pread(64), readv; open(64), openat(64), creat(64), rename,
 * renameat, unlink, unlinkat, mkdir. (strace of trk ledger import: SQLite writes with
 * pwrite64, grows the -shm with ftruncate, opens with openat; trk writes with write.)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static const char* fault_dir(void) {
    static const char* dir;
    static int known;
    if (!known) {
        dir = getenv("TRK_FAULT_DIR");
        if (dir != NULL && *dir == '\0') dir = NULL;
        known = 1;
    }
    return dir;
}

/* Bytes left: -1 unlimited. Read once from the environment, then counted down. */
static long long budget_of(const char* name, long long* cell, int* known) {
    if (!__atomic_load_n(known, __ATOMIC_ACQUIRE)) {
        const char* text = getenv(name);
        __atomic_store_n(cell, text != NULL && *text != '\0' ? atoll(text) : -1, __ATOMIC_RELAXED);
        __atomic_store_n(known, 1, __ATOMIC_RELEASE);
    }
    return __atomic_load_n(cell, __ATOMIC_RELAXED);
}

static long long write_left, read_left;
static int write_known, read_known;

static int write_errno(void) {
    const char* name = getenv("TRK_FAULT_WRITE_ERRNO");
    if (name != NULL && strcmp(name, "EIO") == 0) return EIO;
    if (name != NULL && strcmp(name, "EDQUOT") == 0) return EDQUOT;
    return ENOSPC;
}

static int readonly(void) {
    const char* flag = getenv("TRK_FAULT_READONLY");
    return flag != NULL && strcmp(flag, "1") == 0;
}

static int under_dir(const char* path) {
    const char* dir = fault_dir();
    if (dir == NULL || path == NULL) return 0;
    const size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static int fd_under_dir(int fd) {
    if (fault_dir() == NULL || fd < 0) return 0;
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    const ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) return 0;
    target[n] = '\0';
    return under_dir(target);
}

/* The absolute form of `path` as seen from `dirfd` (no normalisation of "..": enough here). */
static int path_under_dir(int dirfd, const char* path) {
    if (fault_dir() == NULL || path == NULL) return 0;
    if (path[0] == '/') return under_dir(path);
    char base[PATH_MAX], full[2 * PATH_MAX + 2];
    if (dirfd == AT_FDCWD) {
        if (getcwd(base, sizeof base) == NULL) return 0;
    } else {
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
        const ssize_t n = readlink(link, base, sizeof base - 1);
        if (n <= 0) return 0;
        base[n] = '\0';
    }
    snprintf(full, sizeof full, "%s/%s", base, path);
    return under_dir(full);
}

/* How many of `want` bytes may be written to `fd` now: `want` when the fd is elsewhere or
 * the budget holds, fewer when it runs out within them, -1 (errno set) when it is spent. */
static ssize_t allowed_write(int fd, size_t want) {
    if (want == 0 || !fd_under_dir(fd)) return (ssize_t)want;
    for (;;) {
        long long left = budget_of("TRK_FAULT_WRITE_BUDGET", &write_left, &write_known);
        if (left < 0) return (ssize_t)want;
        if (left == 0) {
            errno = write_errno();
            return -1;
        }
        const long long take = (long long)want < left ? (long long)want : left;
        if (__atomic_compare_exchange_n(&write_left, &left, left - take, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            return (ssize_t)take;
    }
}

/* A read past the budget fails whole, as a bad sector does (not cut short: a short read
 * means the end of the file). */
static ssize_t allowed_read(int fd, size_t want) {
    if (want == 0 || !fd_under_dir(fd)) return (ssize_t)want;
    for (;;) {
        long long left = budget_of("TRK_FAULT_READ_BUDGET", &read_left, &read_known);
        if (left < 0) return (ssize_t)want;
        if ((long long)want > left) {
            __atomic_store_n(&read_left, 0, __ATOMIC_RELAXED);
            errno = EIO;
            return -1;
        }
        if (__atomic_compare_exchange_n(&read_left, &left, left - (long long)want, 0, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
            return (ssize_t)want;
    }
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t write(int fd, const void* data, size_t size) {
    const ssize_t n = allowed_write(fd, size);
    if (n < 0) return -1;
    return NEXT(write)(fd, data, (size_t)n);
}

ssize_t pwrite(int fd, const void* data, size_t size, off_t offset) {
    const ssize_t n = allowed_write(fd, size);
    if (n < 0) return -1;
    return NEXT(pwrite)(fd, data, (size_t)n, offset);
}

ssize_t pwrite64(int fd, const void* data, size_t size, off64_t offset) {
    const ssize_t n = allowed_write(fd, size);
    if (n < 0) return -1;
    return NEXT(pwrite64)(fd, data, (size_t)n, offset);
}

static size_t total(const struct iovec* iov, int count) {
    size_t sum = 0;
    for (int i = 0; i < count; ++i) sum += iov[i].iov_len;
    return sum;
}

/* A vectored write the budget cuts short becomes a plain write of its first bytes. */
static ssize_t first_bytes(int fd, const struct iovec* iov, int count, size_t n, off_t offset, int positioned) {
    char* buffer = malloc(n);
    if (buffer == NULL) return -1;
    size_t at = 0;
    for (int i = 0; i < count && at < n; ++i) {
        const size_t take = iov[i].iov_len < n - at ? iov[i].iov_len : n - at;
        memcpy(buffer + at, iov[i].iov_base, take);
        at += take;
    }
    const ssize_t written = positioned ? NEXT(pwrite64)(fd, buffer, n, offset) : NEXT(write)(fd, buffer, n);
    free(buffer);
    return written;
}

ssize_t writev(int fd, const struct iovec* iov, int count) {
    const size_t want = total(iov, count);
    const ssize_t n = allowed_write(fd, want);
    if (n < 0) return -1;
    if ((size_t)n < want) return first_bytes(fd, iov, count, (size_t)n, 0, 0);
    return NEXT(writev)(fd, iov, count);
}

/* pwritev and pwritev64 (one function under two names in glibc on 64-bit systems). */
static ssize_t positioned_writev(const char* name, int fd, const struct iovec* iov, int count, off64_t offset) {
    const size_t want = total(iov, count);
    const ssize_t n = allowed_write(fd, want);
    if (n < 0) return -1;
    if ((size_t)n < want) return first_bytes(fd, iov, count, (size_t)n, offset, 1);
    ssize_t (*next)(int, const struct iovec*, int, off64_t) = dlsym(RTLD_NEXT, name);
    return next(fd, iov, count, offset);
}

ssize_t pwritev(int fd, const struct iovec* iov, int count, off_t offset) {
    return positioned_writev("pwritev", fd, iov, count, offset);
}
ssize_t pwritev64(int fd, const struct iovec* iov, int count, off64_t offset) {
    return positioned_writev("pwritev64", fd, iov, count, offset);
}

/* Growing a file to `length` takes what it adds from the budget, all or nothing. */
static int may_grow(int fd, off64_t length) {
    if (!fd_under_dir(fd)) return 1;
    struct stat st;
    if (fstat(fd, &st) != 0 || length <= st.st_size) return 1;
    const size_t grow = (size_t)(length - st.st_size);
    for (;;) {
        long long left = budget_of("TRK_FAULT_WRITE_BUDGET", &write_left, &write_known);
        if (left < 0) return 1;
        if ((long long)grow > left) {
            errno = write_errno();
            return 0;
        }
        if (__atomic_compare_exchange_n(&write_left, &left, left - (long long)grow, 0, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
            return 1;
    }
}

int ftruncate(int fd, off_t length) { return may_grow(fd, length) ? NEXT(ftruncate)(fd, length) : -1; }
int ftruncate64(int fd, off64_t length) { return may_grow(fd, length) ? NEXT(ftruncate64)(fd, length) : -1; }

int fallocate(int fd, int mode, off_t offset, off_t length) {
    return may_grow(fd, offset + length) ? NEXT(fallocate)(fd, mode, offset, length) : -1;
}
int fallocate64(int fd, int mode, off64_t offset, off64_t length) {
    return may_grow(fd, offset + length) ? NEXT(fallocate64)(fd, mode, offset, length) : -1;
}
/* posix_fallocate returns the error instead of setting errno. */
int posix_fallocate(int fd, off_t offset, off_t length) {
    return may_grow(fd, offset + length) ? NEXT(posix_fallocate)(fd, offset, length) : errno;
}
int posix_fallocate64(int fd, off64_t offset, off64_t length) {
    return may_grow(fd, offset + length) ? NEXT(posix_fallocate64)(fd, offset, length) : errno;
}

ssize_t read(int fd, void* data, size_t size) {
    const ssize_t n = allowed_read(fd, size);
    if (n < 0) return -1;
    return NEXT(read)(fd, data, (size_t)n);
}

ssize_t pread(int fd, void* data, size_t size, off_t offset) {
    const ssize_t n = allowed_read(fd, size);
    if (n < 0) return -1;
    return NEXT(pread)(fd, data, (size_t)n, offset);
}

ssize_t pread64(int fd, void* data, size_t size, off64_t offset) {
    const ssize_t n = allowed_read(fd, size);
    if (n < 0) return -1;
    return NEXT(pread64)(fd, data, (size_t)n, offset);
}

ssize_t readv(int fd, const struct iovec* iov, int count) {
    if (allowed_read(fd, total(iov, count)) < 0) return -1;
    return NEXT(readv)(fd, iov, count);
}

/* --- a read-only folder ------------------------------------------------------------------ */

static int refuse(int dirfd, const char* path) {
    if (!readonly() || !path_under_dir(dirfd, path)) return 0;
    errno = EROFS;
    return 1;
}

static int writes(int flags) { return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0; }

static mode_t mode_of(int flags, va_list args) {
    return (flags & (O_CREAT | O_TMPFILE)) != 0 ? (mode_t)va_arg(args, int) : 0;
}

/* The body of open, open64, openat and openat64: their mode argument is there only when
 * the flags create a file. */
#define REFUSE_OR_OPEN(name, dirfd, call_args)                     \
    {                                                              \
        va_list args;                                              \
        va_start(args, flags);                                     \
        const mode_t mode = mode_of(flags, args);                  \
        va_end(args);                                              \
        if (writes(flags) && refuse(dirfd, path)) return -1;       \
        return NEXT(name) call_args;                               \
    }

int open(const char* path, int flags, ...) REFUSE_OR_OPEN(open, AT_FDCWD, (path, flags, mode))
int open64(const char* path, int flags, ...) REFUSE_OR_OPEN(open64, AT_FDCWD, (path, flags, mode))
int openat(int dirfd, const char* path, int flags, ...) REFUSE_OR_OPEN(openat, dirfd, (dirfd, path, flags, mode))
int openat64(int dirfd, const char* path, int flags, ...) REFUSE_OR_OPEN(openat64, dirfd, (dirfd, path, flags, mode))

int creat(const char* path, mode_t mode) { return refuse(AT_FDCWD, path) ? -1 : NEXT(creat)(path, mode); }
int creat64(const char* path, mode_t mode) { return refuse(AT_FDCWD, path) ? -1 : NEXT(creat64)(path, mode); }

int rename(const char* from, const char* to) {
    return refuse(AT_FDCWD, from) || refuse(AT_FDCWD, to) ? -1 : NEXT(rename)(from, to);
}
int renameat(int fromfd, const char* from, int tofd, const char* to) {
    return refuse(fromfd, from) || refuse(tofd, to) ? -1 : NEXT(renameat)(fromfd, from, tofd, to);
}
int unlink(const char* path) { return refuse(AT_FDCWD, path) ? -1 : NEXT(unlink)(path); }
int unlinkat(int dirfd, const char* path, int flags) {
    return refuse(dirfd, path) ? -1 : NEXT(unlinkat)(dirfd, path, flags);
}
int mkdir(const char* path, mode_t mode) { return refuse(AT_FDCWD, path) ? -1 : NEXT(mkdir)(path, mode); }
