// Linux calls glibc declares only under _GNU_SOURCE; declared here directly because defining
// _GNU_SOURCE would make this module's view of glibc's headers clash with other modules'.
extern int syncfs(int fd);
extern int mkostemp(char *template_, int flags);
static inline int msr_syncfs(int fd) { return syncfs(fd); }
static inline int msr_mkostemp(char *template_, int flags) { return mkostemp(template_, flags); }
