//===- Compile.cpp - From a graph to machine code -----------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Target/Compile.h"
#include "mx/Dialect/Mx/Transforms/Passes.h"
#include "mx/InitAll.h"
#include "mx/Pipelines/Pipelines.h"
#include "mx/Target/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <mutex>

using namespace mlir;
using namespace mlir::mx;

#ifndef MX_LLVM_TOOLS_DIR
#define MX_LLVM_TOOLS_DIR ""
#endif

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// x86 tuning: no vscatter for the strided stores of small transposes
/// (microcoded and slower than scalar stores on current AMD and Intel
/// cores; measured 20% of the word2vec step at dim 100 on Zen 5).
constexpr const char *kX86Tuning = "+prefer-no-scatter,-prefer-256-bit";

/// Temporary buffers mx-compile keeps on the stack.
constexpr unsigned kStackBufferBytes = 64 * 1024;

constexpr llvm::StringLiteral kTargetNames[] = {
    "host",         "x86-64-avx2", "x86-64-avx512", "x86-64-amx",
    "aarch64-neon", "aarch64-sve", "generic"};

} // namespace

ArrayRef<StringRef> mx::getTargetNames() {
  static const SmallVector<StringRef> names(std::begin(kTargetNames),
                                            std::end(kTargetNames));
  return names;
}

llvm::Expected<TargetSpec> mx::getTargetSpec(StringRef name) {
  TargetSpec spec;
  spec.name = name.str();
  if (name == "host") {
    spec.lowering = getHostTarget();
    spec.triple = llvm::sys::getProcessTriple();
    spec.cpu = llvm::sys::getHostCPUName().str();
    SmallVector<std::string> features;
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      features.push_back((feature.second ? "+" : "-") + feature.first().str());
    llvm::sort(features);
    if (llvm::Triple(spec.triple).isX86())
      features.push_back(kX86Tuning);
    spec.features = llvm::join(features, ",");
    return spec;
  }
  if (name == "x86-64-avx2") {
    // x86-64-v3 (Haswell, Zen 1 and later): AVX2, FMA, F16C, BMI2.
    spec.lowering = name.str();
    spec.triple = "x86_64-unknown-linux-gnu";
    spec.cpu = "x86-64-v3";
    spec.features = std::string("+avx2,+fma,+f16c,") + kX86Tuning;
    return spec;
  }
  if (name == "x86-64-avx512" || name == "x86-64-amx") {
    spec.lowering = name.str();
    spec.triple = "x86_64-unknown-linux-gnu";
    spec.cpu = "x86-64-v4";
    spec.features = "+avx512f,+avx512bw,+avx512vl,+avx512dq,+avx512cd,"
                    "+avx512bf16,+avx512vnni,+avx512vbmi,";
    // Plus AMX-BF16 tiles for mx.matmul unordered (Sapphire Rapids and
    // later). Never implied by x86-64-avx512: the CI machines (AMD Zen 5)
    // have AVX-512 but no AMX.
    if (name == "x86-64-amx")
      spec.features += "+amx-tile,+amx-bf16,+amx-int8,";
    spec.features += kX86Tuning;
    return spec;
  }
  if (name == "aarch64-neon" || name == "aarch64-sve") {
    spec.lowering = name.str();
    spec.triple = "aarch64-unknown-linux-gnu";
    spec.cpu = "generic";
    spec.features = "+v8.6a,+neon,+fp-armv8,+bf16,+i8mm";
    // Plus SVE (Neoverse V1 / Graviton3 and later; not SVE2): mx.cast and
    // the linalg parts (LLVM's loop vectorizer) become vector-length-agnostic
    // code, the other mx ops keep their NEON kernels.
    if (name == "aarch64-sve")
      spec.features += ",+sve";
    return spec;
  }
  if (name == "generic") {
    spec.lowering = "generic";
    llvm::Triple triple(llvm::sys::getProcessTriple());
    spec.triple = triple.str();
    spec.cpu = triple.isX86() ? "x86-64" : "generic";
    return spec;
  }
  return makeError("unknown target '" + name + "'; expected one of " +
                   llvm::join(getTargetNames(), ", "));
}

llvm::Error mx::checkRunnableOnHost(const TargetSpec &spec) {
  if (spec.name == "host")
    return llvm::Error::success();
  llvm::Triple host(llvm::sys::getProcessTriple());
  llvm::Triple target(spec.triple);
  if (host.getArch() != target.getArch())
    return makeError("code for target '" + spec.name + "' (" + spec.triple +
                     ") cannot run on this " + host.getArchName() +
                     " host; cross-compile it with --emit=obj instead");
  llvm::StringMap<bool> hostFeatures = llvm::sys::getHostCPUFeatures();
  SmallVector<StringRef> features;
  StringRef(spec.features).split(features, ',', -1, /*KeepEmpty=*/false);
  for (StringRef feature : features) {
    if (!feature.consume_front("+"))
      continue;
    auto it = hostFeatures.find(feature);
    if (it != hostFeatures.end() && !it->second)
      return makeError("code for target '" + spec.name +
                       "' needs the CPU "
                       "feature '" +
                       feature + "', which this host lacks");
  }
  return llvm::Error::success();
}

void mx::initializeLLVMTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    llvm::InitializeAllAsmParsers();
  });
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
mx::createTargetMachine(const TargetSpec &spec, unsigned optLevel) {
  initializeLLVMTargets();
  llvm::Triple triple(spec.triple);
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return makeError("no LLVM target for '" + spec.triple + "': " + error);
  std::optional<llvm::CodeGenOptLevel> level =
      llvm::CodeGenOpt::getLevel(static_cast<int>(optLevel));
  if (!level)
    return makeError("invalid optimization level " + Twine(optLevel));
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, spec.cpu, spec.features, llvm::TargetOptions(), llvm::Reloc::PIC_,
      std::nullopt, *level));
  if (!machine)
    return makeError("cannot create a target machine for '" + spec.triple +
                     "'");
  return machine;
}

bool mx::isKTanhPolicyAvailable() {
  return PassInfo::lookup("mx-ktanh") != nullptr;
}

llvm::Error mx::addPolicyPasses(OpPassManager &pm, const PolicyOptions &options,
                                StringRef subject, bool activationsBuiltIn) {
  // Check everything first so that a failure leaves `pm` alone.
  StringRef precision = options.precision;
  bool mx = precision == "mxfp8" || precision == "mxfp6" ||
            precision == "mxfp4" || precision == "mxint8";
  if (precision != "fp32" && precision != "bf16" && !mx)
    return makeError("unknown precision '" + precision +
                     "'; expected one of fp32, bf16, mxfp8, mxfp6, mxfp4, "
                     "mxint8");
  const PassInfo *quantize = mx ? PassInfo::lookup("mx-quantize") : nullptr;
  if (mx && !quantize)
    return makeError("--precision=" + precision + " is not supported yet for " +
                     subject +
                     ": it needs the MX matmul and the mx-quantize "
                     "policy pass, which this build does not have");
  StringRef activations = options.activations;
  if (activations != "exact" && activations != "ktanh")
    return makeError("unknown activations '" + activations +
                     "'; expected exact or ktanh");
  bool ktanhPass = activations == "ktanh" && !activationsBuiltIn;
  if (ktanhPass && !isKTanhPolicyAvailable())
    return makeError("--activations=ktanh is not available for " + subject +
                     ": this build has no mx-ktanh policy pass");
  StringRef accumulation = options.matmulAccumulation;
  if (accumulation != "ordered" && accumulation != "unordered")
    return makeError("unknown matmul accumulation '" + accumulation +
                     "'; expected ordered or unordered");
  StringRef sparsity = options.sparsity;
  if (!sparsity.empty() && sparsity != "dense" && sparsity != "auto" &&
      sparsity != "csr")
    return makeError("unknown sparsity '" + sparsity +
                     "'; expected dense, auto or csr");

  if (sparsity == "auto" || sparsity == "csr") {
    // Before the precision passes, which do not know the masked ops; the
    // non-zeros follow the precision where the sparse kernel supports it.
    MxSparsifyPassOptions sparsify;
    if (sparsity == "csr")
      sparsify.maxDensity = 1.0;
    // MX precisions store the non-zeros as codes of the same format.
    sparsify.valueFormat = llvm::StringSwitch<std::string>(precision)
                               .Case("bf16", "bf16")
                               .Case("mxfp8", "e4m3")
                               .Case("mxfp6", "e2m3")
                               .Case("mxfp4", "e2m1")
                               .Case("mxint8", "int8")
                               .Default("f32");
    pm.addNestedPass<func::FuncOp>(createMxSparsifyPass(sparsify));
  }
  if (precision == "bf16") {
    MxBF16PassOptions bf16;
    bf16.accumulation = accumulation.str();
    pm.addNestedPass<func::FuncOp>(createMxBF16Pass(bf16));
  }
  if (quantize) {
    // One MX format for both operands of every GEMM.
    StringRef format = llvm::StringSwitch<StringRef>(precision)
                           .Case("mxfp8", "e4m3")
                           .Case("mxfp6", "e2m3")
                           .Case("mxfp4", "e2m1")
                           .Default("int8");
    std::string error;
    if (failed(quantize->addToPipeline(pm.nest<func::FuncOp>(),
                                       ("weights=" + format +
                                        " activations=" + format +
                                        " accumulation=" + accumulation)
                                           .str(),
                                       [&](const Twine &message) {
                                         error = message.str();
                                         return failure();
                                       })))
      return makeError("cannot add mx-quantize: " + error);
  }
  if (ktanhPass) {
    OpPassManager &nested = pm.nest<func::FuncOp>();
    std::string error;
    if (failed(PassInfo::lookup("mx-ktanh")
                   ->addToPipeline(nested, "", [&](const Twine &message) {
                     error = message.str();
                     return failure();
                   })))
      return makeError("cannot add mx-ktanh: " + error);
  }
  return llvm::Error::success();
}

void mx::addLoweringPasses(OpPassManager &pm, const TargetSpec &spec) {
  OpPassManager &func = pm.nest<func::FuncOp>();
  // Elementwise math on whole tensors (the policy passes' input form) into
  // linalg, fused into one loop nest per chain; then loop orders the LLVM
  // vectorizer can use.
  func.addPass(createConvertElementwiseToLinalgPass());
  func.addPass(createLinalgElementwiseOpFusionPass());
  // Transposed operands are read in place, dot products vectorized along
  // their reduction (reassociated sums; the word2vec step's scores) and
  // multiply-accumulates fused.
  MxLoopOrderPassOptions loopOrder;
  loopOrder.foldTransposesOption = true;
  loopOrder.reassociateDotProducts = true;
  loopOrder.contractMulAcc = true;
  func.addPass(createMxLoopOrderPass(loopOrder));
  MxToLLVMOptions lowering;
  lowering.target = spec.lowering;
  // Temporaries up to 64 KiB on the stack (the word2vec step's gathered rows
  // and gradients: 20 KB at dim 300, batch 17).
  lowering.stackBufferBytes = kStackBufferBytes;
  buildMxToLLVMPipeline(pm, lowering);
}

llvm::Expected<std::unique_ptr<llvm::Module>>
mx::translateToLLVMIR(ModuleOp module, llvm::LLVMContext &llvmContext,
                      llvm::TargetMachine &tm, unsigned optLevel) {
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "mx");
  if (!llvmModule)
    return makeError("translation to LLVM IR failed");
  llvmModule->setDataLayout(tm.createDataLayout());
  llvmModule->setTargetTriple(tm.getTargetTriple());
  auto optimize = makeOptimizingTransformer(optLevel, /*sizeLevel=*/0, &tm);
  if (llvm::Error error = optimize(llvmModule.get()))
    return error;
  return llvmModule;
}

llvm::Expected<std::string> mx::emitMachineCode(llvm::Module &module,
                                                llvm::TargetMachine &tm,
                                                MachineCodeKind kind) {
  SmallString<0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr,
                             kind == MachineCodeKind::Object
                                 ? llvm::CodeGenFileType::ObjectFile
                                 : llvm::CodeGenFileType::AssemblyFile))
    return makeError("the target machine cannot emit this file type");
  pm.run(module);
  return std::string(buffer.str());
}

llvm::Expected<std::string> mx::findLinkerDriver(StringRef override) {
  if (!override.empty()) {
    if (llvm::sys::fs::can_execute(override))
      return override.str();
    if (llvm::ErrorOr<std::string> path =
            llvm::sys::findProgramByName(override))
      return *path;
    return makeError("linker driver '" + override + "' not found");
  }
  SmallString<256> configured(MX_LLVM_TOOLS_DIR);
  if (!configured.empty()) {
    llvm::sys::path::append(configured, "clang");
    if (llvm::sys::fs::can_execute(configured))
      return configured.str().str();
  }
  for (StringRef name : {"clang-22", "clang"})
    if (llvm::ErrorOr<std::string> path = llvm::sys::findProgramByName(name))
      return *path;
  return makeError("no clang found to link with; pass --linker=PATH");
}

llvm::Error mx::linkSharedLibrary(StringRef driver, StringRef objectPath,
                                  StringRef outputPath,
                                  const TargetSpec &spec) {
  llvm::Triple host(llvm::sys::getProcessTriple());
  llvm::Triple target(spec.triple);
  std::string targetFlag = "--target=" + target.str();
  SmallVector<StringRef> args{driver, "-shared", "-o", outputPath, objectPath};
  if (host.getArch() != target.getArch()) {
    args.push_back(targetFlag);
    args.push_back("-fuse-ld=lld");
  }
  args.push_back("-lm");

  SmallString<128> log;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("mx-compile-link", "log", log))
    return makeError("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeLog(log);
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(log),
                                          StringRef(log)};
  std::string error;
  int status = llvm::sys::ExecuteAndWait(driver, args, std::nullopt, redirects,
                                         0, 0, &error);
  if (status == 0)
    return llvm::Error::success();
  std::string output;
  if (auto buffer = llvm::MemoryBuffer::getFile(log))
    output = (*buffer)->getBuffer().trim().str();
  return makeError("linking '" + outputPath + "' failed (" +
                   llvm::join(args, " ") + ")" +
                   (error.empty() ? "" : ": " + error) +
                   (output.empty() ? "" : ":\n" + output));
}

llvm::Expected<std::unique_ptr<ExecutionEngine>>
mx::createExecutionEngine(ModuleOp module, const TargetSpec &spec,
                          unsigned optLevel) {
  initializeLLVMTargets();
  std::optional<llvm::CodeGenOptLevel> level =
      llvm::CodeGenOpt::getLevel(static_cast<int>(optLevel));
  if (!level)
    return makeError("invalid optimization level " + Twine(optLevel));
  llvm::orc::JITTargetMachineBuilder builder{llvm::Triple(spec.triple)};
  builder.setCPU(spec.cpu);
  SmallVector<StringRef> features;
  StringRef(spec.features).split(features, ',', -1, /*KeepEmpty=*/false);
  builder.addFeatures(
      std::vector<std::string>(features.begin(), features.end()));
  builder.setCodeGenOptLevel(*level);
  auto jitMachine = builder.createTargetMachine();
  if (!jitMachine)
    return jitMachine.takeError();
  auto optMachine = builder.createTargetMachine();
  if (!optMachine)
    return optMachine.takeError();
  // The transformer runs while the engine is created; optMachine outlives it.
  auto transformer =
      makeOptimizingTransformer(optLevel, /*sizeLevel=*/0, optMachine->get());
  ExecutionEngineOptions options;
  options.transformer = transformer;
  options.jitCodeGenOptLevel = *level;
  return ExecutionEngine::create(module, options, std::move(*jitMachine));
}

void mx::registerCompilePasses() {
  registerAllPasses();
  registerMxTargetPasses();
  // Upstream passes the pipelines are built from, so that
  // --mlir-print-ir-after=<pass> and friends can name them.
  registerTransformsPasses();
  registerConversionPasses();
  bufferization::registerBufferizationPasses();
  registerLinalgPasses();
}
