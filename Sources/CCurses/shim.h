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
static inline int msr_key_mouse(void) { return KEY_MOUSE; }
static inline int msr_key_dc(void) { return KEY_DC; }
// The mouse: clicks and the wheel only (no motion), reported without delay.
static inline void msr_mouse_on(void) {
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    mouseinterval(0);
}
// The next mouse event: 1 click, 2 wheel up, 3 wheel down (0: none), at *x, *y.
static inline int msr_mouse_event(int *x, int *y) {
    MEVENT e;
    if (getmouse(&e) != OK) return 0;
    *x = e.x; *y = e.y;
    if (e.bstate & BUTTON4_PRESSED) return 2;
    if (e.bstate & BUTTON5_PRESSED) return 3;
    if (e.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) return 1;
    return 0;
}
