#include <alsa/asoundlib.h>

// ALSA prints its errors on stderr through a variadic handler, which would tear the terminal
// UI; Swift cannot define a variadic C function, so the silent handler lives here.
static void msr_alsa_quiet_handler(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}
static inline void msr_alsa_silence(void) { snd_lib_error_set_handler(msr_alsa_quiet_handler); }
