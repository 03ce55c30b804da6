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
