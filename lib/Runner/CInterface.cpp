//===- CInterface.cpp - Objects with a plain C entry point ----------------===//
//
// A C caller has dense arrays, not memref descriptors. For static shapes the
// descriptor fields are all known except the pointers, so the exported
// function takes one pointer per tensor and fills in the rest.
//
//===----------------------------------------------------------------------===//

#include "CodegenUtils.h"
#include "qnk/Runner/Runner.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

using namespace qnk::runner;

bool qnk::runner::isValidCIdentifier(llvm::StringRef name) {
  if (name.empty() || llvm::isDigit(name.front()))
    return false;
  return llvm::all_of(name,
                      [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

/// Replaces the entry `NAME` by `void NAME(T *arg0, ..., T *result0, ...)`
/// around the original (renamed and made internal, so it is inlined), and
/// makes every other definition internal so that NAME is the one export.
static llvm::Error addCWrapper(llvm::Module &module, const EntryInfo &entry) {
  llvm::Function *impl = module.getFunction(entry.name);
  if (!impl || impl->isDeclaration())
    return llvm::createStringError("'" + entry.name +
                                   "' is missing from the LLVM module");
  impl->setName("__qnk_impl_" + entry.name);
  impl->setLinkage(llvm::GlobalValue::InternalLinkage);

  llvm::LLVMContext &context = module.getContext();
  llvm::Type *ptrType = llvm::PointerType::getUnqual(context);
  size_t numTensors = entry.inputs.size() + entry.results.size();
  auto *type = llvm::FunctionType::get(
      llvm::Type::getVoidTy(context),
      llvm::SmallVector<llvm::Type *>(numTensors, ptrType), false);
  llvm::Function *wrapper = llvm::Function::Create(
      type, llvm::GlobalValue::ExternalLinkage, entry.name, module);
  wrapper->addFnAttr(llvm::Attribute::NoUnwind);

  llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", wrapper));
  llvm::SmallVector<llvm::Value *> args;
  auto addDescriptor = [&](llvm::Value *ptr, const TensorSpec &t) {
    args.push_back(ptr); // Allocated pointer.
    args.push_back(ptr); // Aligned pointer.
    args.push_back(b.getInt64(0));
    llvm::SmallVector<int64_t> shape = t.getMemRefShape();
    for (int64_t d : shape)
      args.push_back(b.getInt64(d));
    int64_t stride = 1;
    llvm::SmallVector<llvm::Value *> strides;
    for (int64_t d : llvm::reverse(shape)) {
      strides.push_back(b.getInt64(stride));
      stride *= d;
    }
    args.append(strides.rbegin(), strides.rend());
  };
  unsigned argNo = 0;
  for (const TensorSpec &t : entry.inputs) {
    llvm::Argument *arg = wrapper->getArg(argNo++);
    arg->setName("arg" + llvm::Twine(argNo - 1));
    addDescriptor(arg, t);
  }
  for (auto [i, t] : llvm::enumerate(entry.results)) {
    llvm::Argument *arg = wrapper->getArg(argNo++);
    arg->setName("result" + llvm::Twine(i));
    addDescriptor(arg, t);
  }
  if (args.size() != impl->arg_size())
    return llvm::createStringError(
        "'" + entry.name + "' takes " + llvm::Twine(impl->arg_size()) +
        " arguments after lowering, expected " + llvm::Twine(args.size()));
  b.CreateCall(impl, args);
  b.CreateRetVoid();

  for (llvm::Function &f : module)
    if (!f.isDeclaration() && &f != wrapper)
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
  // llvm.global_ctors/dtors keep their appending linkage: GPU code loads
  // its kernels from a constructor.
  for (llvm::GlobalVariable &g : module.globals())
    if (!g.isDeclaration() && !g.hasAppendingLinkage())
      g.setLinkage(llvm::GlobalValue::InternalLinkage);
  return llvm::Error::success();
}

llvm::Error qnk::runner::emitCInterfaceObject(mlir::ModuleOp lowered,
                                              const EntryInfo &entry,
                                              const TargetSpec &target,
                                              llvm::CodeGenFileType fileType,
                                              llvm::raw_pwrite_stream &os) {
  if (!isValidCIdentifier(entry.name))
    return llvm::createStringError("entry '" + entry.name +
                                   "' is not a valid C function name");
  if (failed(detail::checkLoweredEntry(lowered, entry)))
    return llvm::createStringError("the lowered entry has an unexpected ABI");
  auto tm = createTargetMachine(target.resolved,
                                llvm::Triple("x86_64-unknown-linux-gnu"),
                                /*forJIT=*/false);
  if (!tm)
    return tm.takeError();
  llvm::LLVMContext context;
  auto module = detail::translateAndOptimize(
      lowered, context, **tm, target.resolved,
      [&](llvm::Module &m) { return addCWrapper(m, entry); });
  if (!module)
    return module.takeError();
  return detail::emitCode(**module, **tm, fileType, os);
}

static llvm::StringRef getCType(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return "float";
  case ElementType::BF16:
  case ElementType::F16:
    // C has no portable 16-bit float type: the caller passes bit patterns.
    return "uint16_t";
  case ElementType::F8E4M3FN:
  case ElementType::F8E5M2:
  case ElementType::F8E8M0FNU:
    return "uint8_t"; // fp8 bit patterns
  case ElementType::I8:
    return "int8_t";
  case ElementType::UI8:
    return "uint8_t";
  case ElementType::I4:
  case ElementType::UI4:
  case ElementType::F4E2M1FN:
    return "uint8_t"; // two elements per byte, the even one in the low nibble
  case ElementType::I32:
    return "int32_t";
  }
  llvm_unreachable("unknown element type");
}

/// Greedy line filling of `words` (separated by `sep`) at `width` columns,
/// each line starting with `prefix`.
static void wrap(llvm::raw_ostream &os, llvm::ArrayRef<std::string> words,
                 llvm::StringRef sep, llvm::StringRef prefix, size_t width) {
  size_t column = 0;
  for (auto [i, word] : llvm::enumerate(words)) {
    std::string item = word + (i + 1 < words.size() ? sep.str() : "");
    if (column == 0 || column + item.size() > width) {
      if (column != 0)
        os << '\n';
      os << prefix;
      column = prefix.size();
    }
    os << item;
    column += item.size();
  }
  os << '\n';
}

std::string qnk::runner::generateCHeader(const EntryInfo &entry,
                                         const TargetSpec &target,
                                         llvm::StringRef sourceName) {
  struct Param {
    std::string name, role, type, cType, array;
  };
  llvm::SmallVector<Param> params;
  auto addParam = [&](std::string name, bool isInput, const TensorSpec &t) {
    std::string array = getCType(t.elementType).str();
    for (int64_t d : t.shape)
      array += "[" + std::to_string(d) + "]";
    params.push_back(
        {std::move(name), isInput ? "input" : "output", t.str(),
         (isInput ? "const " : "") + getCType(t.elementType).str() + " *",
         array});
  };
  for (auto [i, t] : llvm::enumerate(entry.inputs))
    addParam("arg" + std::to_string(i), true, t);
  for (auto [i, t] : llvm::enumerate(entry.results))
    addParam("result" + std::to_string(i), false, t);

  std::string guard = "QNK_" + llvm::StringRef(entry.name).upper() + "_H";
  std::string declaration = "void " + entry.name + "(";
  for (auto [i, p] : llvm::enumerate(params))
    declaration += (i ? ", " : "") + p.cType + p.name;
  declaration += ")";

  std::string text;
  llvm::raw_string_ostream os(text);
  os << "/* Generated by qnk-compile from '" << sourceName << "', entry @"
     << entry.name << ", for target " << target.resolved.cpu;
  if (target.name != target.resolved.cpu)
    os << " (" << target.name << ")";
  os << ".\n *\n";
  size_t nameWidth = 8, typeWidth = 4;
  for (const Param &p : params) {
    nameWidth = std::max(nameWidth, p.name.size() + 2);
    typeWidth = std::max(typeWidth, p.type.size() + 2);
  }
  for (const Param &p : params)
    os << " *   " << llvm::left_justify(p.name, nameWidth)
       << llvm::left_justify(p.role, 8) << llvm::left_justify(p.type, typeWidth)
       << p.array << "\n";
  os << " *\n"
        " * Every buffer is dense and row-major (C order). Outputs are fully\n"
        " * written and must not overlap the inputs. bf16 and f16 elements "
        "are\n"
        " * passed as their 16-bit patterns (uint16_t).\n"
        " *\n"
        " * Runs on CPUs with these features (and needs only libc: malloc, "
        "free):\n";
  llvm::SmallVector<std::string> features(target.resolved.features.begin(),
                                          target.resolved.features.end());
  wrap(os, features, ",", " *   ", 76);
  os << " */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n\n";
  if (target.resolved.has("amx-tile"))
    os << "/* AMX: Linux grants the tile state only on request. Call this\n"
          " * once per process before the first call (0 on success); without\n"
          " * it the first tile instruction faults. */\n"
          "#if defined(__linux__) && !defined(QNK_REQUEST_AMX_DEFINED)\n"
          "#define QNK_REQUEST_AMX_DEFINED\n"
          "#include <sys/syscall.h>\n#include <unistd.h>\n"
          "static inline int qnk_request_amx(void) {\n"
          "  return (int)syscall(SYS_arch_prctl, 0x1023 /* "
          "ARCH_REQ_XCOMP_PERM */,\n"
          "                      18 /* XFEATURE_XTILEDATA */);\n}\n"
          "#endif\n\n";
  os << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
     << declaration << ";\n\n"
     << "#ifdef __cplusplus\n} /* extern \"C\" */\n#endif\n\n"
     << "#endif /* " << guard << " */\n";
  return text;
}
