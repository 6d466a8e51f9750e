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
