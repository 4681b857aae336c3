/*===- qnk-capi-test.c - Test of QNK's C API ------------------------------===*\
|*                                                                            *|
|* Built as qnk-capi-test; this file is also its lit test.                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

/* RUN: qnk-capi-test | FileCheck %s
 */
// CHECK-LABEL: dialect: qnk

#include "qnk-c/QNK.h"

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kMatmul =
    "func.func @mm(%a: tensor<8x16xf32>, %b: tensor<16x8xf32>)\n"
    "    -> tensor<8x8xf32> {\n"
    "  %c = qnk.matmul %a, %b\n"
    "      : tensor<8x16xf32>, tensor<16x8xf32> -> tensor<8x8xf32>\n"
    "  return %c : tensor<8x8xf32>\n"
    "}\n";

/* Appends every piece a callback receives, so that checks see it whole. */
typedef struct {
  char text[16384];
  size_t size;
  size_t calls;
} Buffer;

static void append(MlirStringRef piece, void *userData) {
  Buffer *buffer = (Buffer *)userData;
  size_t room = sizeof(buffer->text) - 1 - buffer->size;
  size_t n = piece.length < room ? piece.length : room;
  memcpy(buffer->text + buffer->size, piece.data, n);
  buffer->size += n;
  buffer->text[buffer->size] = '\0';
  ++buffer->calls;
}

/* Counts the bytes of an object file and keeps its first four. */
typedef struct {
  size_t size;
  unsigned char magic[4];
  Buffer errors;
} Object;

static void appendObject(MlirStringRef piece, void *userData) {
  Object *object = (Object *)userData;
  for (size_t i = 0; i < piece.length; ++i)
    if (object->size + i < 4)
      object->magic[object->size + i] = (unsigned char)piece.data[i];
  object->size += piece.length;
}

static void appendObjectError(MlirStringRef piece, void *userData) {
  append(piece, &((Object *)userData)->errors);
}

static MlirModule parse(MlirContext ctx, const char *source) {
  return mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(source));
}

static int hasLLVMFunc(MlirModule module, const char *name) {
  Buffer printed = {{0}, 0, 0};
  mlirOperationPrint(mlirModuleGetOperation(module), append, &printed);
  return strstr(printed.text, name) != NULL;
}

static MlirLogicalResult run(MlirModule module, const char *pipeline,
                             Buffer *errors) {
  return qnkRunPassPipeline(module, mlirStringRefCreateFromCString(pipeline),
                            append, errors);
}

/* The CPU pipeline, given as text, lowers qnk.matmul to the LLVM dialect. */
static void testPipeline(MlirContext ctx) {
  MlirModule module = parse(ctx, kMatmul);
  Buffer errors = {{0}, 0, 0};
  MlirLogicalResult result =
      run(module, "qnk-cpu-pipeline{target=haswell}", &errors);
  printf("pipeline: %s, errors: %zu calls\n",
         mlirLogicalResultIsSuccess(result) ? "success" : "failure",
         errors.calls);
  printf("llvm.func @mm: %d\n", hasLLVMFunc(module, "llvm.func @mm"));
  mlirModuleDestroy(module);
}
// CHECK-LABEL: pipeline: success, errors: 0 calls
// CHECK-NEXT: llvm.func @mm: 1

/* Anchored pipelines work as well. */
static void testAnchoredPipeline(MlirContext ctx) {
  MlirModule module = parse(ctx, kMatmul);
  Buffer errors = {{0}, 0, 0};
  MlirLogicalResult result =
      run(module, "builtin.module(qnk-set-target{target=znver3},qnk-pack)",
          &errors);
  Buffer printed = {{0}, 0, 0};
  mlirOperationPrint(mlirModuleGetOperation(module), append, &printed);
  printf("anchored: %s, packed: %d\n",
         mlirLogicalResultIsSuccess(result) ? "success" : "failure",
         strstr(printed.text, "qnk.packed_matmul") != NULL);
  mlirModuleDestroy(module);
}
// CHECK-LABEL: anchored: success, packed: 1

/* A diagnostic from a pass reaches the caller, with its location. */
static void testPassError(MlirContext ctx) {
  MlirModule module = parse(ctx, kMatmul);
  Buffer errors = {{0}, 0, 0};
  MlirLogicalResult result =
      run(module, "qnk-cpu-pipeline{target=pentium9}", &errors);
  printf("bad target: %s\n%s",
         mlirLogicalResultIsFailure(result) ? "failure" : "success",
         errors.text);
  mlirModuleDestroy(module);
}
// CHECK-LABEL: bad target: failure
// CHECK: error: unknown target CPU 'pentium9'

/* So does a pipeline that does not parse; nothing runs. */
static void testSyntaxError(MlirContext ctx) {
  MlirModule module = parse(ctx, kMatmul);
  Buffer errors = {{0}, 0, 0};
  MlirLogicalResult result = run(module, "qnk-no-such-pass", &errors);
  printf("bad pipeline: %s\n%s",
         mlirLogicalResultIsFailure(result) ? "failure" : "success",
         errors.text);
  errors.size = 0;
  errors.text[0] = '\0';
  result = run(module, "qnk-cpu-pipeline{tile=4}", &errors);
  printf("bad option: %s\n%s",
         mlirLogicalResultIsFailure(result) ? "failure" : "success",
         errors.text);
  printf("untouched: %d\n", !hasLLVMFunc(module, "llvm.func"));
  mlirModuleDestroy(module);
}
// CHECK-LABEL: bad pipeline: failure
// CHECK: 1:1: error: 'qnk-no-such-pass' does not refer to a registered pass
// CHECK-LABEL: bad option: failure
// CHECK-NEXT: failed to add `qnk-cpu-pipeline` with options `tile=4`
// CHECK-NEXT: untouched: 1

/* Ahead of time: an ELF object; errors come back as text. */
static void testCompileToObject(MlirContext ctx) {
  MlirModule module = parse(ctx, kMatmul);
  Object object = {0, {0}, {{0}, 0, 0}};
  MlirLogicalResult result =
      qnkCompileToObject(module, mlirStringRefCreateFromCString("mm"),
                         mlirStringRefCreateFromCString("haswell"),
                         mlirStringRefCreateFromCString(""), 1, appendObject,
                         appendObjectError, &object);
  printf("object: %s, ELF: %d, non-empty: %d\n%s",
         mlirLogicalResultIsSuccess(result) ? "success" : "failure",
         memcmp(object.magic, "\177ELF", 4) == 0, object.size > 64,
         object.errors.text);
  printf("module kept: %d\n", !hasLLVMFunc(module, "llvm.func"));

  Object missing = {0, {0}, {{0}, 0, 0}};
  result = qnkCompileToObject(module, mlirStringRefCreateFromCString("nope"),
                              mlirStringRefCreateFromCString("haswell"),
                              mlirStringRefCreateFromCString(""), 1,
                              appendObject, appendObjectError, &missing);
  printf("missing entry: %s, bytes: %zu\n%s",
         mlirLogicalResultIsFailure(result) ? "failure" : "success",
         missing.size, missing.errors.text);

  Object feature = {0, {0}, {{0}, 0, 0}};
  result = qnkCompileToObject(module, mlirStringRefCreateFromCString("mm"),
                              mlirStringRefCreateFromCString("haswell"),
                              mlirStringRefCreateFromCString("+nosuchfeature"),
                              1, appendObject, appendObjectError, &feature);
  printf("bad feature: %s\n%s",
         mlirLogicalResultIsFailure(result) ? "failure" : "success",
         feature.errors.text);
  mlirModuleDestroy(module);
}
// CHECK-LABEL: object: success, ELF: 1, non-empty: 1
// CHECK-NEXT: module kept: 1
// CHECK-LABEL: missing entry: failure, bytes: 0
// CHECK-NEXT: error: {{.*}}nope
// CHECK-LABEL: bad feature: failure
// CHECK-NEXT: nosuchfeature

int main(void) {
  /* Twice: a host program may not know whether another user of QNK in the
     process registered already. */
  qnkRegisterAllPasses();
  qnkRegisterAllPasses();

  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  qnkRegisterAllDialects(registry);
  MlirContext ctx = mlirContextCreateWithRegistry(registry, false);
  mlirDialectRegistryDestroy(registry);

  MlirDialectHandle qnk = mlirGetDialectHandle__qnk__();
  MlirStringRef ns = mlirDialectHandleGetNamespace(qnk);
  printf("dialect: %.*s\n", (int)ns.length, ns.data);

  testPipeline(ctx);
  testAnchoredPipeline(ctx);
  testPassError(ctx);
  testSyntaxError(ctx);
  testCompileToObject(ctx);

  mlirContextDestroy(ctx);
  printf("done\n");
  // CHECK-LABEL: done
  return 0;
}
