import Foundation
import XCTest

/// A server a test starts on loopback (an SMTP server, an HTTP gateway): run under a small
/// supervisor that ends it when the test process goes away, even by a crash, with its output in
/// a log file beside the test's files — never on the terminal CI reads.
public final class LoopbackServer {
    public let port: Int
    let log: String
    var process: Process?

    /// A free-looking port of this test run (spread by pid so parallel runs rarely meet).
    public init(log: String, port: Int? = nil) {
        self.port = port ?? 20_000 + Int(getpid() % 20_000) + Int.random(in: 0..<5_000)
        self.log = log
    }

    /// Starts `arguments` (a program and its arguments) and waits until the port takes connections.
    public func start(_ arguments: [String], environment: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws {
        // The supervisor polls its parent: when the test process is gone, so is the server.
        // `stop` sends it SIGTERM, which it passes on.
        let supervisor = """
            import os, signal, subprocess, sys, time
            parent = os.getppid()
            child = subprocess.Popen(sys.argv[1:])
            def end(*_):
                if child.poll() is None:
                    child.terminate()
                    try:
                        child.wait(5)
                    except subprocess.TimeoutExpired:
                        child.kill()
                sys.exit(0)
            signal.signal(signal.SIGTERM, end)
            while child.poll() is None and os.getppid() == parent:
                time.sleep(0.2)
            end()
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", supervisor] + arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        FileManager.default.createFile(atPath: log, contents: nil)
        let out = FileHandle(forWritingAtPath: log)
        p.standardOutput = out
        p.standardError = out
        try p.run()
        process = p
        for _ in 0..<100 {
            let probe = Executable.run(["-c", "import socket; socket.create_connection(('127.0.0.1', \(port)), 0.2)"], program: "/usr/bin/python3")
            if probe.status == 0 { return }
            usleep(50_000)
        }
        XCTFail("the server did not start on port \(port) (log: \(log))", file: file, line: line)
    }

    /// Stops it (and so the server under the supervisor); also safe when never started.
    public func stop() {
        guard let p = process else { return }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        process = nil
    }

    deinit { stop() }
}
