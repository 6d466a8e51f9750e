// Fuzzing entry point. Built by `make fuzz` with -sanitize=fuzzer,address and -DFUZZING, main hands
// over to libFuzzer's driver, which calls fuzzOneInput; the target is $MSR_FUZZ_TARGET (FuzzHarness).
// Built plainly (as `swift build` does), it replays files: msreview-fuzz TARGET FILE...
import Glibc
import MSRApp
import MSRMedia

#if FUZZING
nonisolated(unsafe) let fuzzTarget: String = getenv("MSR_FUZZ_TARGET").map { String(cString: $0) } ?? "manifest"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzHarness.run(fuzzTarget, bytes)
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

// SwiftPM names an executable's entry point itself; whichever main the linker keeps (this or
// libFuzzer's), the driver ends up calling LLVMFuzzerTestOneInput.
@main
struct FuzzMain {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { fuzzOneInput($0, $1) })
    }
}
#else
@main
struct Replay {
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        guard let target = args.first, FuzzHarness.targets.contains(target) else {
            say("usage: msreview-fuzz \(FuzzHarness.targets.joined(separator: "|")) FILE...")
            exit(2)
        }
        for file in args.dropFirst() {
            guard let bytes = try? readFile(file) else { say("cannot read \(file)"); exit(1) }
            FuzzHarness.run(target, bytes)
        }
        print("\(args.count - 1) inputs replayed through \(target)")
    }

    static func say(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
#endif
