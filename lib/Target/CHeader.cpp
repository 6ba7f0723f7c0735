//===- CHeader.cpp - C declarations of compiled entry points ------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Target/CHeader.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Path.h"

#include <map>
#include <optional>

using namespace mlir;
using namespace mlir::mx;

namespace {

constexpr StringLiteral kCInterfaceAttr = "llvm.emit_c_interface";

/// C storage type of a memref element, and the name used in struct names.
struct ElementInfo {
  std::string cType;
  std::string tag;
};

std::optional<ElementInfo> getElementInfo(Type type) {
  if (type.isF32())
    return ElementInfo{"float", "f32"};
  if (type.isF64())
    return ElementInfo{"double", "f64"};
  if (type.isIndex())
    return ElementInfo{"int64_t", "index"};
  if (auto floatType = dyn_cast<FloatType>(type)) {
    // Narrow floats are stored as their bit patterns.
    std::string tag;
    llvm::raw_string_ostream os(tag);
    type.print(os);
    tag = StringRef(tag).lower();
    if (floatType.getWidth() == 16)
      return ElementInfo{"uint16_t", tag};
    if (floatType.getWidth() <= 8)
      return ElementInfo{"uint8_t", tag};
    return std::nullopt;
  }
  if (auto intType = dyn_cast<IntegerType>(type)) {
    unsigned width = intType.getWidth();
    bool isUnsigned = intType.isUnsigned();
    std::string prefix = isUnsigned ? "u" : "i";
    if (width <= 8)
      return ElementInfo{width == 8 && !isUnsigned ? "int8_t" : "uint8_t",
                         prefix + std::to_string(width)};
    if (width == 16 || width == 32 || width == 64)
      return ElementInfo{(isUnsigned ? "uint" : "int") + std::to_string(width) +
                             "_t",
                         prefix + std::to_string(width)};
  }
  return std::nullopt;
}

/// C type of a scalar passed by value.
std::optional<std::string> getScalarCType(Type type) {
  if (type.isF32())
    return std::string("float");
  if (type.isF64())
    return std::string("double");
  if (type.isIndex())
    return std::string("int64_t");
  if (auto intType = dyn_cast<IntegerType>(type)) {
    unsigned width = intType.getWidth();
    if (width == 8 || width == 16 || width == 32 || width == 64)
      return (intType.isUnsigned() ? "uint" : "int") + std::to_string(width) +
             "_t";
  }
  return std::nullopt;
}

/// A ranked memref as the C interface passes it.
struct MemRefInfo {
  ElementInfo element;
  SmallVector<int64_t> shape;
  std::string structName() const {
    return "mx_memref_" + element.tag + "_" + std::to_string(shape.size()) +
           "d";
  }
};

/// The memref a function-boundary value becomes, or std::nullopt for a
/// scalar.
FailureOr<std::optional<MemRefInfo>> getMemRefInfo(Type type) {
  ShapedType shaped;
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    shaped = tensor;
  else if (auto memref = dyn_cast<MemRefType>(type))
    shaped = memref;
  else if (isa<ShapedType>(type))
    return failure();
  else
    return std::optional<MemRefInfo>();
  std::optional<ElementInfo> element = getElementInfo(shaped.getElementType());
  if (!element)
    return failure();
  return std::optional<MemRefInfo>(
      MemRefInfo{*element, SmallVector<int64_t>(shaped.getShape().begin(),
                                                shaped.getShape().end())});
}

bool isCKeyword(StringRef name) {
  static const llvm::StringSet<> keywords = {
      "auto",     "break",    "case",     "char",    "const",   "continue",
      "default",  "do",       "double",   "else",    "enum",    "extern",
      "float",    "for",      "goto",     "if",      "inline",  "int",
      "long",     "register", "restrict", "return",  "short",   "signed",
      "sizeof",   "static",   "struct",   "switch",  "typedef", "union",
      "unsigned", "void",     "volatile", "while",   "bool",    "class",
      "new",      "delete",   "this",     "template"};
  return keywords.contains(name);
}

/// A C identifier made of `name`.
std::string sanitize(StringRef name) {
  std::string result;
  for (char c : name)
    result += llvm::isAlnum(c) ? c : '_';
  if (result.empty() || llvm::isDigit(result[0]))
    result = "_" + result;
  if (isCKeyword(result))
    result += "_";
  return result;
}

/// Parameter names: the arguments' name locations, else argN; unique.
SmallVector<std::string> getParameterNames(func::FuncOp func) {
  SmallVector<std::string> names;
  // The wrappers' own names for results.
  llvm::StringSet<> used = {"result", "results"};
  for (BlockArgument argument : func.getArguments()) {
    std::string name;
    if (auto nameLoc = dyn_cast<NameLoc>(argument.getLoc()))
      name = sanitize(nameLoc.getName().getValue());
    if (name.empty() || used.contains(name) || StringRef(name).starts_with("_"))
      name = "arg" + std::to_string(argument.getArgNumber());
    used.insert(name);
    names.push_back(name);
  }
  return names;
}

std::string guardFrom(StringRef fileName) {
  std::string guard = "MXC_";
  for (char c : llvm::sys::path::filename(fileName))
    guard += llvm::isAlnum(c) ? llvm::toUpper(c) : '_';
  return guard;
}

void emitDescriptorStruct(llvm::raw_ostream &os, const MemRefInfo &info) {
  std::string name = info.structName();
  std::string macro = StringRef(name).upper() + "_DEFINED";
  const std::string &t = info.element.cType;
  os << "#ifndef " << macro << "\n#define " << macro << "\n"
     << "typedef struct " << name << " {\n"
     << "  " << t << " *allocated;\n"
     << "  " << t << " *aligned;\n"
     << "  int64_t offset;\n";
  if (!info.shape.empty())
    os << "  int64_t sizes[" << info.shape.size() << "];\n"
       << "  int64_t strides[" << info.shape.size() << "];\n";
  os << "} " << name << ";\n#endif\n\n";
}

std::string printType(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type.print(os);
  return text;
}

struct FunctionHeader {
  std::string name;
  SmallVector<std::string> paramNames;
  SmallVector<std::optional<MemRefInfo>> params;
  SmallVector<std::string> scalarTypes; // C type per scalar param, else ""
  SmallVector<std::optional<MemRefInfo>> results;
  SmallVector<std::string> resultScalarTypes;
  std::string signature;
};

FailureOr<FunctionHeader> describe(func::FuncOp func) {
  FunctionHeader header;
  header.name = func.getSymName().str();
  header.paramNames = getParameterNames(func);
  auto reject = [&](Type type, StringRef what) {
    func.emitError("cannot express ")
        << what << " type " << type << " of @" << header.name
        << " in C (supported: ranked tensors and memrefs of "
           "f32/f64/integers/index/narrow floats, and f32, f64, i8-i64, "
           "index scalars)";
    return failure();
  };
  for (Type type : func.getArgumentTypes()) {
    FailureOr<std::optional<MemRefInfo>> info = getMemRefInfo(type);
    if (failed(info))
      return reject(type, "argument");
    std::string scalar;
    if (!*info) {
      std::optional<std::string> c = getScalarCType(type);
      if (!c)
        return reject(type, "argument");
      scalar = *c;
    }
    header.params.push_back(*info);
    header.scalarTypes.push_back(scalar);
  }
  for (Type type : func.getResultTypes()) {
    FailureOr<std::optional<MemRefInfo>> info = getMemRefInfo(type);
    if (failed(info))
      return reject(type, "result");
    std::string scalar;
    if (!*info) {
      std::optional<std::string> c = getScalarCType(type);
      if (!c)
        return reject(type, "result");
      scalar = *c;
    }
    header.results.push_back(*info);
    header.resultScalarTypes.push_back(scalar);
  }
  llvm::raw_string_ostream os(header.signature);
  os << "@" << header.name << "(";
  llvm::interleaveComma(llvm::zip(header.paramNames, func.getArgumentTypes()),
                        os, [&](auto pair) {
                          os << std::get<0>(pair) << ": "
                             << printType(std::get<1>(pair));
                        });
  os << ")";
  if (func.getNumResults()) {
    os << " -> (";
    llvm::interleaveComma(func.getResultTypes(), os,
                          [&](Type type) { os << printType(type); });
    os << ")";
  }
  return header;
}

/// The C type of result `i` as stored in a results struct or returned.
std::string resultCType(const FunctionHeader &header, unsigned i) {
  if (header.results[i])
    return header.results[i]->structName();
  return header.resultScalarTypes[i];
}

void emitFunction(llvm::raw_ostream &os, const FunctionHeader &header) {
  const std::string &name = header.name;
  // How results come back: void, a scalar return value, or through a
  // pointer to a descriptor / struct passed first.
  std::string returnType = "void";
  std::string resultParam;
  if (header.results.size() == 1 && !header.results[0]) {
    returnType = header.resultScalarTypes[0];
  } else if (header.results.size() == 1) {
    resultParam = header.results[0]->structName() + " *result";
  } else if (header.results.size() > 1) {
    std::string structName = name + "_results";
    os << "/* The results of @" << name << ", in order. */\n"
       << "typedef struct " << structName << " {\n";
    for (unsigned i = 0; i < header.results.size(); ++i)
      os << "  " << resultCType(header, i) << " r" << i << ";\n";
    os << "} " << structName << ";\n\n";
    resultParam = structName + " *results";
  }

  SmallVector<std::string> params;
  if (!resultParam.empty())
    params.push_back(resultParam);
  for (unsigned i = 0; i < header.params.size(); ++i) {
    if (header.params[i])
      params.push_back(header.params[i]->structName() + " *" +
                       header.paramNames[i]);
    else
      params.push_back(header.scalarTypes[i] + " " + header.paramNames[i]);
  }
  os << "/* func.func " << header.signature << " */\n"
     << returnType << " _mlir_ciface_" << name << "("
     << (params.empty() ? "void" : llvm::join(params, ", ")) << ");\n\n";

  // The plain-pointer wrapper: row-major arrays, one int64_t per dynamic
  // extent.
  SmallVector<std::string> wrapperParams, body, callArgs;
  if (!resultParam.empty()) {
    wrapperParams.push_back(resultParam);
    callArgs.push_back(header.results.size() == 1 ? "result" : "results");
  }
  for (unsigned i = 0; i < header.params.size(); ++i) {
    const std::string &param = header.paramNames[i];
    if (!header.params[i]) {
      wrapperParams.push_back(header.scalarTypes[i] + " " + param);
      callArgs.push_back(param);
      continue;
    }
    const MemRefInfo &info = *header.params[i];
    wrapperParams.push_back(info.element.cType + " *" + param);
    SmallVector<std::string> sizes;
    for (auto [dim, extent] : llvm::enumerate(info.shape)) {
      if (ShapedType::isDynamic(extent)) {
        std::string dimName = param + "_dim" + std::to_string(dim);
        wrapperParams.push_back("int64_t " + dimName);
        sizes.push_back(dimName);
      } else {
        sizes.push_back(std::to_string(extent));
      }
    }
    SmallVector<std::string> strides(sizes.size());
    std::string stride = "1";
    for (int64_t dim = int64_t(sizes.size()) - 1; dim >= 0; --dim) {
      strides[dim] = stride;
      stride = stride == "1" ? sizes[dim] : stride + " * " + sizes[dim];
    }
    std::string descriptor = param + "_memref";
    std::string init = "{" + param + ", " + param + ", 0";
    if (!sizes.empty())
      init += ", {" + llvm::join(sizes, ", ") + "}, {" +
              llvm::join(strides, ", ") + "}";
    init += "}";
    body.push_back("  " + info.structName() + " " + descriptor + " = " + init +
                   ";");
    callArgs.push_back("&" + descriptor);
  }
  os << "/* @" << name << " on plain row-major arrays. */\n"
     << "static inline " << returnType << " mx_call_" << name << "("
     << (wrapperParams.empty() ? "void" : llvm::join(wrapperParams, ", "))
     << ") {\n";
  for (const std::string &line : body)
    os << line << "\n";
  os << "  " << (returnType == "void" ? "" : "return ") << "_mlir_ciface_"
     << name << "(" << llvm::join(callArgs, ", ") << ");\n}\n\n";
}

} // namespace

void mx::addCInterfaceAttributes(ModuleOp module) {
  UnitAttr unit = UnitAttr::get(module.getContext());
  for (auto func : module.getOps<func::FuncOp>())
    if (func.isPublic() && !func.isExternal())
      func->setAttr(kCInterfaceAttr, unit);
}

LogicalResult mx::emitCHeader(ModuleOp module, llvm::raw_ostream &os,
                              const CHeaderOptions &options) {
  std::vector<FunctionHeader> functions;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!func.isPublic() || func.isExternal() ||
        !func->hasAttr(kCInterfaceAttr))
      continue;
    FailureOr<FunctionHeader> header = describe(func);
    if (failed(header))
      return failure();
    functions.push_back(std::move(*header));
  }

  std::string guard =
      options.guard.empty()
          ? guardFrom(options.fileName.empty() ? "module.h" : options.fileName)
          : options.guard;
  os << "/*===- " << llvm::sys::path::filename(options.fileName)
     << " - generated by mx-compile ---------------------------===*\n"
     << " *\n"
     << " * C interface of a module compiled by mxir's mx-compile";
  if (!options.source.empty())
    os << ", from\n *   " << options.source;
  os << ".\n"
     << " * Do not edit. The ABI (memref descriptors, _mlir_ciface_*, the\n"
     << " * mx_call_* wrappers, ownership) is described in docs/abi.md.\n"
     << " *\n"
     << " *===-------------------------------------------------------------"
        "---------===*/\n\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  for (const auto &[name, value] : options.constants)
    os << "#define " << name << " " << value << "\n";
  if (!options.constants.empty())
    os << "\n";

  std::map<std::string, MemRefInfo> structs;
  for (const FunctionHeader &header : functions) {
    for (const std::optional<MemRefInfo> &info : header.params)
      if (info)
        structs.emplace(info->structName(), *info);
    for (const std::optional<MemRefInfo> &info : header.results)
      if (info)
        structs.emplace(info->structName(), *info);
  }
  if (!structs.empty())
    os << "/* Ranked memref descriptors, laid out as MLIR passes them. */\n";
  for (const auto &entry : structs)
    emitDescriptorStruct(os, entry.second);
  for (const FunctionHeader &header : functions)
    emitFunction(os, header);
  os << "#ifdef __cplusplus\n} /* extern \"C\" */\n#endif\n\n"
     << "#endif /* " << guard << " */\n";
  return success();
}
