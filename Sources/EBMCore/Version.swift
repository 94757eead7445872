/// The version written into every output file and `summary.json`.
public enum EBMFlowVersion {
    public static let current = "0.1.0"
}
