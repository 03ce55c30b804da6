import CartCore

/// Plain-text tables for people: columns padded to their widest cell, numbers right-aligned.
enum TextTable {
    /// How a column aligns its cells.
    enum Alignment { case left, right }

    /// Renders `rows` under `header`; the last column is never padded (no trailing spaces).
    static func render(header: [String], alignments: [Alignment], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { column -> String in
                let cell = row[column]
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                if alignments[column] == .right { return padding + cell }
                return column == row.count - 1 ? cell : cell + padding
            }
            .joined(separator: "  ")
            .trimmingTrailingSpaces()
        }
        .joined(separator: "\n")
    }
}

/// The human rendering of a cart: one row per line, then a footer.
enum CartTable {
    /// The table and footer, e.g.
    /// ```
    /// #  ITEM    PRODUCT          QTY     UNIT    TOTAL  PROBLEMS
    /// 1  itm_1   Classic Tee (M)    3  ₹499.00  ₹1497.00  INSUFFICIENT_STOCK: Only 2 left in stock
    /// version 4 · 1 line · 3 items · total ₹1497.00
    /// ```
    static func render(_ cart: PricedCart) -> String {
        guard !cart.items.isEmpty else { return "(the cart is empty)\n" + footer(cart) }
        let rows = cart.items.enumerated().map { index, item in
            [String(index + 1), item.id, productLabel(item), String(item.quantity), item.unitPrice.formatted,
             item.totalPrice.formatted, problems(item)]
        }
        let table = TextTable.render(header: ["#", "ITEM", "PRODUCT", "QTY", "UNIT", "TOTAL", "PROBLEMS"],
                                     alignments: [.right, .left, .left, .right, .right, .right, .left], rows: rows)
        return table + "\n" + footer(cart)
    }

    /// "version N · X lines · Y items · total ₹…".
    static func footer(_ cart: PricedCart) -> String {
        "version \(cart.version) · \(counted(cart.itemsCount, "line")) · \(counted(Int(cart.totalItems), "item"))"
            + " · total \(cart.totalPrice.formatted)"
    }

    /// "Classic Tee (M)", or the product name alone for a line without a variant.
    static func productLabel(_ item: PricedItem) -> String {
        item.variantName.isEmpty ? item.productName : "\(item.productName) (\(item.variantName))"
    }

    /// "INSUFFICIENT_STOCK: Only 2 left in stock", several joined with "; ".
    static func problems(_ item: PricedItem) -> String {
        item.problems.map { "\($0.code.wireName): \($0.message)" }.joined(separator: "; ")
    }

    private static func counted(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }
}

/// The human rendering of products: one row per product, its variants indented under it.
enum ProductTable {
    /// The table; variant rows show the additional price with a sign.
    static func render(_ products: [Product]) -> String {
        guard !products.isEmpty else { return "(no products)" }
        var rows: [[String]] = []
        for product in products {
            rows.append([product.id, product.name, product.price.formatted, product.active ? "yes" : "no",
                         String(product.stock)])
            for variant in product.variants {
                let extra = variant.additionalPrice
                rows.append(["  \(variant.id)", "  \(variant.name)", (extra.isNegative ? "" : "+") + extra.formatted,
                             variant.active ? "yes" : "no", String(variant.stock)])
            }
        }
        return TextTable.render(header: ["ID", "NAME", "PRICE", "ACTIVE", "STOCK"],
                                alignments: [.left, .left, .right, .left, .right], rows: rows)
    }
}

extension String {
    /// The string without trailing spaces.
    func trimmingTrailingSpaces() -> String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }
}
