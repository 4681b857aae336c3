//===- QNKModule.cpp - The qnk._qnk nanobind extension --------------------===//
//
// Binds Compiler.h for the qnk package. The Python side (python/qnk/*.py)
// checks arguments and dtypes and packs 4-bit tensors; this module compiles
// and runs. MLIR failures raise qnk.CompileError with the diagnostics.
//
//===----------------------------------------------------------------------===//

#include "Compiler.h"

#include <nanobind/nanobind.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/unique_ptr.h>
#include <nanobind/stl/vector.h>

#include <cstdint>

namespace nb = nanobind;
using namespace qnk::python;

/// Raises qnk.CompileError (defined in Python, so that the tool-driving and
/// the in-process paths raise the same class) with `error`'s text.
[[noreturn]] static void raiseCompileError(llvm::Error error) {
  std::string text = llvm::toString(std::move(error));
  nb::object type = nb::module_::import_("qnk._errors").attr("CompileError");
  PyErr_SetString(type.ptr(), text.c_str());
  throw nb::python_error();
}

/// Unwraps `value`; the work that produced it ran without the GIL.
template <typename T> static T unwrap(llvm::Expected<T> value) {
  if (!value)
    raiseCompileError(value.takeError());
  return std::move(*value);
}

/// (shape, element type name) pairs, how TensorSpec reaches Python.
using PyTensor = std::pair<std::vector<int64_t>, std::string>;

static std::vector<PyTensor>
toPython(const std::vector<qnk::runner::TensorSpec> &specs) {
  std::vector<PyTensor> out;
  for (const qnk::runner::TensorSpec &spec : specs)
    out.emplace_back(std::vector<int64_t>(spec.shape.begin(), spec.shape.end()),
                     qnk::runner::getElementTypeName(spec.elementType).str());
  return out;
}

static nb::dict toPython(const KernelInfo &info) {
  nb::dict d;
  d["entry"] = info.entry;
  d["args"] = toPython(info.args);
  d["results"] = toPython(info.results);
  d["cpu"] = info.cpu;
  d["cpu_features"] = info.cpuFeatures;
  d["header"] = info.header;
  d["warnings"] = info.warnings;
  return d;
}

/// Runs `work` without the GIL (compiling takes long and touches no Python
/// object) and unwraps its result.
template <typename Fn> static auto withoutGIL(Fn work) {
  auto result = [&] {
    nb::gil_scoped_release release;
    return work();
  }();
  return unwrap(std::move(result));
}

/// The arguments both compile functions take, after the entry.
static TargetOptions makeOptions(std::string target,
                                 std::vector<std::string> features,
                                 int64_t threads) {
  TargetOptions options;
  options.target = std::move(target);
  options.features = std::move(features);
  options.threads = threads;
  return options;
}

NB_MODULE(_qnk, m) {
  m.doc() = "QNK's compiler and JIT, for the qnk package (use qnk, not this)";

  nb::class_<Kernel>(m, "JITKernel")
      .def_prop_ro("info", [](const Kernel &k) { return toPython(k.info); })
      .def(
          "run",
          [](const Kernel &k, const std::vector<uintptr_t> &addresses) {
            size_t expected = k.info.args.size() + k.info.results.size();
            if (addresses.size() != expected)
              throw nb::value_error("wrong number of buffers");
            std::vector<void *> buffers;
            for (uintptr_t a : addresses)
              buffers.push_back(reinterpret_cast<void *>(a));
            // Kernels run for long and touch no Python object.
            nb::gil_scoped_release release;
            k.run(buffers);
          },
          nb::arg("addresses"),
          "Runs on dense buffers (the arguments, then the results) given by "
          "address; the caller keeps them alive and checks their types.");

  m.def(
      "compile_jit",
      [](const std::string &text, const std::string &bufferName,
         const std::string &entry, std::string target,
         std::vector<std::string> features, int64_t threads) {
        TargetOptions options = makeOptions(target, features, threads);
        return withoutGIL(
            [&] { return compileJIT({text, bufferName}, entry, options); });
      },
      nb::arg("source"), nb::arg("buffer_name"), nb::arg("entry"),
      nb::arg("target"), nb::arg("features"), nb::arg("threads"));

  m.def(
      "compile_object",
      [](const std::string &text, const std::string &bufferName,
         const std::string &entry, std::string target,
         std::vector<std::string> features, int64_t threads) {
        TargetOptions options = makeOptions(target, features, threads);
        ObjectCode code = withoutGIL(
            [&] { return compileObject({text, bufferName}, entry, options); });
        return std::make_pair(nb::bytes(code.object.data(), code.object.size()),
                              toPython(code.info));
      },
      nb::arg("source"), nb::arg("buffer_name"), nb::arg("entry"),
      nb::arg("target"), nb::arg("features"), nb::arg("threads"));

  m.def(
      "run_pipeline",
      [](const std::string &text, const std::string &bufferName,
         const std::string &pipeline, bool printBefore, bool printAfter) {
        PipelineResult r = withoutGIL([&] {
          return runPipeline({text, bufferName}, pipeline, printBefore,
                             printAfter);
        });
        std::vector<std::tuple<bool, std::string, std::string>> dumps;
        for (PassDump &d : r.dumps)
          dumps.emplace_back(d.before, std::move(d.pass), std::move(d.ir));
        return std::make_tuple(std::move(r.ir), std::move(dumps),
                               std::move(r.warnings));
      },
      nb::arg("source"), nb::arg("buffer_name"), nb::arg("pipeline"),
      nb::arg("print_before"), nb::arg("print_after"));

  m.def(
      "is_registered_pass",
      [](const std::string &name) { return isRegisteredPass(name); },
      nb::arg("name"));
}
