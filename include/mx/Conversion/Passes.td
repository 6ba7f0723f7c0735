//===- Passes.td - mx conversion passes --------------------*- tablegen -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_CONVERSION_PASSES_TD
#define MX_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def MxLowerToLinalgPass : Pass<"mx-lower-to-linalg"> {
  let summary = "reference lowering of mx.quantize/mx.dequantize to linalg";
  let description = [{
    Rewrites `mx.quantize` and `mx.dequantize` into `linalg.generic` ops on
    tensors whose bodies are `arith`/`math` on scalars (amax reduction per
    block, scale, element codes, packing), producing and consuming the
    storage buffers through `mx.assemble` / `mx.disassemble`. This lowering
    defines the meaning of the ops; the vector lowerings are tested against
    it and against the scalar reference in `mx/Reference`. `mx.cast` becomes
    one elementwise `linalg.generic` with the integer rounding of
    MxElementMath (its stochastic rounding hashes `linalg.index`).

    ```mlir
    %q = mx.quantize %x : tensor<4x64xf32> -> !mx.tensor<4x64, e2m1, axis = 1>
    // becomes
    %amax = linalg.generic {...} ins(%x3 : tensor<4x2x32xf32>) ...  // per block
    %codes = linalg.generic {...}                                   // per element
    %packed = linalg.generic {...}                                  // two per byte
    %q = mx.assemble %elements, %scales : tensor<4x32xi8>, tensor<4x2xf8E8M0FNU>
           -> !mx.tensor<4x64, e2m1, axis = 1>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def MxLowerToVectorPass : Pass<"mx-lower-to-vector"> {
  let summary = "vectorized lowering of mx.quantize/mx.dequantize";
  let description = [{
    Rewrites `mx.quantize` and `mx.dequantize` into loops over blocks whose
    bodies are `vector` ops (16 f32 lanes), with element math in integer
    bit operations. `target` picks how codes are decoded: `generic` uses the
    integer formula; `x86-64-avx512` looks FP4 and FP6 codes up in an f32
    register table (`mx.lookup`, which `mx-lower-vector-ops` turns into
    `vpermps` / `vpermi2ps`); `aarch64-neon` looks FP4 and FP6 E2M3 codes up
    in a byte table of integer multiples (`tbl`). `mx.cast` becomes loops
    along the innermost dimension, 4 x 16 lanes per iteration and a masked
    tail; rne + denormals(flush) uses `vcvtneps2bf16`
    (`x86vector.avx512.cvt.packed.f32_to_bf16`, AVX512_BF16) on
    `x86-64-avx512`, rne uses `bfcvtn` (`llvm.fptrunc`, FEAT_BF16) on
    `aarch64-neon`, everything else integer code. `aarch64-sve` lowers
    `mx.cast` to vector-length-agnostic loops (`vector<[4]xf32>`, one
    predicated tail; rne uses SVE `bfcvt`) and every other op as
    `aarch64-neon`. Results are bit identical across targets and with
    `mx-lower-to-linalg`. `x86-64-amx` is `x86-64-avx512` plus one more
    pattern: `mx.matmul ... unordered` on bf16 operands or on MX pairs with
    an FP8 or E3M2 operand becomes AMX-BF16 tile code (`amx.tile_load`,
    `amx.tile_mulf`; packing into tile layouts, a once-per-process
    `arch_prctl` request for the tile state and a scalar fallback), whose
    results meet the op's bound rather than its ordered bits.
    `x86-64-avx2` (x86-64-v3 CPUs without AVX-512) is `generic` but for
    `mx.matmul`: 8-lane (256-bit) register tiles sized for 16 registers,
    and integer MX pairs as i16 pairs summed with `mx.dot_i16` (`vpmaddwd`).

    ```mlir
    %q = mx.quantize %x : tensor<4x64xf32> -> !mx.tensor<4x64, e4m3, axis = 1>
    // becomes, per block of 32 contiguous values:
    %v = vector.transfer_read %x[%i, %j] ... : tensor<4x64xf32>, vector<32xf32>
    %amax = vector.reduction <maxui>, %bits : vector<32xi32> into i32
    ...
    ```
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"generic\"",
           "generic | x86-64-avx2 | x86-64-avx512 | x86-64-amx | "
           "aarch64-neon | aarch64-sve (x86-64-amx: x86-64-avx512 plus "
           "AMX-BF16 kernels for mx.matmul unordered)">,
    Option<"dotBF16", "dot-bf16", "std::string", /*default=*/"\"auto\"",
           "auto | on | off: whether x86 mx.matmul kernels sum bf16 pairs "
           "with vdpbf16ps (floating-point MX pairs, same bits; unordered "
           "bf16 x bf16) or f32 values with vfmadd. auto: on where the "
           "compiling CPU is an AMD Zen (vdpbf16ps at the vfmadd rate), off "
           "elsewhere (Sapphire Rapids retires it at a fifth of that rate)">,
  ];
  let dependentDialects = [
    "::mlir::amx::AMXDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::mx::MxDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::x86vector::X86VectorDialect",
  ];
}

def MxLowerVectorOpsPass : Pass<"mx-lower-vector-ops"> {
  let summary = "lower mx.lookup and mx.dot_bf16 to the target's instructions";
  let description = [{
    Runs after bufferization, just before the conversion to LLVM (the
    intrinsic calls it creates have no declared memory effects, which
    bufferization does not accept). Per `target`:

    - `x86-64-avx512`: `mx.lookup` on 32-bit tables of 16 entries becomes
      one `llvm.x86.avx512.permvar.sf.512` (`vpermps`) per 16 lanes, 32
      entries one `llvm.x86.avx512.vpermi2var.ps.512` (`vpermi2ps`);
      `mx.dot_bf16` becomes `x86vector.avx512.dot` (`vdpbf16ps`).
    - `aarch64-neon`: `mx.lookup` on byte tables of up to 64 entries becomes
      `llvm.aarch64.neon.tbl1`..`tbl4` per 16 lanes; `mx.dot_bf16` becomes
      `bfmlalt` + `bfmlalb` per 128-bit register. `aarch64-sve` uses the
      same (these ops are fixed-width).
    - otherwise (`generic`, or shapes the patterns above do not cover):
      lookups become a chain of compare/selects, one per table entry, and
      bf16 dots become extends, multiplies and adds.

    ```mlir
    %v = mx.lookup %table[%i] : vector<16xf32>, vector<16xi32> -> vector<16xf32>
    // x86-64-avx512:
    %v = llvm.call_intrinsic "llvm.x86.avx512.permvar.sf.512"(%table, %i)
           : (vector<16xf32>, vector<16xi32>) -> vector<16xf32>
    ```
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"generic\"",
           "generic | x86-64-avx512 | aarch64-neon | aarch64-sve">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::x86vector::X86VectorDialect",
  ];
}

def MxLegalizeBF16VectorsPass : Pass<"mx-legalize-bf16-vectors"> {
  let summary = "bf16 vector shuffles and masked loads/stores as i16 ones";
  let description = [{
    Runs on the LLVM dialect. A target without bf16 vector registers
    (baseline x86-64, for example) legalizes a shuffle or a masked load or
    store of `vector<N x bf16>` element by element through f32 and
    soft-float calls (`__truncsfbf2`). These ops only move bits and pointers
    are opaque, so the same op on `vector<N x i16>` between bitcasts is
    equivalent and needs no library.

    ```mlir
    %v = llvm.intr.masked.load %p, %m, %pass {alignment = 2 : i32}
           : (!llvm.ptr, vector<16xi1>, vector<16xbf16>) -> vector<16xbf16>
    // becomes
    %pi = llvm.bitcast %pass : vector<16xbf16> to vector<16xi16>
    %vi = llvm.intr.masked.load %p, %m, %pi {alignment = 2 : i32}
           : (!llvm.ptr, vector<16xi1>, vector<16xi16>) -> vector<16xi16>
    %v = llvm.bitcast %vi : vector<16xi16> to vector<16xbf16>
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def MxStreamingStoresPass : Pass<"mx-streaming-stores"> {
  let summary = "x86 non-temporal stores for outputs that bypass the cache";
  let description = [{
    Runs after bufferization. An unmasked, in-bounds 1-D vector store of 32,
    64 or more (a power of two) bytes (`vector.store`, or a
    `vector.transfer_write` with a minor identity map) into a memref with a
    unit-stride innermost dimension becomes a non-temporal store
    (`vmovntps`/`vmovntdq`) when its address is provably aligned to the
    vector's size (at most 64 bytes, one register). x86 only emits non-temporal
    vector stores for aligned addresses (otherwise 8-byte `movnti`s), and
    LLVM merges a plain and a non-temporal store of the same address on two
    branches into a plain one, so alignment is established per loop nest,
    not per store:

    - statically, from the indices: a loop induction variable whose lower
      bound and step are multiples of 16 elements, constants, and sums and
      products of those, times the memref's static strides;
    - at run time, once before the loop nest, for what is only known then:
      the memref's base address plus offset, and its dynamic strides.

    The outermost sequential loop around the stores (below the function or a
    parallel-loop body) is versioned: the copy with non-temporal stores runs
    when the run-time conditions hold, the original otherwise. Non-temporal
    stores are weakly ordered, so an `sfence` ends the streaming copy, before
    any other thread can be told the data is ready.

    16-byte stores stay plain: streaming them (an MXFP4 block's elements,
    16 scale bytes per group of blocks) made quantizing 2-3x slower than
    plain stores at 64 MiB and 1 GiB on the project's machine.

    Worth it when a kernel writes more than the last-level cache holds and
    the output is not read back soon (casting or quantizing a whole model's
    tensors, for example): the stores then skip the read-for-ownership of
    each line. For outputs that are consumed right away, plain stores are
    faster; this is why the pass is opt-in
    (`mx-to-llvm{streaming-stores=true}`, x86-64-avx512 only).

    ```mlir
    scf.for %i = %c0 to %c64 step %c1 {
      scf.for %j = %c0 to %c4096 step %c16 {
        vector.transfer_write %v, %out[%i, %j] {in_bounds = [true]}
            : vector<16xbf16>, memref<64x4096xbf16>
      }
    }
    // becomes, with %aligned = (address of %out[0, 0]) & 31 == 0:
    scf.if %aligned {
      scf.for %i = %c0 to %c64 step %c1 {
        scf.for %j = %c0 to %c4096 step %c16 {
          vector.store %v, %out[%i, %j] {alignment = 32 : i64, nontemporal = true}
              : memref<64x4096xbf16>, vector<16xbf16>
        }
      }
      llvm.call_intrinsic "llvm.x86.sse.sfence"() : () -> ()
    } else {
      ...  // the original loops
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def MxPrefetchPass : Pass<"mx-prefetch"> {
  let summary = "software prefetch ahead of vector reads in innermost loops";
  let description = [{
    Runs after bufferization. In every innermost `scf.for`, each 1-D vector
    read (`vector.load`, or `vector.transfer_read` with a minor identity map)
    of a memref with a unit-stride innermost dimension whose innermost index
    changes in the loop gets a `memref.prefetch` (read, locality 3, data) of
    the element `distance` bytes further along that dimension, clamped to
    the dimension's last element so that the address stays in the buffer.

    A streaming kernel on one core is limited by how many cache misses are
    in flight, and the out-of-order window holds fewer of them the more
    instructions it spends per byte: on the 2-core Sapphire Rapids of the
    project, the f32 -> bf16 cast over 1 GiB reaches 0.78x memcpy with its
    integer RNE sequence and 0.93x with a prefetch 1 KiB ahead (a prefetch
    retires without waiting for its line). In cache it only costs a load
    slot per read, so it is opt-in for data larger than the cache
    (`mx-to-llvm{prefetch-distance=1024}`); 0 turns it off.

    ```mlir
    scf.for %j = %c0 to %c4096 step %c16 {
      %v = vector.load %in[%i, %j] : memref<64x4096xf32>, vector<16xf32>
      ...
    }
    // becomes (distance=1024: 256 f32 elements ahead)
    scf.for %j = %c0 to %c4096 step %c16 {
      %a = arith.addi %j, %c256 : index
      %p = arith.minsi %a, %c4095 : index
      memref.prefetch %in[%i, %p], read, locality<3>, data : memref<64x4096xf32>
      %v = vector.load %in[%i, %j] : memref<64x4096xf32>, vector<16xf32>
      ...
    }
    ```
  }];
  let options = [
    Option<"distance", "distance", "unsigned", "1024",
           "bytes ahead of each read to prefetch (0: none)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def MxLowerWorkerCountPass : Pass<"mx-lower-worker-count", "ModuleOp"> {
  let summary = "replace mx.worker_count with the thread count of the run";
  let description = [{
    With `openmp` (the parallel loops become OpenMP loops), every
    `mx.worker_count` becomes `max(1, omp_get_max_threads())`, a call to
    the OpenMP runtime that the module declares; without it, 1 (the
    parallel loops run sequentially). Runs before the `scf.forall` loops
    are converted, so that a loop over one worker folds away.

    ```mlir
    %w = mx.worker_count
    // openmp=true:
    %n = func.call @omp_get_max_threads() : () -> i32
    %i = arith.index_cast %n : i32 to index
    %w = arith.maxsi %i, %c1 : index
    // openmp=false:
    %w = arith.constant 1 : index
    ```
  }];
  let options = [
    Option<"openmp", "openmp", "bool", "false",
           "the parallel loops run on OpenMP threads">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
  ];
}

#endif // MX_CONVERSION_PASSES_TD
