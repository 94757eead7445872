import CSundials

/// The entries of a serial `N_Vector` seen as a Swift buffer, without
/// copying (`N_VGetArrayPointer`). Valid only while the vector lives.
func entries(of vector: N_Vector?, count: Int) -> UnsafeBufferPointer<Double> {
    UnsafeBufferPointer(start: N_VGetArrayPointer(vector), count: count)
}

/// As `entries(of:count:)`, writable.
func mutableEntries(of vector: N_Vector?, count: Int) -> UnsafeMutableBufferPointer<Double> {
    UnsafeMutableBufferPointer(start: N_VGetArrayPointer(vector), count: count)
}
