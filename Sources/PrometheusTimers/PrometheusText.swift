/// Pieces of the Prometheus text exposition format, written as swift-prometheus writes them.
enum PrometheusText {
    /// `# TYPE name type` and a newline.
    static func typeLine(into buffer: inout [UInt8], name: String, type: String) {
        buffer.append(contentsOf: "# TYPE \(name) \(type)\n".utf8)
    }

    /// `k1="v1",k2="v2"` with backslash, double quote and newline escaped in values; nil when empty.
    static func labels(_ labels: [(String, String)]) -> [UInt8]? {
        guard !labels.isEmpty else { return nil }
        var rendered: [UInt8] = []
        for (index, (key, value)) in labels.enumerated() {
            if index > 0 { rendered.append(UInt8(ascii: ",")) }
            rendered.append(contentsOf: key.utf8)
            rendered.append(contentsOf: "=\"".utf8)
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): rendered.append(contentsOf: #"\\"#.utf8)
                case UInt8(ascii: "\""): rendered.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\n"): rendered.append(contentsOf: #"\n"#.utf8)
                default: rendered.append(byte)
                }
            }
            rendered.append(UInt8(ascii: "\""))
        }
        return rendered
    }
}

// Name fixes as swift-prometheus 2.4.1 makes them for the metrics it registers
// (PrometheusCollectorRegistry.swift, Apache License 2.0), so a timer is written under the name and
// label names the registry would have used: an invalid character becomes "_" (a digit only in first
// place; ":" only in metric names). The fix is a copy of the registry's; the validity check before
// it accepts every digit where the registry's accepts only 0 and 9, which changes nothing: the fix
// leaves a name with other digits as it is.
extension PrometheusText {
    /// `name` as swift-prometheus registers a metric name.
    static func metricName(_ name: String) -> String {
        guard !isValid(name, allowColon: true) else { return name }
        return fixed(name, allowColon: true)
    }

    /// `labels` with each name as swift-prometheus registers a label name; values unchanged.
    static func labelNames(_ labels: [(String, String)]) -> [(String, String)] {
        guard !labels.allSatisfy({ isValid($0.0, allowColon: false) }) else { return labels }
        return labels.map { (isValid($0.0, allowColon: false) ? $0.0 : fixed($0.0, allowColon: false), $0.1) }
    }

    private static func isValid(_ name: String, allowColon: Bool) -> Bool {
        var isFirst = true
        for byte in name.utf8 {
            defer { isFirst = false }
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "_"):
                continue
            case UInt8(ascii: ":") where allowColon:
                continue
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if isFirst { return false }
            default:
                return false
            }
        }
        return true
    }

    private static func fixed(_ name: String, allowColon: Bool) -> String {
        var name = name
        var start = name.startIndex
        var isFirst = true
        while let index = name[start...].firstIndex(where: { character in
            defer { isFirst = false }
            switch character {
            case "A"..."Z", "a"..."z", "_": return false
            case ":": return !allowColon
            case "0"..."9": return isFirst
            default: return true
            }
        }) {
            name.replaceSubrange(index...index, with: CollectionOfOne("_"))
            start = index
            if start == name.endIndex { break }
        }
        return name
    }
}
