#include <libpq-fe.h>
// Debian installs libpq-fe.h under /usr/include/postgresql (pkg-config libpq adds it).
// The notice processor is silenced so server NOTICEs never reach a terminal raw.
static void msr_pq_ignore_notice(void *arg, const char *message) { (void)arg; (void)message; }
static inline void msr_pq_silence_notices(PGconn *c) { PQsetNoticeProcessor(c, msr_pq_ignore_notice, 0); }
