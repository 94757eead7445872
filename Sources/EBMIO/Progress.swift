import Foundation

/// Progress of long operations on stderr, at most one line every
/// `interval` seconds; silent when `quiet`.
public final class Progress {
    let quiet: Bool
    let interval: Double
    private var last = Date()

    public init(quiet: Bool, interval: Double = 2) {
        self.quiet = quiet
        self.interval = interval
    }

    /// Always printed (unless quiet).
    public func say(_ message: @autoclosure () -> String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data((message() + "\n").utf8))
    }

    /// Printed when `interval` has passed since the last update.
    public func update(_ message: @autoclosure () -> String) {
        guard !quiet else { return }
        let now = Date()
        guard now.timeIntervalSince(last) >= interval else { return }
        last = now
        say(message())
    }
}
