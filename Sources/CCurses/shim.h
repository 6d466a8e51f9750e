#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <ncursesw/curses.h>

// Macros Swift cannot import, as functions.
static inline int msr_bold(void) { return (int)A_BOLD; }
static inline int msr_reverse(void) { return (int)A_REVERSE; }
static inline int msr_underline(void) { return (int)A_UNDERLINE; }
static inline int msr_dim(void) { return (int)A_DIM; }
static inline int msr_color_pair(int n) { return (int)COLOR_PAIR(n); }
static inline int msr_attrset(int a) { return attrset(a); }
static inline int msr_key_resize(void) { return KEY_RESIZE; }
// stdscr is a global variable, which Swift 6 will not touch from a non-isolated context.
static inline WINDOW *msr_stdscr(void) { return stdscr; }
