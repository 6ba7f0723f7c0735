//===- mx-compile.cpp - the mxir compiler driver ------------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Builds a model graph (--model=word2vec) or reads a .mlir file, applies the
// policy options, lowers it for a target and emits the MLIR graph, the
// lowered MLIR, LLVM IR, assembly, an object file or a shared library, plus
// an optional C header; or JIT-runs it (--run). Every output is written to
// a temporary file and renamed into place only when everything succeeded.
//
//===----------------------------------------------------------------------===//

#include "Run.h"

#include "mx/Dialect/Mx/Transforms/FlopsReport.h"
#include "mx/InitAll.h"
#include "mx/Models/ResNet50.h"
#include "mx/Models/Word2Vec.h"
#include "mx/Target/CHeader.h"
#include "mx/Target/Compile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/PrettyStackTrace.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <list>

using namespace mlir;
using namespace mlir::mx;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory inputCategory("Input");
cl::OptionCategory policyCategory("Policy");
cl::OptionCategory outputCategory("Output");
cl::OptionCategory runCategory("Running (--run)");

cl::opt<std::string> inputFilename(cl::Positional,
                                   cl::desc("<input .mlir file, - for stdin>"),
                                   cl::cat(inputCategory));
cl::opt<std::string>
    modelName("model",
              cl::desc("build a model graph instead of reading a file: "
                       "word2vec (the HogBatch SGNS step) | resnet-sparse "
                       "(ResNet-50 of masked convolutions, weights and "
                       "thresholds as arguments)"),
              cl::cat(inputCategory));
cl::opt<int64_t> dimOption("dim", cl::desc("word2vec: embedding dimension"),
                           cl::init(100), cl::cat(inputCategory));
cl::opt<int64_t>
    batchOption("batch",
                cl::desc("word2vec: context rows per update (default 11); "
                         "resnet-sparse: images (default 1)"),
                cl::init(11), cl::cat(inputCategory));
cl::opt<int64_t>
    imageSizeOption("image-size",
                    cl::desc("resnet-sparse: image height and width, a "
                             "multiple of 32"),
                    cl::init(224), cl::cat(inputCategory));
cl::opt<double> layerSparsityOption(
    "layer-sparsity",
    cl::desc("resnet-sparse: the sparsity of every layer, in [0, 1] "
             "(recorded as mx.sparsity: what --flops-report counts)"),
    cl::cat(inputCategory));
cl::opt<int64_t>
    negativesOption("negatives",
                    cl::desc("word2vec: negatives per update (1 + negatives "
                             "output rows)"),
                    cl::init(5), cl::cat(inputCategory));
cl::opt<std::string>
    indexTypeOption("index-type",
                    cl::desc("word2vec: type of the row indices, i32 or i64"),
                    cl::init("i32"), cl::cat(inputCategory));
cl::opt<std::string>
    funcNameOption("func-name",
                   cl::desc("word2vec: name of the step function (default "
                            "word2vec_step)"),
                   cl::cat(inputCategory));

cl::opt<std::string>
    precisionOption("precision",
                    cl::desc("fp32 | bf16 | mxfp8 | mxfp6 | mxfp4 | mxint8"),
                    cl::init("fp32"), cl::cat(policyCategory));
cl::opt<std::string> activationsOption("activations", cl::desc("exact | ktanh"),
                                       cl::init("exact"),
                                       cl::cat(policyCategory));
cl::opt<std::string> sparsityOption(
    "sparsity",
    cl::desc("dense (masked ops computed dense) | auto (constant-weight "
             "masked matmuls below the break-even density become sparse "
             "kernels) | csr (all of them)"),
    cl::cat(policyCategory));
cl::opt<std::string> matmulAccumulationOption(
    "matmul-accumulation",
    cl::desc("ordered (default: every mx.matmul bit-exact in its documented "
             "order) | unordered (the GEMMs the precision policy makes may "
             "sum in any order within mx.matmul's stated bound: AMX tiles "
             "on x86-64-amx, bfmmla for bf16 and MX FP8 pairs on "
             "aarch64-neon, the "
             "ordered kernels elsewhere)"),
    cl::init("ordered"), cl::cat(policyCategory));
cl::opt<std::string> word2vecBF16Option(
    "word2vec-bf16",
    cl::desc("word2vec --precision=bf16: graph (default: the graph rounds "
             "the products' operands to bf16 and computes them in f32 over "
             "the used context rows, as mx-word2vec does) | mx-bf16 (the "
             "mx-bf16 policy: every product an mx.matmul, all context "
             "slots)"),
    cl::init("graph"), cl::cat(policyCategory));
cl::opt<bool> flopsReportOption(
    "flops-report",
    cl::desc("print dense vs sparse MACs of every masked layer, forward and "
             "training step, to stderr"),
    cl::cat(policyCategory));
cl::opt<std::string>
    targetOption("target",
                 cl::desc("host | x86-64-avx2 | x86-64-avx512 | x86-64-amx "
                          "| aarch64-neon | aarch64-sve | generic"),
                 cl::init("host"), cl::cat(policyCategory));

cl::opt<std::string> emitOption(
    "emit",
    cl::desc("graph (MLIR after the policy passes) | mlir (LLVM dialect) | "
             "llvm (optimized LLVM IR) | asm | obj | shared (default: obj, "
             "nothing with --run)"),
    cl::cat(outputCategory));
cl::opt<std::string>
    outputFilename("o",
                   cl::desc("output file (default: - for text, "
                            "<name>.o / <name>.so for obj / shared)"),
                   cl::value_desc("file"), cl::cat(outputCategory));
cl::opt<std::string>
    headerFilename("emit-header",
                   cl::desc("also write the C header of the entry points"),
                   cl::value_desc("file"), cl::cat(outputCategory));
cl::opt<char> optLevelOption("O", cl::desc("LLVM optimization level (0-3)"),
                             cl::Prefix, cl::init('3'),
                             cl::cat(outputCategory));
cl::opt<bool>
    printPipelineOption("print-pipeline",
                        cl::desc("print the MLIR pass pipeline to stderr"),
                        cl::cat(outputCategory));
cl::opt<std::string>
    linkerOption("linker",
                 cl::desc("compiler driver that links --emit=shared "
                          "(default: clang)"),
                 cl::cat(outputCategory));

cl::opt<bool> runOption("run",
                        cl::desc("JIT-compile and run on generated inputs, "
                                 "printing the time per call"),
                        cl::cat(runCategory));
cl::opt<std::string>
    entryOption("entry",
                cl::desc("function to run (default: the only public one)"),
                cl::cat(runCategory));
cl::opt<int64_t>
    iterationsOption("run-iterations",
                     cl::desc("calls to time (0: about half a second)"),
                     cl::init(0), cl::cat(runCategory));
cl::opt<int64_t> vocabOption("vocab",
                             cl::desc("word2vec: rows of the tables --run "
                                      "generates"),
                             cl::init(10000), cl::cat(runCategory));
cl::opt<int64_t>
    dynamicSizeOption("run-dynamic-size",
                      cl::desc("extent of dynamic dimensions of generated "
                               "buffers"),
                      cl::init(16), cl::cat(runCategory));

LogicalResult error(const Twine &message) {
  llvm::WithColor::error(llvm::errs(), "mx-compile") << message << "\n";
  return failure();
}

LogicalResult error(llvm::Error err) {
  std::string message = toString(std::move(err));
  return error(message);
}

/// Output files, each written to a temporary file next to its destination
/// and renamed into place by commit(); discarded otherwise.
class Outputs {
public:
  ~Outputs() {
    for (Pending &pending : files)
      if (pending.temp)
        llvm::consumeError(pending.temp->discard());
  }

  /// A temporary file that becomes `path` on commit.
  FailureOr<StringRef> create(StringRef path) {
    auto temp = llvm::sys::fs::TempFile::create(path + ".tmp-%%%%%%", 0666);
    if (!temp)
      return error("cannot write output file '" + path +
                   "': " + toString(temp.takeError()));
    files.push_back({path.str(), std::move(*temp)});
    return StringRef(files.back().temp->TmpName);
  }

  /// `contents` as `path` on commit (or on stdout for "-").
  LogicalResult add(StringRef path, StringRef contents) {
    if (path == "-") {
      stdoutContents += contents;
      return success();
    }
    FailureOr<StringRef> temp = create(path);
    if (failed(temp))
      return failure();
    llvm::raw_fd_ostream os(files.back().temp->FD, /*shouldClose=*/false);
    os << contents;
    os.flush();
    if (os.has_error()) {
      std::string message = os.error().message();
      os.clear_error();
      return error("cannot write output file '" + path + "': " + message);
    }
    return success();
  }

  LogicalResult commit() {
    for (Pending &pending : files) {
      if (llvm::Error err = pending.temp->keep(pending.path)) {
        pending.temp.reset();
        return error("cannot write output file '" + pending.path +
                     "': " + toString(std::move(err)));
      }
      pending.temp.reset();
    }
    llvm::outs() << stdoutContents;
    llvm::outs().flush();
    return success();
  }

private:
  struct Pending {
    std::string path;
    std::optional<llvm::sys::fs::TempFile> temp;
  };
  std::list<Pending> files;
  std::string stdoutContents;
};

constexpr StringLiteral kEmitKinds[] = {"graph", "mlir", "llvm",
                                        "asm",   "obj",  "shared"};

/// The default output file for `emit`, named after `stem`.
std::string defaultOutput(StringRef emit, StringRef stem) {
  if (emit == "obj")
    return (stem + ".o").str();
  if (emit == "shared")
    return (stem + ".so").str();
  return "-";
}

constexpr StringLiteral kModels[] = {"word2vec", "resnet-sparse"};

/// Fails if an option of another model (or of models, for a file) is set.
LogicalResult checkModelOptions(StringRef model) {
  struct ModelOption {
    cl::Option *option;
    SmallVector<StringRef, 2> models;
  };
  ModelOption options[] = {{&dimOption, {"word2vec"}},
                           {&negativesOption, {"word2vec"}},
                           {&indexTypeOption, {"word2vec"}},
                           {&vocabOption, {"word2vec"}},
                           {&batchOption, {"word2vec", "resnet-sparse"}},
                           {&funcNameOption, {"word2vec", "resnet-sparse"}},
                           {&imageSizeOption, {"resnet-sparse"}},
                           {&layerSparsityOption, {"resnet-sparse"}}};
  for (const ModelOption &entry : options) {
    if (!entry.option->getNumOccurrences() ||
        llvm::is_contained(entry.models, model))
      continue;
    return error("--" + entry.option->ArgStr + " applies to --model=" +
                 llvm::join(entry.models, " or --model=") + " only");
  }
  return success();
}

FailureOr<EntrySignature> findEntry(ModuleOp module) {
  SmallVector<func::FuncOp> candidates;
  for (auto func : module.getOps<func::FuncOp>())
    if (func.isPublic() && !func.isExternal() &&
        (entryOption.empty() || func.getSymName() == entryOption))
      candidates.push_back(func);
  if (candidates.empty())
    return error(entryOption.empty()
                     ? Twine("--run: the module has no public function")
                     : "--run: no public function @" + entryOption);
  if (candidates.size() > 1)
    return error("--run: the module has several public functions; choose "
                 "one with --entry");
  func::FuncOp func = candidates.front();
  EntrySignature entry;
  entry.name = func.getSymName().str();
  entry.arguments.assign(func.getArgumentTypes().begin(),
                         func.getArgumentTypes().end());
  entry.results.assign(func.getResultTypes().begin(),
                       func.getResultTypes().end());
  return entry;
}

std::string commandLine(int argc, char **argv) {
  SmallVector<StringRef> args;
  args.push_back("mx-compile");
  for (int i = 1; i < argc; ++i)
    args.push_back(argv[i]);
  return llvm::join(args, " ");
}

LogicalResult compile(const std::string &invocation) {
  // Options first, before any work.
  std::string emit = emitOption;
  if (emit.empty() && !runOption)
    emit = "obj";
  if (!emit.empty() && !llvm::is_contained(kEmitKinds, emit))
    return error("unknown --emit=" + emit + "; expected one of " +
                 llvm::join(ArrayRef<StringLiteral>(kEmitKinds), ", "));
  if (emit.empty() && !outputFilename.empty())
    return error("-o needs --emit");
  if (optLevelOption < '0' || optLevelOption > '3')
    return error("invalid optimization level -O" +
                 std::string(1, optLevelOption) + "; expected -O0 to -O3");
  unsigned optLevel = unsigned(optLevelOption - '0');
  bool isModel = !modelName.empty();
  if (isModel && !inputFilename.empty())
    return error("give either an input file or --model, not both");
  if (!isModel && inputFilename.empty())
    return error("no input: give a .mlir file (- for stdin) or "
                 "--model=word2vec");
  if (isModel && !llvm::is_contained(kModels, modelName))
    return error("unknown model '" + modelName + "'; available: " +
                 llvm::join(ArrayRef<StringLiteral>(kModels), ", "));
  if (failed(checkModelOptions(modelName)))
    return failure();
  bool isWord2Vec = modelName == "word2vec";
  bool isResNet = modelName == "resnet-sparse";
  if (runOption && emit == "graph")
    return error("--run needs the whole pipeline; it cannot be combined "
                 "with --emit=graph");
  llvm::Expected<TargetSpec> spec = getTargetSpec(targetOption);
  if (!spec)
    return error(spec.takeError());
  if (runOption)
    if (llvm::Error err = checkRunnableOnHost(*spec))
      return error("--run: " + toString(std::move(err)));

  models::ResNet50Options resnet;
  if (isResNet) {
    resnet.batch = batchOption.getNumOccurrences() ? batchOption.getValue() : 1;
    resnet.imageSize = imageSizeOption;
    if (layerSparsityOption.getNumOccurrences())
      resnet.sparsity = {layerSparsityOption};
    if (!funcNameOption.empty())
      resnet.functionName = funcNameOption;
    if (std::string message = models::checkResNet50Options(resnet);
        !message.empty())
      return error("resnet-sparse: " + message);
  }
  models::Word2VecOptions model;
  if (isWord2Vec) {
    model.dim = dimOption;
    model.batch = batchOption;
    model.negatives = negativesOption;
    // fp32 and bf16 rounded in the graph (no policy pass, below) compute
    // only the used context rows; the policies need static shapes.
    if (word2vecBF16Option != "graph" && word2vecBF16Option != "mx-bf16")
      return error("--word2vec-bf16 must be graph or mx-bf16, not '" +
                   word2vecBF16Option.getValue() + "'");
    model.bf16Operands =
        precisionOption == "bf16" && word2vecBF16Option == "graph";
    model.trimToContexts = precisionOption == "fp32" || model.bf16Operands;
    if (indexTypeOption != "i32" && indexTypeOption != "i64")
      return error("--index-type must be i32 or i64, not '" + indexTypeOption +
                   "'");
    model.indexBitwidth = indexTypeOption == "i64" ? 64 : 32;
    if (!funcNameOption.empty())
      model.functionName = funcNameOption;
    if (std::string message = models::checkWord2VecOptions(model);
        !message.empty())
      return error("word2vec: " + message);
    // Without the K-TanH policy pass, the model is built with the K-TanH
    // sigmoid directly.
    if (activationsOption == "ktanh" && !isKTanhPolicyAvailable())
      model.sigmoid = models::Word2VecSigmoid::KTanh;
  }
  StringRef subject = isModel ? StringRef(modelName) : StringRef(inputFilename);
  std::string stem =
      isWord2Vec ? model.functionName
      : isResNet
          ? resnet.functionName
          : (inputFilename == "-" ? std::string("out")
                                  : llvm::sys::path::stem(inputFilename).str());
  std::string output = outputFilename.empty() ? defaultOutput(emit, stem)
                                              : outputFilename.getValue();
  if (emit == "shared" && output == "-")
    return error("--emit=shared cannot write to stdout; give -o FILE");

  DefaultTimingManager timingManager;
  applyDefaultTimingManagerCLOptions(timingManager);
  TimingScope timing = timingManager.getRootScope();

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  models::registerWord2VecDialects(registry);
  models::registerResNet50Dialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  // The graph.
  OwningOpRef<ModuleOp> module;
  {
    TimingScope scope = timing.nest(isModel ? "Build model" : "Parse input");
    if (isWord2Vec) {
      module = models::buildWord2VecStep(&context, model);
    } else if (isResNet) {
      module = models::buildResNet50(&context, resnet);
    } else {
      std::string message;
      std::unique_ptr<llvm::MemoryBuffer> file =
          openInputFile(inputFilename, &message);
      if (!file)
        return error("cannot read '" + inputFilename + "': " + message);
      sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
      module = parseSourceFile<ModuleOp>(sourceMgr, &context);
    }
    if (!module)
      return failure();
  }
  addCInterfaceAttributes(*module);
  if (flopsReportOption) {
    FailureOr<FlopsReport> report = computeFlopsReport(*module);
    if (failed(report))
      return failure();
    printFlopsReport(*report, llvm::errs());
  }

  Outputs outputs;
  if (!headerFilename.empty()) {
    std::string header;
    llvm::raw_string_ostream os(header);
    CHeaderOptions options;
    options.fileName = headerFilename;
    options.source = invocation;
    if (isWord2Vec) {
      std::string prefix = StringRef(model.functionName).upper();
      options.constants = {{prefix + "_DIM", model.dim},
                           {prefix + "_BATCH", model.batch},
                           {prefix + "_NEGATIVES", model.negatives},
                           {prefix + "_OUTPUTS", 1 + model.negatives}};
    }
    if (failed(emitCHeader(*module, os, options)) ||
        failed(outputs.add(headerFilename, header)))
      return failure();
  }
  std::optional<EntrySignature> entry;
  if (runOption && !isWord2Vec) {
    FailureOr<EntrySignature> found = findEntry(*module);
    if (failed(found))
      return failure();
    entry = *found;
  }

  // Policy and lowering.
  auto pm = PassManager::on<ModuleOp>(&context);
  if (failed(applyPassManagerCLOptions(pm)))
    return error("invalid pass manager options");
  PolicyOptions policy;
  policy.precision = model.bf16Operands ? "fp32" : precisionOption.getValue();
  policy.activations = activationsOption;
  policy.sparsity = sparsityOption;
  policy.matmulAccumulation = matmulAccumulationOption;
  if (llvm::Error err = addPolicyPasses(
          pm, policy, subject, model.sigmoid == models::Word2VecSigmoid::KTanh))
    return error(std::move(err));
  if (emit != "graph")
    addLoweringPasses(pm, *spec);
  if (printPipelineOption) {
    pm.printAsTextualPipeline(llvm::errs());
    llvm::errs() << "\n";
  }
  {
    TimingScope scope = timing.nest("MLIR pipeline");
    pm.enableTiming(scope);
    if (failed(pm.run(*module)))
      return failure();
  }

  if (emit == "graph" || emit == "mlir") {
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    if (failed(outputs.add(output, text)))
      return failure();
  } else if (!emit.empty()) {
    auto machine = createTargetMachine(*spec, optLevel);
    if (!machine)
      return error(machine.takeError());
    llvm::LLVMContext llvmContext;
    std::unique_ptr<llvm::Module> llvmModule;
    {
      TimingScope scope = timing.nest("Translate and optimize LLVM IR");
      auto translated =
          translateToLLVMIR(*module, llvmContext, **machine, optLevel);
      if (!translated)
        return error(translated.takeError());
      llvmModule = std::move(*translated);
    }
    if (emit == "llvm") {
      std::string text;
      llvm::raw_string_ostream os(text);
      llvmModule->print(os, nullptr);
      if (failed(outputs.add(output, text)))
        return failure();
    } else {
      std::string code;
      {
        TimingScope scope = timing.nest("Code generation");
        auto emitted = emitMachineCode(*llvmModule, **machine,
                                       emit == "asm" ? MachineCodeKind::Assembly
                                                     : MachineCodeKind::Object);
        if (!emitted)
          return error(emitted.takeError());
        code = std::move(*emitted);
      }
      if (emit != "shared") {
        if (failed(outputs.add(output, code)))
          return failure();
      } else {
        TimingScope scope = timing.nest("Link");
        auto driver = findLinkerDriver(linkerOption);
        if (!driver)
          return error(driver.takeError());
        SmallString<128> object;
        if (std::error_code ec =
                llvm::sys::fs::createTemporaryFile("mx-compile", "o", object))
          return error("cannot create a temporary file: " + ec.message());
        llvm::FileRemover removeObject(object);
        {
          std::error_code ec;
          llvm::raw_fd_ostream os(object, ec);
          if (ec)
            return error("cannot write '" + object + "': " + ec.message());
          os << code;
        }
        FailureOr<StringRef> library = outputs.create(output);
        if (failed(library))
          return failure();
        if (llvm::Error err =
                linkSharedLibrary(*driver, object, *library, *spec))
          return error(std::move(err));
      }
    }
  }

  if (runOption) {
    TimingScope scope = timing.nest("Run");
    RunOptions run;
    run.iterations = iterationsOption;
    run.dynamicSize = dynamicSizeOption;
    run.vocabulary = vocabOption;
    run.optLevel = optLevel;
    LogicalResult result =
        isWord2Vec ? runWord2Vec(*module, *spec, model, precisionOption,
                                 activationsOption == "ktanh", run)
                   : runEntry(*module, *spec, *entry, run);
    if (failed(result))
      return failure();
  }
  return outputs.commit();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::setBugReportMsg("mx-compile crashed: please report the input and "
                        "the command line to the mxir issue tracker.\n");
  // Passes first: --mlir-print-ir-after=<pass> lists the registered ones.
  registerCompilePasses();
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  // --help shows mx-compile's options and the MLIR ones worth knowing, not
  // the hundreds libLLVM registers (--help-hidden still lists them all).
  cl::OptionCategory mlirCategory("MLIR");
  auto &options = cl::getRegisteredOptions();
  for (StringRef name :
       {"mlir-timing", "mlir-timing-display", "mlir-print-ir-after",
        "mlir-print-ir-before", "mlir-print-ir-after-all",
        "mlir-print-ir-before-all", "mlir-print-debuginfo",
        "mlir-pass-statistics", "mlir-disable-threading"})
    if (cl::Option *option = options.lookup(name))
      option->addCategory(mlirCategory);
  cl::HideUnrelatedOptions({&inputCategory, &policyCategory, &outputCategory,
                            &runCategory, &mlirCategory});
  cl::ParseCommandLineOptions(
      argc, argv,
      "mx-compile: the mxir compiler driver\n\n"
      "  mx-compile --model=word2vec --dim=300 --precision=bf16 "
      "--emit=obj -o step.o --emit-header=step.h\n"
      "  mx-compile kernel.mlir --target=aarch64-neon --emit=shared -o k.so\n"
      "  mx-compile --model=word2vec --run\n"
      "  mx-compile --model=resnet-sparse --layer-sparsity=0.8 --flops-report "
      "--emit=graph -o /dev/null\n");
  return asMainReturnCode(compile(commandLine(argc, argv)));
}
