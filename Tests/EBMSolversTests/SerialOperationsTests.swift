import CSundials
@testable import EBMSolvers
import Testing

/// The library's serial vectors, as SUNDIALS makes them (`N_VNew_Serial`
/// with its own operations): the reference the compiled operations must
/// match bit for bit.
struct LibraryVectors: VectorFactory {
    var communicator: UnsafeMutableRawPointer? { nil }
    var constructorName: String { "N_VNew_Serial" }
    var isSerial: Bool { true }
    func makeVector(localLength: Int, context: OpaquePointer) -> UnsafeMutableRawPointer? {
        N_VNew_Serial(sunindextype(localLength), context).map { UnsafeMutableRawPointer($0) }
    }
    func agreed(_ flag: Int32) -> Int32? { nil }
}

/// `SerialOperations` against the library's serial vector and dense matrix
/// functions: the same inputs, the same bits out, for every special case of
/// `N_VLinearSum` and `N_VScale` and with outputs aliasing inputs.
@Suite("Serial vector and dense matrix operations")
final class SerialOperationsTests {
    let context: SUNContext
    /// Scalars that select each case of the library's linear sum and scale.
    static let scalars: [Double] = [1, -1, 0, 0.5, -0.5, 2.5, -2.5, 1e-300, .nan]

    init() throws {
        var context: SUNContext?
        #expect(SUNContext_Create(nil, &context) == 0)
        self.context = try #require(context)
    }

    deinit {
        var context: SUNContext? = self.context
        SUNContext_Free(&context)
    }

    /// A library vector and a compiled-operations vector holding `values`.
    func pair(_ values: [Double]) -> (library: N_Vector, compiled: N_Vector) {
        let library = N_VNew_Serial(sunindextype(values.count), context)!
        let compiled = SerialOperations.newVector(length: sunindextype(values.count), context: context)!
        N_VGetArrayPointer(library).update(from: values, count: values.count)
        N_VGetArrayPointer(compiled).update(from: values, count: values.count)
        return (library, compiled)
    }

    /// The entries' bit patterns, every NaN as one pattern: where both
    /// operands are NaN, which one comes out is the compiler's choice.
    func bits(_ vector: N_Vector, _ count: Int) -> [UInt64] {
        (0..<count).map { Self.bits(N_VGetArrayPointer(vector)[$0]) }
    }

    static func bits(_ x: Double) -> UInt64 { x.isNaN ? Double.nan.bitPattern : x.bitPattern }

    /// Random entries of mixed sign and size, with zeros among them; with
    /// `special`, also ±∞, -0, subnormals, huge values and a NaN.
    static func values(_ count: Int, seed: UInt64, special: Bool = false) -> [Double] {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        let specials: [Double] = [.infinity, -0.0, 5e-324, -1e-310, 1e300, -.infinity, .nan]
        return (0..<count).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            if i % 7 == 3 { return 0 }
            if special && i % 5 == 1 { return specials[(i / 5 + Int(seed)) % specials.count] }
            let u = Double(state >> 11) / Double(1 << 53)
            let exponent = Double((state >> 3) % 9) - 4
            return (u - 0.5) * 2 * pow10(exponent)
        }
    }

    static func pow10(_ e: Double) -> Double { (0..<Int(abs(e))).reduce(1.0) { r, _ in e < 0 ? r / 10 : r * 10 } }

    static let lengths = [1, 7, 16, 23, 24, 101]

    /// The operation table's slots as raw pointers.
    static func slots(_ vector: N_Vector) -> [UInt] {
        withUnsafeBytes(of: vector.pointee.ops.pointee) { Array($0.bindMemory(to: UInt.self)) }
    }

    @Test("26 operations are installed on new vectors and carried by their clones; empty vectors keep the library's")
    func installed() {
        let (library, compiled) = pair([1, 2, 3])
        defer { N_VDestroy(library); N_VDestroy(compiled) }
        let clone = N_VClone(compiled)!
        defer { N_VDestroy(clone) }
        let theirs = Self.slots(library), ours = Self.slots(compiled)
        #expect(zip(theirs, ours).filter { $0 != $1 }.count == 26)
        #expect(Self.slots(clone) == ours)
        #expect(unsafeBitCast(compiled.pointee.ops.pointee.nvlinearsum, to: UnsafeRawPointer.self)
            == unsafeBitCast(SerialOperations.linearSum, to: UnsafeRawPointer.self))
        let empty = SerialOperations.newVector(length: 0, context: context)!
        defer { N_VDestroy(empty) }
        #expect(Self.slots(empty) == theirs)
        N_VLinearSum(2, empty, 3, empty, empty)
    }

    @Test("N_VLinearSum: every special case of a and b; z aliasing x or y, x = y, x = y = z; special entries",
          arguments: [false, true])
    func linearSum(special: Bool) {
        for n in Self.lengths {
            let x0 = Self.values(n, seed: 1, special: special), y0 = Self.values(n, seed: 2, special: special)
            let z0 = Self.values(n, seed: 3)
            for a in Self.scalars {
                for b in Self.scalars {
                    // z separate, z = x, z = y, x = y, x = y = z
                    for aliasing in 0..<5 {
                        let x = pair(x0), y = pair(y0), z = pair(z0)
                        defer { for v in [x, y, z] { N_VDestroy(v.library); N_VDestroy(v.compiled) } }
                        let yl = aliasing >= 3 ? x.library : y.library, yc = aliasing >= 3 ? x.compiled : y.compiled
                        let zl = [z.library, x.library, y.library, z.library, x.library][aliasing]
                        let zc = [z.compiled, x.compiled, y.compiled, z.compiled, x.compiled][aliasing]
                        N_VLinearSum_Serial(a, x.library, b, yl, zl)
                        N_VLinearSum(a, x.compiled, b, yc, zc)
                        #expect(bits(zl, n) == bits(zc, n), "n \(n), a \(a), b \(b), aliasing \(aliasing)")
                    }
                }
            }
        }
    }

    @Test("N_VScale, N_VConst, N_VProd, N_VDiv, N_VAbs, N_VInv, N_VAddConst, N_VCompare, N_VInvTest; special entries",
          arguments: [false, true])
    func elementWise(special: Bool) {
        for n in Self.lengths {
            let x0 = Self.values(n, seed: 4, special: special), y0 = Self.values(n, seed: 5, special: special)
            let z0 = Self.values(n, seed: 6)
            for c in Self.scalars {
                for inPlace in [false, true] {
                    let x = pair(x0), z = pair(z0)
                    defer { for v in [x, z] { N_VDestroy(v.library); N_VDestroy(v.compiled) } }
                    let zl = inPlace ? x.library : z.library, zc = inPlace ? x.compiled : z.compiled
                    N_VScale_Serial(c, x.library, zl)
                    N_VScale(c, x.compiled, zc)
                    #expect(bits(zl, n) == bits(zc, n), "scale n \(n) c \(c) in place \(inPlace)")
                }
                let x = pair(x0), z = pair(z0)
                defer { for v in [x, z] { N_VDestroy(v.library); N_VDestroy(v.compiled) } }
                N_VConst_Serial(c, z.library)
                N_VConst(c, z.compiled)
                #expect(bits(z.library, n) == bits(z.compiled, n))
                N_VAddConst_Serial(x.library, c, z.library)
                N_VAddConst(x.compiled, c, z.compiled)
                #expect(bits(z.library, n) == bits(z.compiled, n))
                N_VCompare_Serial(abs(c), x.library, z.library)
                N_VCompare(abs(c), x.compiled, z.compiled)
                #expect(bits(z.library, n) == bits(z.compiled, n))
            }
            let x = pair(x0), y = pair(y0), z = pair(z0)
            defer { for v in [x, y, z] { N_VDestroy(v.library); N_VDestroy(v.compiled) } }
            N_VProd_Serial(x.library, y.library, z.library)
            N_VProd(x.compiled, y.compiled, z.compiled)
            #expect(bits(z.library, n) == bits(z.compiled, n))
            N_VDiv_Serial(x.library, y.library, z.library)
            N_VDiv(x.compiled, y.compiled, z.compiled)
            #expect(bits(z.library, n) == bits(z.compiled, n))
            N_VAbs_Serial(y.library, z.library)
            N_VAbs(y.compiled, z.compiled)
            #expect(bits(z.library, n) == bits(z.compiled, n))
            N_VInv_Serial(y.library, z.library)
            N_VInv(y.compiled, z.compiled)
            #expect(bits(z.library, n) == bits(z.compiled, n))
            // x has zeros when n > 3: the test's flag and the untouched entries.
            N_VConst_Serial(7, z.library)
            N_VConst(7, z.compiled)
            #expect(N_VInvTest_Serial(x.library, z.library) == N_VInvTest(x.compiled, z.compiled))
            #expect(bits(z.library, n) == bits(z.compiled, n))
            // In place: the output is the (first) input.
            N_VProd_Serial(x.library, y.library, x.library)
            N_VProd(x.compiled, y.compiled, x.compiled)
            N_VDiv_Serial(y.library, x.library, x.library)
            N_VDiv(y.compiled, x.compiled, x.compiled)
            N_VAbs_Serial(x.library, x.library)
            N_VAbs(x.compiled, x.compiled)
            N_VInv_Serial(x.library, x.library)
            N_VInv(x.compiled, x.compiled)
            N_VAddConst_Serial(x.library, -2.5, x.library)
            N_VAddConst(x.compiled, -2.5, x.compiled)
            #expect(bits(x.library, n) == bits(x.compiled, n))
            N_VCompare_Serial(0.75, x.library, x.library)
            N_VCompare(0.75, x.compiled, x.compiled)
            #expect(bits(x.library, n) == bits(x.compiled, n))
        }
    }

    @Test("N_VConstrMask for every constraint code, N_VWL2Norm")
    func constraintsAndL2Norm() {
        for n in Self.lengths {
            let codes: [Double] = (0..<n).map { [0, 1, -1, 2, -2][$0 % 5] }
            let x0 = Self.values(n, seed: 40)
            let c = pair(codes), x = pair(x0), m = pair(Self.values(n, seed: 41))
            defer { for v in [c, x, m] { N_VDestroy(v.library); N_VDestroy(v.compiled) } }
            #expect(N_VConstrMask_Serial(c.library, x.library, m.library) == N_VConstrMask(c.compiled, x.compiled, m.compiled))
            #expect(bits(m.library, n) == bits(m.compiled, n))
            let satisfied = pair(codes.map { $0 })  // x = c satisfies every constraint
            defer { N_VDestroy(satisfied.library); N_VDestroy(satisfied.compiled) }
            #expect(N_VConstrMask_Serial(c.library, satisfied.library, m.library) == 1)
            #expect(N_VConstrMask(c.compiled, satisfied.compiled, m.compiled) == 1)
            #expect(bits(m.library, n) == bits(m.compiled, n))
            #expect(Self.bits(N_VWL2Norm_Serial(x.library, m.library)) == Self.bits(N_VWL2Norm(x.compiled, m.compiled)))
            #expect(Self.bits(N_VWL2Norm_Serial(x.library, x.library)) == Self.bits(N_VWL2Norm(x.compiled, x.compiled)))
        }
    }

    @Test("reductions: dot product, max, WRMS and L1 norms, minimum, minimum quotient, weighted square sum")
    func reductions() {
        for n in Self.lengths {
            for seed in 0..<6 as Range<UInt64> {
                var x0 = Self.values(n, seed: 10 + seed, special: seed == 4), y0 = Self.values(n, seed: 20 + seed)
                if seed == 3 { x0[n / 2] = .nan; y0[0] = 0 }
                if seed == 5 { y0 = [Double](repeating: 0, count: n) }  // no quotient at all
                let x = pair(x0), y = pair(y0)
                defer { for v in [x, y] { N_VDestroy(v.library); N_VDestroy(v.compiled) } }
                let l = (x.library, y.library), c = (x.compiled, y.compiled)
                let pairs: [(String, Double, Double)] = [
                    ("dot", N_VDotProd_Serial(l.0, l.1), N_VDotProd(c.0, c.1)),
                    ("max", N_VMaxNorm_Serial(l.0), N_VMaxNorm(c.0)),
                    ("wrms", N_VWrmsNorm_Serial(l.0, l.1), N_VWrmsNorm(c.0, c.1)),
                    ("wsqrsum", N_VWSqrSumLocal_Serial(l.0, l.1), N_VWSqrSumLocal(c.0, c.1)),
                    ("min", N_VMin_Serial(l.0), N_VMin(c.0)),
                    ("l1", N_VL1Norm_Serial(l.0), N_VL1Norm(c.0)),
                    ("minquotient", N_VMinQuotient_Serial(l.0, l.1), N_VMinQuotient(c.0, c.1)),
                    ("minquotient by zeros", N_VMinQuotient_Serial(l.0, l.0), N_VMinQuotient(c.0, c.0)),
                ]
                for (name, library, compiled) in pairs {
                    #expect(Self.bits(library) == Self.bits(compiled), "\(name), n \(n), seed \(seed)")
                }
            }
        }
    }

    @Test("dense matrices: zero, copy, A = cA + I (square and not), clones carry the operations")
    func denseMatrices() throws {
        for (rows, columns) in [(1, 1), (5, 5), (24, 24), (6, 4), (4, 6)] {
            let count = rows * columns
            let entries = Self.values(count, seed: 30, special: true)
            let library = try #require(SUNDenseMatrix(sunindextype(rows), sunindextype(columns), context))
            let compiled = try #require(
                SerialOperations.newDenseMatrix(rows: sunindextype(rows), columns: sunindextype(columns), context: context))
            let clone = try #require(SUNMatClone(compiled))
            defer { SUNMatDestroy(library); SUNMatDestroy(compiled); SUNMatDestroy(clone) }
            #expect(unsafeBitCast(clone.pointee.ops.pointee.copy, to: UnsafeRawPointer.self)
                == unsafeBitCast(SerialOperations.copyMatrix, to: UnsafeRawPointer.self))
            #expect(SUNDenseMatrix_Rows(clone) == sunindextype(rows) && SUNDenseMatrix_Columns(clone) == sunindextype(columns))
            let data = { (m: SUNMatrix) in SUNDenseMatrix_Data(m)! }
            func bits(_ m: SUNMatrix) -> [UInt64] { (0..<count).map { Self.bits(data(m)[$0]) } }
            data(library).update(from: entries, count: count)
            #expect(SUNMatCopy(library, compiled) == 0)  // the library's copy into ours
            #expect(bits(library) == bits(compiled))
            for c in Self.scalars {
                data(library).update(from: entries, count: count)
                #expect(SUNMatCopy(compiled, clone) == 0)  // ours
                #expect(bits(clone) == bits(compiled))
                #expect(SUNMatScaleAddI_Dense(c, library) == 0)
                #expect(SUNMatScaleAddI(c, clone) == 0)
                #expect(bits(library) == bits(clone), "\(rows) x \(columns), c \(c)")
            }
            #expect(SUNMatZero(clone) == 0)
            #expect(bits(clone).allSatisfy { $0 == 0 })  // +0 everywhere
            let other = try #require(SerialOperations.newDenseMatrix(rows: 2, columns: 3, context: context))
            defer { SUNMatDestroy(other) }
            if (rows, columns) != (2, 3) { #expect(SUNMatCopy(compiled, other) != 0) }
        }
    }

    @Test("CVODE on the compiled operations takes the library's steps to the last bit (cvRoberts_dns)")
    func integrationIsBitwiseTheSame() throws {
        func run(_ vectors: any VectorFactory) throws -> ([UInt64], Int) {
            let method = try BDF(relativeTolerance: 1e-4, absoluteTolerance: .vector([1e-8, 1e-14, 1e-6]),
                                 maxSteps: 5000, linearSolver: .cvodeDense, jacobian: .analytic)
            let integrator = try CVodeIntegrator(system: RobertsKinetics(analyticJacobian: true), initialTime: 0,
                                                 initialState: [1, 0, 0], method: method, vectors: vectors)
            _ = try integrator.advance(to: 4e10)
            return (integrator.state.map(\.bitPattern), try integrator.readStatistics().steps)
        }
        let library = try run(LibraryVectors())
        let compiled = try run(SerialVectors())
        #expect(library.0 == compiled.0)
        #expect(library.1 == compiled.1)
        #expect(library.1 > 100)
    }
}
