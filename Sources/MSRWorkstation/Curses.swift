import CCurses
import Glibc
import MSRTerminal

/// The only code that talks to ncurses: paints grids and reads keys.
public final class CursesScreen {
    private var colours = false
    private var painted: Grid?

    public init(monochrome: Bool) {
        setlocale(LC_ALL, "")
        initscr()
        cbreak()
        noecho()
        nonl()
        keypad(msr_stdscr(), true)
        curs_set(0)
        set_escdelay(25)
        if !monochrome && has_colors() {
            start_color()
            use_default_colors()
            let pairs: [(Int16, Int16)] = [(Int16(COLOR_CYAN), -1), (Int16(COLOR_GREEN), -1), (Int16(COLOR_YELLOW), -1),
                                           (Int16(COLOR_RED), -1), (-1, -1), (Int16(COLOR_BLACK), Int16(COLOR_CYAN)), (Int16(COLOR_WHITE), Int16(COLOR_BLUE))]
            for (i, p) in pairs.enumerated() { init_pair(Int16(i + 1), p.0, p.1) }
            colours = true
        }
    }

    public func end() { endwin() }

    /// Clicks and the wheel come as keys from now on.
    public func enableMouse() { msr_mouse_on() }

    /// Paints everything again on the next draw (Ctrl-L: the terminal was written over).
    public func invalidate() {
        painted = nil
        clearok(msr_stdscr(), true)
    }

    /// Gives the terminal back and stops the process (Ctrl-Z); on `fg` the screen comes back.
    public func suspend() {
        endwin()
        signal(SIGTSTP, SIG_DFL)
        raise(SIGTSTP)
        // Continued: curses takes the terminal again and the whole screen is painted.
        refresh()
        invalidate()
    }

    public var size: (width: Int, height: Int) { (Int(getmaxx(msr_stdscr())), Int(getmaxy(msr_stdscr()))) }

    func attribute(_ s: Style) -> Int32 {
        var a: Int32 = 0
        if s.bold { a |= Int32(msr_bold()) }
        if s.reverse { a |= Int32(msr_reverse()) }
        if s.role == .muted && !colours { a |= Int32(msr_dim()) }
        if colours {
            let pair: Int32
            switch s.role {
            case .accent: pair = 1
            case .good: pair = 2
            case .warn: pair = 3
            case .bad: pair = 4
            case .muted: pair = 5
            case .selection: pair = s.reverse ? 6 : 0
            case .title: pair = s.reverse ? 7 : 0
            case .normal: pair = 0
            }
            if pair > 0 {
                a |= Int32(msr_color_pair(pair))
                if s.role == .selection || s.role == .title { a &= ~Int32(msr_reverse()) }
            }
        }
        return a
    }

    /// Paints the cells that changed since the last paint, then refreshes.
    public func draw(_ g: Grid) {
        if painted?.width != g.width || painted?.height != g.height { clear(); painted = nil }
        var current: Int32 = -1
        for y in 0..<g.height {
            for x in 0..<g.width {
                let c = g[x, y]
                if c.continuation { continue }
                if let p = painted, p[x, y] == c, !(x + 1 < g.width && p[x + 1, y] != g[x + 1, y] && g[x + 1, y].continuation) { continue }
                let a = attribute(c.style)
                if a != current { _ = msr_attrset(a); current = a }
                _ = mvaddstr(Int32(y), Int32(x), c.text.isEmpty ? " " : c.text)
            }
        }
        _ = msr_attrset(0)
        refresh()
        painted = g
    }

    /// The next key, or nil after `timeoutMillis`.
    public func readKey(timeoutMillis: Int32) -> Key? {
        timeout(timeoutMillis)
        var ch: wint_t = 0
        let r = get_wch(&ch)
        if r == ERR { return nil }
        if r == KEY_CODE_YES {
            switch Int32(ch) {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_SLEFT: return .shiftLeft
            case KEY_SRIGHT: return .shiftRight
            case KEY_NPAGE: return .pageDown
            case KEY_PPAGE: return .pageUp
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_ENTER: return .enter
            case KEY_BACKSPACE: return .backspace
            case msr_key_resize(): return .resize
            case msr_key_dc(): return .delete
            case msr_key_mouse():
                var x: Int32 = 0, y: Int32 = 0
                switch msr_mouse_event(&x, &y) {
                case 1: return .mouse(MouseEvent(.click, x: Int(x), y: Int(y)))
                case 2: return .mouse(MouseEvent(.scrollUp, x: Int(x), y: Int(y)))
                case 3: return .mouse(MouseEvent(.scrollDown, x: Int(x), y: Int(y)))
                default: return nil
                }
            default: return nil
            }
        }
        switch ch {
        case 10, 13: return .enter
        case 27: return .escape
        case 9: return .tab
        case 127, 8: return .backspace
        default:
            guard let scalar = Unicode.Scalar(UInt32(ch)) else { return nil }
            return .char(Character(scalar))
        }
    }
}
