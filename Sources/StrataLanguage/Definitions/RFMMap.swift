/// The RFM segment map: ordered rows, first match wins.
public enum RFMMap: Sendable, Equatable {
    /// The 11-segment convention (`map: standard`, the default).
    case standard
    /// The seed documents' 8-row table plus Other (`map: seed`).
    case seed
    /// Rows written in rfm.yaml.
    case custom([RFMRow])

    /// The rows in order.
    public var rows: [RFMRow] {
        switch self {
        case .standard: RFMRow.standard
        case .seed: RFMRow.seed
        case .custom(let rows): rows
        }
    }
}
