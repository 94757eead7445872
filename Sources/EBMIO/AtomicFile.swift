import Foundation

/// An output file or folder that cannot be written, with what to change.
public struct OutputError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot write \(path): \(reason)" }
}

/// Writes whole files atomically: the bytes go to a temporary file in the
/// same folder, which is then renamed over the target, so an interrupted
/// run leaves complete files or none.
public enum AtomicFile {
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try data.write(to: temporary)
        } catch {
            throw OutputError(path: path, reason: "writing a temporary file in \(folder.path) failed (\(error.localizedDescription))")
        }
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw OutputError(path: path, reason: "renaming the temporary file failed: \(reason)")
        }
    }

    /// Creates `path` (and parents) and checks it is writable, before any work.
    public static func prepareFolder(_ path: String) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw OutputError(path: path, reason: "it exists and is not a folder") }
        } else {
            do {
                try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw OutputError(path: path, reason: "the folder cannot be created (\(error.localizedDescription)); choose another with --output")
            }
        }
        guard access(path, W_OK) == 0 else {
            throw OutputError(path: path, reason: "the folder is not writable; choose another with --output")
        }
    }
}
