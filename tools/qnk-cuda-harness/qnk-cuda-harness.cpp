//===- qnk-cuda-harness.cpp - Run, check and time an AOT CUDA entry -------===//
//
// A standalone runner for what `qnk-compile --device=cuda --shared` makes (or
// any shared library exporting `void NAME(const T *arg0, ..., T *result0,
// ...)` whose code calls the mgpu* runtime): it needs no MLIR, carries
// libqnk_cuda_runtime inside (the library's mgpu* references resolve to
// it), generates or reads inputs, runs the entry, compares its results
// against a CPU build of the same entry or against .npy files, and times
// it. Meant to be copied to a GPU machine with the library.
//
//===----------------------------------------------------------------------===//

#include "qnk/Runtime/CUDA/MgpuABI.h"
#include "qnk/Runtime/CUDA/Runtime.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

//===----------------------------------------------------------------------===//
// Types and buffers
//===----------------------------------------------------------------------===//

enum class Element { F32, F16, BF16, I8, UI8, I32 };

struct ElementInfo {
  const char *name;
  Element element;
  int bytes;
  const char *npyDescr;
};
const ElementInfo kElements[] = {
    {"f32", Element::F32, 4, "<f4"},   {"f16", Element::F16, 2, "<f2"},
    {"bf16", Element::BF16, 2, "<V2"}, {"i8", Element::I8, 1, "|i1"},
    {"ui8", Element::UI8, 1, "|u1"},   {"i32", Element::I32, 4, "<i4"},
};

const ElementInfo *findElement(const std::string &name) {
  for (const ElementInfo &e : kElements)
    if (name == e.name)
      return &e;
  return nullptr;
}

struct TensorType {
  const ElementInfo *element = nullptr;
  std::vector<int64_t> shape;
  int64_t count() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  size_t bytes() const { return size_t(count()) * element->bytes; }
  std::string str() const {
    std::string text;
    for (int64_t d : shape)
      text += std::to_string(d) + "x";
    return (text.empty() ? "scalar " : text) + element->name;
  }
};

[[noreturn]] void fail(const std::string &message) {
  std::fprintf(stderr, "qnk-cuda-harness: error: %s\n", message.c_str());
  std::exit(1);
}

/// `64x32xf32` (or `f32` for a scalar).
TensorType parseType(const std::string &text) {
  TensorType type;
  std::stringstream in(text);
  std::string part;
  std::vector<std::string> parts;
  while (std::getline(in, part, 'x'))
    parts.push_back(part);
  if (parts.empty())
    fail("empty tensor type");
  type.element = findElement(parts.back());
  if (!type.element)
    fail("unsupported element type '" + parts.back() + "' in '" + text +
         "' (f32, f16, bf16, i8, ui8, i32)");
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    char *end = nullptr;
    long long d = std::strtoll(parts[i].c_str(), &end, 10);
    if (parts[i].empty() || *end || d < 0)
      fail("bad dimension '" + parts[i] + "' in '" + text + "'");
    type.shape.push_back(d);
  }
  return type;
}

std::vector<std::string> split(const std::string &text, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, separator))
    if (!part.empty())
      parts.push_back(part);
  return parts;
}

/// The signature of the entry: `64x32xbf16,32x16xbf16->64x16xf32`.
struct Signature {
  std::vector<TensorType> inputs, results;
};

Signature parseSignature(const std::string &text) {
  size_t arrow = text.find("->");
  if (arrow == std::string::npos)
    fail("signature '" + text +
         "' has no '->' (e.g. 64x32xf32,32xf32->64xf32)");
  Signature signature;
  for (const std::string &t : split(text.substr(0, arrow), ','))
    signature.inputs.push_back(parseType(t));
  for (const std::string &t : split(text.substr(arrow + 2), ','))
    signature.results.push_back(parseType(t));
  if (signature.results.empty())
    fail("signature '" + text + "' has no result");
  return signature;
}

/// Reads the signature from the header qnk-compile --header wrote: its
/// comment lists `argN input 64x32 f32 ...` and `resultN output ...`.
Signature readHeaderSignature(const std::string &path) {
  std::ifstream file(path);
  if (!file)
    fail("cannot read header '" + path + "'");
  Signature signature;
  std::string line;
  while (std::getline(file, line)) {
    std::stringstream in(line);
    std::string star, name, role, shape, element;
    if (!(in >> star >> name >> role >> shape) || star != "*")
      continue;
    if (role != "input" && role != "output")
      continue;
    // `64x32 f32`, or `scalar f32`.
    if (!(in >> element))
      continue;
    TensorType type =
        parseType(shape == "scalar" ? element : shape + "x" + element);
    (role == "input" ? signature.inputs : signature.results).push_back(type);
  }
  if (signature.results.empty())
    fail("no argN/resultN lines in header '" + path + "'");
  return signature;
}

struct Buffer {
  TensorType type;
  std::vector<uint8_t> bytes;
  explicit Buffer(TensorType t) : type(std::move(t)), bytes(type.bytes()) {}
  double get(int64_t i) const;
};

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16, exponent = (h >> 10) & 0x1f,
           mantissa = h & 0x3ff, bits;
  if (exponent == 0x1f)
    bits = sign | 0x7f800000 | (mantissa << 13);
  else if (exponent)
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  else if (!mantissa)
    bits = sign;
  else {
    // Subnormal: normalize.
    int shift = 0;
    while (!(mantissa & 0x400)) {
      mantissa <<= 1;
      ++shift;
    }
    bits = sign | ((113 - shift) << 23) | ((mantissa & 0x3ff) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// Round to nearest even, NaN kept quiet.
uint16_t floatToBits16(float f, bool bf16) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if (bf16) {
    if (std::isnan(f))
      return uint16_t((bits >> 16) | 0x40);
    return uint16_t((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
  }
  // f16: inputs here are in [-1, 1), so no overflow; subnormals rounded.
  uint32_t sign = (bits >> 16) & 0x8000;
  float magnitude = std::fabs(f);
  if (magnitude < 6.103515625e-05f) // below the smallest normal f16
    return uint16_t(sign | uint32_t(std::nearbyint(magnitude * 16777216.0f)));
  int exponent;
  float m = std::frexp(magnitude, &exponent); // magnitude = m * 2^exponent
  uint32_t mantissa = uint32_t(std::nearbyint((m * 2 - 1) * 1024));
  uint32_t e = uint32_t(exponent - 1 + 15);
  if (mantissa == 1024) {
    mantissa = 0;
    ++e;
  }
  return uint16_t(sign | (e << 10) | mantissa);
}

double Buffer::get(int64_t i) const {
  const uint8_t *p = bytes.data() + i * type.element->bytes;
  switch (type.element->element) {
  case Element::F32: {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  case Element::F16:
  case Element::BF16: {
    uint16_t h;
    std::memcpy(&h, p, 2);
    if (type.element->element == Element::F16)
      return halfToFloat(h);
    uint32_t bits = uint32_t(h) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  case Element::I8:
    return int8_t(*p);
  case Element::UI8:
    return *p;
  case Element::I32: {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  }
  return 0;
}

/// Seeded inputs: floats uniform in [-1, 1) rounded to the element type,
/// i8 in [-128, 127], ui8 in [0, 255], i32 in [-128, 127].
void fillRandom(Buffer &buffer, uint64_t seed) {
  uint64_t state = seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
  auto next = [&] {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dull;
  };
  for (int64_t i = 0; i < buffer.type.count(); ++i) {
    uint8_t *p = buffer.bytes.data() + i * buffer.type.element->bytes;
    uint64_t r = next();
    float f = float(int64_t(r >> 40) - (int64_t(1) << 23)) / float(1 << 23);
    switch (buffer.type.element->element) {
    case Element::F32:
      std::memcpy(p, &f, 4);
      break;
    case Element::F16:
    case Element::BF16: {
      uint16_t h =
          floatToBits16(f, buffer.type.element->element == Element::BF16);
      std::memcpy(p, &h, 2);
      break;
    }
    case Element::I8:
    case Element::UI8:
      *p = uint8_t(r >> 56);
      break;
    case Element::I32: {
      int32_t v = int32_t(r >> 56) - 128;
      std::memcpy(p, &v, 4);
      break;
    }
    }
  }
}

//===----------------------------------------------------------------------===//
// .npy files (version 1-3, little-endian, C order)
//===----------------------------------------------------------------------===//

Buffer readNpy(const std::string &path, const TensorType &expected) {
  std::ifstream file(path, std::ios::binary);
  std::vector<char> data((std::istreambuf_iterator<char>(file)),
                         std::istreambuf_iterator<char>());
  if (data.size() < 10 || std::memcmp(data.data(), "\x93NUMPY", 6) != 0)
    fail("'" + path + "' is not a .npy file");
  int major = data[6];
  size_t headerLength, offset;
  if (major == 1) {
    headerLength = uint8_t(data[8]) | (uint8_t(data[9]) << 8);
    offset = 10;
  } else {
    if (data.size() < 12)
      fail("'" + path + "' is truncated");
    headerLength = uint32_t(uint8_t(data[8])) |
                   (uint32_t(uint8_t(data[9])) << 8) |
                   (uint32_t(uint8_t(data[10])) << 16) |
                   (uint32_t(uint8_t(data[11])) << 24);
    offset = 12;
  }
  if (offset + headerLength > data.size())
    fail("'" + path + "' is truncated");
  std::string header(data.data() + offset, headerLength);
  auto field = [&](const std::string &key) {
    size_t at = header.find("'" + key + "':");
    if (at == std::string::npos)
      fail("'" + path + "' has no " + key);
    return header.substr(at + key.size() + 3);
  };
  std::string descr = field("descr");
  descr = descr.substr(descr.find('\'') + 1);
  descr = descr.substr(0, descr.find('\''));
  bool bf16Alias = descr == "bfloat16" || descr == "<V2";
  if (descr != expected.element->npyDescr &&
      !(expected.element->element == Element::BF16 && bf16Alias))
    fail("'" + path + "' holds dtype " + descr + ", expected " +
         expected.element->npyDescr + " for " + expected.str());
  if (field("fortran_order").find("False") != 0)
    fail("'" + path + "' is in Fortran order");
  std::string shapeText = field("shape");
  shapeText = shapeText.substr(shapeText.find('(') + 1);
  shapeText = shapeText.substr(0, shapeText.find(')'));
  std::vector<int64_t> shape;
  for (const std::string &d : split(shapeText, ','))
    if (d.find_first_of("0123456789") != std::string::npos)
      shape.push_back(std::stoll(d));
  if (shape != expected.shape) {
    TensorType got = expected;
    got.shape = shape;
    fail("'" + path + "' has shape " + got.str() + ", expected " +
         expected.str());
  }
  Buffer buffer(expected);
  if (offset + headerLength + buffer.bytes.size() > data.size())
    fail("'" + path + "' is truncated");
  std::memcpy(buffer.bytes.data(), data.data() + offset + headerLength,
              buffer.bytes.size());
  return buffer;
}

void writeNpy(const std::string &path, const Buffer &buffer) {
  std::string shape = "(";
  for (int64_t d : buffer.type.shape)
    shape += std::to_string(d) + ",";
  if (buffer.type.shape.size() > 1)
    shape.pop_back();
  shape += ")";
  std::string header = std::string("{'descr': '") +
                       buffer.type.element->npyDescr +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  std::ofstream file(path, std::ios::binary);
  file.write("\x93NUMPY\x01\x00", 8);
  char length[2] = {char(header.size() & 0xff), char(header.size() >> 8)};
  file.write(length, 2);
  file.write(header.data(), header.size());
  file.write(reinterpret_cast<const char *>(buffer.bytes.data()),
             buffer.bytes.size());
  if (!file)
    fail("cannot write '" + path + "'");
}

//===----------------------------------------------------------------------===//
// Entries
//===----------------------------------------------------------------------===//

/// Calls `void NAME(T *arg0, ..., T *result0, ...)` with up to 16 pointers.
using Entry16 = void (*)(void *, void *, void *, void *, void *, void *, void *,
                         void *, void *, void *, void *, void *, void *, void *,
                         void *, void *);

Entry16 loadEntry(const std::string &library, const std::string &name) {
  void *handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    fail("cannot load '" + library + "': " + dlerror());
  void *symbol = dlsym(handle, name.c_str());
  if (!symbol)
    fail("'" + library + "' has no entry '" + name + "'");
  return reinterpret_cast<Entry16>(symbol);
}

void call(Entry16 entry, std::vector<void *> pointers) {
  // Extra arguments are ignored by a callee that takes fewer (x86-64 SysV).
  pointers.resize(16, nullptr);
  entry(pointers[0], pointers[1], pointers[2], pointers[3], pointers[4],
        pointers[5], pointers[6], pointers[7], pointers[8], pointers[9],
        pointers[10], pointers[11], pointers[12], pointers[13], pointers[14],
        pointers[15]);
}

/// Exits with the runtime's pending error, if any.
void checkRuntime(const std::string &when) {
  if (QnkCudaStatus status = qnkCudaGetLastError())
    fail(when + ": " + qnkCudaStatusName(status) + ": " +
         qnkCudaGetLastErrorMessage());
}

struct Options {
  std::string library, entry, signature, header, reference, referenceEntry;
  std::vector<std::string> inputFiles, expectFiles;
  std::string saveDir;
  std::string pointers = "host";
  uint64_t seed = 1;
  int bench = 0;
  double atol = -1, rtol = -1, flops = 0, timeout = -1;
  int device = 0;
  bool pin = false;
};

void usage() {
  std::printf(
      "usage: qnk-cuda-harness LIB.so -e NAME (--sig=TYPES->TYPES | "
      "--header=NAME.h)\n"
      "         [--ref=CPU.so [--ref-entry=NAME]] [--expect=r0.npy,...]\n"
      "         [--inputs=a.npy,...] [--seed=N] [--atol=X] [--rtol=X]\n"
      "         [--bench=N] [--flops=N] [--save=DIR] [--device=N]\n"
      "         [--pointers=host|device] [--pin] [--timeout=SECONDS]\n\n"
      "Runs the entry `void NAME(const T *arg0, ..., T *result0, ...)` of a\n"
      "shared library built by `qnk-compile --device=cuda --shared` on seeded\n"
      "(or .npy) inputs, checks every result against the same entry of a CPU\n"
      "build (--ref) or against .npy files (--expect), and times --bench "
      "calls.\n"
      "Types: DIMSxELEMENT, e.g. 256x512xbf16; elements f32, f16, bf16, i8,\n"
      "ui8, i32. --pointers=host (default) passes host buffers, as QNK's CUDA\n"
      "entries take them (--pin page-locks them first); device passes device\n"
      "buffers (the harness copies).\n"
      "Tolerance: integers exact; floats |x - ref| <= atol + rtol*|ref|, by\n"
      "default atol = rtol = 1e-3 (f32 results) or 1e-2 (16-bit results).\n");
}

Options parseOptions(int argc, char **argv) {
  Options options;
  auto value = [](const std::string &arg, const char *name, std::string &out) {
    std::string prefix = std::string(name) + "=";
    if (arg.compare(0, prefix.size(), prefix) != 0)
      return false;
    out = arg.substr(prefix.size());
    return true;
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], v;
    if (arg == "-h" || arg == "--help") {
      usage();
      std::exit(0);
    } else if (arg == "-e" && i + 1 < argc) {
      options.entry = argv[++i];
    } else if (value(arg, "--sig", v)) {
      options.signature = v;
    } else if (value(arg, "--header", v)) {
      options.header = v;
    } else if (value(arg, "--ref", v)) {
      options.reference = v;
    } else if (value(arg, "--ref-entry", v)) {
      options.referenceEntry = v;
    } else if (value(arg, "--inputs", v)) {
      options.inputFiles = split(v, ',');
    } else if (value(arg, "--expect", v)) {
      options.expectFiles = split(v, ',');
    } else if (value(arg, "--save", v)) {
      options.saveDir = v;
    } else if (value(arg, "--pointers", v)) {
      options.pointers = v;
      if (v != "host" && v != "device")
        fail("--pointers takes host or device");
    } else if (value(arg, "--seed", v)) {
      options.seed = std::strtoull(v.c_str(), nullptr, 10);
    } else if (value(arg, "--bench", v)) {
      options.bench = std::atoi(v.c_str());
    } else if (value(arg, "--atol", v)) {
      options.atol = std::atof(v.c_str());
    } else if (value(arg, "--rtol", v)) {
      options.rtol = std::atof(v.c_str());
    } else if (value(arg, "--flops", v)) {
      options.flops = std::atof(v.c_str());
    } else if (value(arg, "--timeout", v)) {
      options.timeout = std::atof(v.c_str());
    } else if (arg == "--pin") {
      options.pin = true;
    } else if (value(arg, "--device", v)) {
      options.device = std::atoi(v.c_str());
    } else if (!arg.empty() && arg[0] != '-' && options.library.empty()) {
      options.library = arg;
    } else {
      fail("unknown argument '" + arg + "' (--help lists the options)");
    }
  }
  if (options.library.empty() || options.entry.empty())
    fail("a library and an entry (-e NAME) are needed (--help)");
  if (options.signature.empty() == options.header.empty())
    fail("give the entry's signature with --sig or --header");
  if (options.referenceEntry.empty())
    options.referenceEntry = options.entry;
  return options;
}

struct Comparison {
  double maxAbsErr = 0;
  int64_t mismatches = 0, first = -1;
};

Comparison compare(const Buffer &got, const Buffer &ref, double atol,
                   double rtol) {
  Comparison c;
  bool exact = got.type.element->element == Element::I8 ||
               got.type.element->element == Element::UI8 ||
               got.type.element->element == Element::I32;
  for (int64_t i = 0; i < got.type.count(); ++i) {
    double x = got.get(i), r = ref.get(i);
    double err = std::isnan(x) || std::isnan(r)
                     ? (std::isnan(x) && std::isnan(r) ? 0 : INFINITY)
                     : std::fabs(x - r);
    c.maxAbsErr = std::max(c.maxAbsErr, err);
    bool ok = exact ? x == r : err <= atol + rtol * std::fabs(r);
    if (!ok && c.mismatches++ == 0)
      c.first = i;
  }
  return c;
}

} // namespace

int main(int argc, char **argv) {
  Options options = parseOptions(argc, argv);
  if (options.timeout >= 0)
    qnkCudaSetSyncTimeout(options.timeout);
  Signature signature = options.header.empty()
                            ? parseSignature(options.signature)
                            : readHeaderSignature(options.header);
  size_t numTensors = signature.inputs.size() + signature.results.size();
  if (numTensors > 16)
    fail("entries with more than 16 tensors are not supported");

  if (qnkCudaInit(options.device) != QNK_CUDA_SUCCESS)
    checkRuntime("no GPU to run on");
  mgpuSetDefaultDevice(options.device);
  QnkCudaDeviceInfo info;
  qnkCudaGetDeviceInfo(options.device, &info);
  checkRuntime("querying the GPU");
  // The library's global constructors load its kernels now.
  Entry16 entry = loadEntry(options.library, options.entry);
  checkRuntime("loading '" + options.library + "'");

  std::vector<Buffer> inputs, results, references;
  for (size_t i = 0; i < signature.inputs.size(); ++i) {
    if (i < options.inputFiles.size()) {
      inputs.push_back(readNpy(options.inputFiles[i], signature.inputs[i]));
    } else {
      inputs.emplace_back(signature.inputs[i]);
      fillRandom(inputs.back(), options.seed * 1000 + i);
    }
  }
  for (const TensorType &t : signature.results) {
    results.emplace_back(t);
    // Poison: elements the entry forgets to write show up.
    std::memset(results.back().bytes.data(), 0xff, results.back().bytes.size());
  }

  // The pointers the entry takes: the host buffers, or device copies.
  std::vector<void *> pointers, devicePointers;
  void *stream = nullptr;
  if (options.pointers == "device") {
    stream = mgpuStreamCreate();
    for (Buffer &b : inputs) {
      void *d = mgpuMemAlloc(b.bytes.size(), stream, 0);
      mgpuMemcpy(d, b.bytes.data(), b.bytes.size(), stream);
      devicePointers.push_back(d);
    }
    for (Buffer &b : results)
      devicePointers.push_back(mgpuMemAlloc(b.bytes.size(), stream, 0));
    mgpuStreamSynchronize(stream);
    checkRuntime("preparing device buffers");
    pointers = devicePointers;
  } else {
    for (Buffer &b : inputs)
      pointers.push_back(b.bytes.data());
    for (Buffer &b : results)
      pointers.push_back(b.bytes.data());
    // Page-locked buffers copy faster and asynchronously.
    if (options.pin)
      for (std::vector<Buffer> *buffers : {&inputs, &results})
        for (Buffer &b : *buffers)
          mgpuMemHostRegister(b.bytes.data(), b.bytes.size());
    checkRuntime("pinning the host buffers");
  }
  auto copyResultsBack = [&] {
    if (options.pointers != "device")
      return;
    for (size_t i = 0; i < results.size(); ++i)
      mgpuMemcpy(results[i].bytes.data(), devicePointers[inputs.size() + i],
                 results[i].bytes.size(), stream);
    mgpuStreamSynchronize(stream);
  };

  std::printf("qnk-cuda-harness: %s on device %d (%s, sm_%d%d)\n",
              options.entry.c_str(), options.device, info.name,
              info.computeCapabilityMajor, info.computeCapabilityMinor);
  call(entry, pointers);
  copyResultsBack();
  checkRuntime("running '" + options.entry + "'");

  // The expected results: a CPU build of the entry, or files.
  if (!options.reference.empty()) {
    Entry16 reference = loadEntry(options.reference, options.referenceEntry);
    std::vector<void *> referencePointers;
    for (Buffer &b : inputs)
      referencePointers.push_back(b.bytes.data());
    for (const TensorType &t : signature.results) {
      references.emplace_back(t);
      referencePointers.push_back(references.back().bytes.data());
    }
    call(reference, referencePointers);
  } else {
    for (size_t i = 0; i < options.expectFiles.size(); ++i) {
      if (i >= signature.results.size())
        fail("more --expect files than results");
      references.push_back(
          readNpy(options.expectFiles[i], signature.results[i]));
    }
  }
  bool ok = true;
  for (size_t i = 0; i < references.size(); ++i) {
    bool wide = results[i].type.element->bytes >= 4;
    double atol = options.atol >= 0 ? options.atol : (wide ? 1e-3 : 1e-2);
    double rtol = options.rtol >= 0 ? options.rtol : (wide ? 1e-3 : 1e-2);
    Comparison c = compare(results[i], references[i], atol, rtol);
    std::printf("result%zu (%s): %s, max abs error %g, %lld of %lld elements "
                "beyond tolerance\n",
                i, results[i].type.str().c_str(),
                c.mismatches ? "MISMATCH" : "matches the reference",
                c.maxAbsErr, (long long)c.mismatches,
                (long long)results[i].type.count());
    if (c.mismatches) {
      ok = false;
      std::printf("  first at element %lld: got %g, expected %g\n",
                  (long long)c.first, results[i].get(c.first),
                  references[i].get(c.first));
    }
  }
  if (references.empty())
    std::printf("no reference given (--ref or --expect): results unchecked\n");

  if (!options.saveDir.empty())
    for (size_t i = 0; i < results.size(); ++i)
      writeNpy(options.saveDir + "/result" + std::to_string(i) + ".npy",
               results[i]);

  if (options.bench > 0) {
    std::vector<double> times;
    for (int i = 0; i < options.bench; ++i) {
      auto start = std::chrono::steady_clock::now();
      call(entry, pointers);
      times.push_back(std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - start)
                          .count());
      checkRuntime("running '" + options.entry + "'");
    }
    std::sort(times.begin(), times.end());
    double median = times[times.size() / 2];
    std::printf("time per call (%d calls, %s): min %.1f us, median %.1f us, "
                "max %.1f us",
                options.bench,
                options.pointers == "host" ? "host buffers, copies included"
                                           : "device buffers",
                times.front() * 1e6, median * 1e6, times.back() * 1e6);
    if (options.flops > 0)
      std::printf(", %.2f TFLOP/s at the median",
                  options.flops / median / 1e12);
    std::printf("\n");
  }
  if (options.pin && options.pointers == "host")
    for (std::vector<Buffer> *buffers : {&inputs, &results})
      for (Buffer &b : *buffers)
        mgpuMemHostUnregister(b.bytes.data());
  if (stream) {
    for (void *d : devicePointers)
      mgpuMemFree(d, stream);
    mgpuStreamSynchronize(stream);
    mgpuStreamDestroy(stream);
  }
  checkRuntime("cleaning up");
  return ok ? 0 : 2;
}
