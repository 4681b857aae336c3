//===- Intrinsics.cpp - LLVM intrinsics ahead of bufferization ------------===//

#include "qnk/Transforms/Intrinsics.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;

Value qnk::callIntrinsic(OpBuilder &b, Location loc, ModuleOp module,
                         StringRef name, Type result, ValueRange args) {
  auto fn = module.lookupSymbol<LLVM::LLVMFuncOp>(name);
  if (!fn) {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToEnd(module.getBody());
    auto fnTy = LLVM::LLVMFunctionType::get(
        result ? result : LLVM::LLVMVoidType::get(b.getContext()),
        llvm::to_vector(args.getTypes()));
    fn = LLVM::LLVMFuncOp::create(b, loc, name, fnTy);
  }
  auto call = LLVM::CallOp::create(b, loc, fn, args);
  return result ? call.getResult() : Value();
}
