extension Plane {
    /// A plane with exactly these vectors, taken as already orthonormal (no
    /// Gram–Schmidt): a plane copied to another process stays bit-identical.
    public init(exactCenter center: [Double], u: [Double], v: [Double], xName: String, yName: String) {
        precondition(center.count == u.count && u.count == v.count, "plane vectors of different lengths")
        self.center = center
        self.u = u
        self.v = v
        self.xName = xName
        self.yName = yName
    }
}
