// Linux calls glibc declares only under _GNU_SOURCE, which would make this module's view of
// glibc's headers clash with other modules'; so the few needed are declared here directly.
#include <fcntl.h>
extern int syncfs(int fd);
static inline int msr_syncfs(int fd) { return syncfs(fd); }

/// An unnamed file in `dir` (O_TMPFILE): it gets a name only when linked, so a crash never
/// leaves a partial file behind. Returns -1 (errno set) where the file system lacks support.
static inline int msr_open_tmpfile(const char *dir, int mode) {
    return open(dir, 020000000 | 0200000 /* O_TMPFILE = __O_TMPFILE | O_DIRECTORY */ | O_WRONLY | O_CLOEXEC, mode);
}

#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifndef __NR_openat2
#define __NR_openat2 437
#endif

/// Opens `path` beneath `dirfd` without following any symbolic link and without leaving the
/// directory (`..`, absolute paths and magic links refused by the kernel). -1 with errno set:
/// ELOOP for a link on the way, EXDEV for an escape, ENOSYS on kernels before 5.6.
static inline int msr_open_beneath(int dirfd, const char *path, int flags) {
    struct open_how how = { .flags = (unsigned long long)flags, .mode = 0,
                            .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
    return (int)syscall(__NR_openat2, dirfd, path, &how, sizeof how);
}
