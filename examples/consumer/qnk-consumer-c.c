/*===- qnk-consumer-c.c - A C program that embeds QNK ---------------------===*\
|*                                                                            *|
|* Compiles one entry of an MLIR file to an object file through QNK's C API   *|
|* (qnk-c/QNK.h), the way qnk-compile does:                                   *|
|*                                                                            *|
|*   qnk-consumer-c input.mlir entry target out.o                             *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "qnk-c/QNK.h"

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#include <stdio.h>
#include <stdlib.h>

static void writeBytes(MlirStringRef bytes, void *file) {
  fwrite(bytes.data, 1, bytes.length, (FILE *)file);
}

static void printError(MlirStringRef text, void *userData) {
  (void)userData;
  fprintf(stderr, "%.*s", (int)text.length, text.data);
}

/* Reads `path` whole; NULL if it cannot. */
static char *readFile(const char *path, long *size) {
  FILE *file = fopen(path, "rb");
  if (!file)
    return NULL;
  fseek(file, 0, SEEK_END);
  *size = ftell(file);
  fseek(file, 0, SEEK_SET);
  char *text = malloc((size_t)*size + 1);
  if (text && fread(text, 1, (size_t)*size, file) != (size_t)*size) {
    free(text);
    text = NULL;
  }
  fclose(file);
  return text;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s input.mlir entry target out.o\n", argv[0]);
    return 2;
  }
  long size = 0;
  char *source = readFile(argv[1], &size);
  if (!source) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }

  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  qnkRegisterAllDialects(registry);
  MlirContext ctx = mlirContextCreateWithRegistry(registry, false);
  mlirDialectRegistryDestroy(registry);

  int status = 1;
  MlirModule module =
      mlirModuleCreateParse(ctx, mlirStringRefCreate(source, (size_t)size));
  FILE *out = NULL;
  if (mlirModuleIsNull(module)) {
    fprintf(stderr, "%s does not parse\n", argv[1]);
  } else if (!(out = fopen(argv[4], "wb"))) {
    fprintf(stderr, "cannot write %s\n", argv[4]);
  } else {
    /* One userData for both callbacks: the object goes to `out`, errors to
       stderr. */
    MlirLogicalResult result = qnkCompileToObject(
        module, mlirStringRefCreateFromCString(argv[2]),
        mlirStringRefCreateFromCString(argv[3]), mlirStringRefCreate("", 0),
        /*threads=*/1, writeBytes, printError, out);
    status = mlirLogicalResultIsSuccess(result) ? 0 : 1;
  }
  if (out)
    fclose(out);
  if (!mlirModuleIsNull(module))
    mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
  free(source);
  return status;
}
