import Foundation

/// The JSON catalog file format (`cartctl catalog import`, `cartd --seed-catalog`): snake_case field
/// names as in the proto, e.g.
/// `{"products":[{"id":"tee","name":"Tee","price":{"currency_code":"INR","amount_minor":49900},
///   "active":true,"stock":10,"variants":[{"id":"tee-m","name":"M","additional_price":{…},"active":true,"stock":4}]}]}`.
public enum CatalogFile {
    private struct Document: Codable {
        var products: [Product]
    }

    /// Decodes a catalog file.
    /// - Throws: `CartError` INVALID_ARGUMENT describing where the JSON is wrong.
    public static func decode(_ data: Data) throws(CartError) -> [Product] {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(Document.self, from: data).products
        } catch let DecodingError.keyNotFound(key, context) {
            throw CartError.invalidField(path(context.codingPath + [key]), "is missing")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw CartError.invalidField(path(context.codingPath), "has the wrong type")
        } catch let DecodingError.dataCorrupted(context) {
            throw CartError.invalidField(context.codingPath.isEmpty ? "catalog" : path(context.codingPath),
                                         "is not valid JSON")
        } catch {
            throw CartError.invalidField("catalog", "cannot be read")
        }
    }

    /// Encodes products as a catalog file (pretty-printed, keys sorted).
    public static func encode(_ products: [Product]) -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(Document(products: products))) ?? Data()
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { key in key.intValue.map { "[\($0)]" } ?? ".\(snakeCase(key.stringValue))" }.joined()
            .trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    private static func snakeCase(_ name: String) -> String {
        name.unicodeScalars.map { CharacterSet.uppercaseLetters.contains($0) ? "_" + String($0).lowercased() : String($0) }
            .joined()
    }
}
