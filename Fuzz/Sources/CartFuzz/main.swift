// cartsync-fuzz: libFuzzer over cartd's wire input (see FrameFuzzer.swift and Fuzz/README.md).
//
//   cartsync-fuzz [libFuzzer flags] [corpus dirs…]   fuzz (or run the given files once)
//   cartsync-fuzz --write-seed-corpus DIR            write the seed corpus (Fuzz/corpus) and exit
//
// `main` is ours, not libFuzzer's: SwiftPM links an executable with `--defsym main=<module>_main`,
// which would shadow libFuzzer's own `main`, and `-parse-as-library` removes `<module>_main` so the
// link fails. Calling `LLVMFuzzerRunDriver` from this file's top-level code works with plain
// `-Xswiftc -sanitize=fuzzer,address` and needs no extra flags.

import CFuzzerDriver

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
if arguments.count == 3, arguments[1] == "--write-seed-corpus" {
    do {
        let count = try SeedCorpus.write(to: arguments[2])
        print("wrote \(count) seed inputs to \(arguments[2])")
        exit(0)
    } catch {
        print("cartsync-fuzz: \(error)")
        exit(1)
    }
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    FrameFuzzer.fuzz(UnsafeRawBufferPointer(start: data, count: size))
    return 0
})
