//===- Entry.cpp - Reading an entry function's boundary -------------------===//

#include "qnk/Dialect/QNK/IR/QNK.h"
#include "qnk/InitAll.h"
#include "qnk/Runner/Runner.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace qnk::runner;

int64_t EntryInfo::getNumLoweredArguments() const {
  int64_t n = 0;
  for (const TensorSpec &t : inputs)
    n += 3 + 2 * int64_t(t.getMemRefShape().size());
  for (const TensorSpec &t : results)
    n += 3 + 2 * int64_t(t.getMemRefShape().size());
  return n;
}

/// Reads one boundary type; `what` names it in diagnostics ("argument 1 of
/// 'mm'").
static FailureOr<TensorSpec> readBoundaryType(Type type, Location loc,
                                              const llvm::Twine &what) {
  auto tensorType = dyn_cast<RankedTensorType>(type);
  if (!tensorType)
    return emitError(loc) << what << " has type " << type
                          << "; entry functions must take and return ranked "
                             "tensors of static shape";
  if (!tensorType.hasStaticShape())
    return emitError(loc) << what << " has dynamic shape " << type
                          << "; entry functions must take and return tensors "
                             "of static shape";
  Type element = tensorType.getElementType();
  // A !quant.uniform tensor crosses the boundary as its storage tensor
  // (qnk-import-quant-types).
  if (auto q = dyn_cast<quant::QuantizedType>(element))
    element = IntegerType::get(q.getContext(), q.getStorageTypeIntegralWidth(),
                               q.isSigned() ? IntegerType::Signless
                                            : IntegerType::Unsigned);
  std::optional<ElementType> elementType = getElementType(element);
  if (!elementType)
    return emitError(loc) << what << " has unsupported element type "
                          << tensorType.getElementType()
                          << " (supported: f32, bf16, f16, f8E4M3FN, f8E5M2, "
                             "i8, ui8, i4, ui4, "
                             "i32, f4E2M1FN, f8E8M0FNU)";
  return TensorSpec{*elementType, llvm::to_vector(tensorType.getShape())};
}

/// Adds a matmul whose result has `resultElements` elements and whose
/// reduction has `k` elements (both static).
static void addMatmul(EntryInfo &info, int64_t resultElements, int64_t k) {
  info.flops += 2 * resultElements * k;
  info.maxReductionSize = std::max(info.maxReductionSize, k);
}

/// qnk.matmul / qnk.batch_matmul: K is the inner dimension of A, or the one
/// before it when A is stored transposed.
template <typename OpTy> static void addQnkMatmul(EntryInfo &info, OpTy op) {
  auto a = dyn_cast<RankedTensorType>(op.getA().getType());
  auto c = dyn_cast<RankedTensorType>(op.getC().getType());
  if (!a || !c || !a.hasStaticShape() || !c.hasStaticShape() || a.getRank() < 2)
    return;
  int64_t k = a.getShape()[a.getRank() - (op.getTransposeA() ? 2 : 1)];
  addMatmul(info, c.getNumElements(), k);
}

/// linalg.matmul / linalg.batch_matmul, whatever their indexing maps: the
/// product of the parallel loops times the product of the reduction loops.
static void addLinalgMatmul(EntryInfo &info, linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  int64_t parallel = 1, reduction = 1;
  for (auto [range, iterator] : llvm::zip_equal(ranges, iterators)) {
    if (ShapedType::isDynamic(range))
      return;
    (iterator == utils::IteratorType::reduction ? reduction : parallel) *=
        range;
  }
  addMatmul(info, parallel, reduction);
}

/// qnk.attention with pv_type: two roundings of a weight to that type
/// (twice its unit roundoff: 2^-8 for bf16's 8 bits, 2^-4 for E4M3's 4).
static void addAttention(EntryInfo &info, qnk::AttentionOp op) {
  Type pv = op.getPVTypeOrNull();
  if (!pv)
    return;
  double w = pv.isBF16() ? 0x1p-7 : 0x1p-3;
  info.weightRounding = std::max(info.weightRounding, w);
}

/// Counts the matmuls `func` runs, following calls into functions of
/// `module` (a recursive call is counted once).
static void countMatmuls(ModuleOp module, func::FuncOp func, EntryInfo &info,
                         llvm::SmallPtrSetImpl<Operation *> &active) {
  if (!active.insert(func).second)
    return;
  func.walk([&](Operation *op) {
    if (auto mm = dyn_cast<qnk::MatmulOp>(op))
      addQnkMatmul(info, mm);
    else if (auto bmm = dyn_cast<qnk::BatchMatmulOp>(op))
      addQnkMatmul(info, bmm);
    else if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op))
      addLinalgMatmul(info, cast<linalg::LinalgOp>(op));
    else if (auto attn = dyn_cast<qnk::AttentionOp>(op))
      addAttention(info, attn);
    else if (auto call = dyn_cast<func::CallOp>(op))
      if (auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee()))
        if (!callee.isDeclaration())
          countMatmuls(module, callee, info, active);
  });
  active.erase(func);
}

FailureOr<EntryInfo> qnk::runner::analyzeEntry(ModuleOp module,
                                               llvm::StringRef name) {
  auto func = module.lookupSymbol<func::FuncOp>(name);
  if (!func) {
    // A module the parser made implicitly sits at line 0, which no editor
    // can jump to: point at the start of the file instead.
    Location loc = module.getLoc();
    if (auto file = dyn_cast<FileLineColLoc>(loc); file && file.getLine() == 0)
      loc = FileLineColLoc::get(file.getFilename(), 1, 1);
    InFlightDiagnostic diag = emitError(loc)
                              << "entry function '" << name << "' not found";
    if (Operation *other = module.lookupSymbol(name)) {
      diag << ": '" << name << "' is a '" << other->getName()
           << "', not a 'func.func'";
      return failure();
    }
    SmallVector<StringRef> names;
    for (auto f : module.getOps<func::FuncOp>())
      if (!f.isDeclaration())
        names.push_back(f.getSymName());
    if (names.empty())
      diag.attachNote() << "the module defines no func.func";
    else
      diag.attachNote() << "functions defined here: "
                        << llvm::join(names, ", ");
    return failure();
  }
  if (func.isDeclaration())
    return emitError(func.getLoc())
           << "entry function '" << name << "' is a declaration (no body)";

  EntryInfo info(func.getLoc());
  info.name = name.str();
  for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
    FailureOr<TensorSpec> type =
        readBoundaryType(arg.getType(), arg.getLoc(),
                         "argument " + llvm::Twine(i) + " of '" + name + "'");
    if (failed(type))
      return failure();
    info.inputs.push_back(*type);
    info.inputLocs.push_back(arg.getLoc());
  }
  for (auto [i, type] : llvm::enumerate(func.getResultTypes())) {
    FailureOr<TensorSpec> result = readBoundaryType(
        type, func.getLoc(), "result " + llvm::Twine(i) + " of '" + name + "'");
    if (failed(result))
      return failure();
    info.results.push_back(*result);
  }
  if (info.results.empty())
    return emitError(func.getLoc())
           << "entry function '" << name
           << "' returns nothing; it must return at least one tensor";
  llvm::SmallPtrSet<Operation *, 4> active;
  countMatmuls(module, func, info, active);
  return info;
}

qnk::runner::InputSession::InputSession() {
  mlir::DialectRegistry registry;
  qnk::registerAllDialects(registry);
  context = std::make_unique<mlir::MLIRContext>(
      registry, mlir::MLIRContext::Threading::DISABLED);
  sourceMgr = std::make_unique<llvm::SourceMgr>();
  diagnostics = std::make_unique<mlir::SourceMgrDiagnosticHandler>(
      *sourceMgr, context.get());
}

qnk::runner::InputSession::~InputSession() = default;

mlir::LogicalResult qnk::runner::InputSession::load(llvm::StringRef path,
                                                    llvm::StringRef name,
                                                    std::string &error) {
  std::unique_ptr<llvm::MemoryBuffer> file = mlir::openInputFile(path, &error);
  if (!file)
    return mlir::failure();
  sourceMgr->AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  module = mlir::parseSourceFile<mlir::ModuleOp>(*sourceMgr, context.get());
  if (!module)
    return mlir::failure();
  mlir::FailureOr<EntryInfo> info = analyzeEntry(*module, name);
  if (mlir::failed(info))
    return mlir::failure();
  entry.emplace(std::move(*info));
  return mlir::success();
}
