//===- Tensor.cpp - Host tensors, seeded data and comparisons -------------===//

#include "qnk/Runner/Runner.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>

#include "llvm/ADT/APFloat.h"

using namespace qnk::runner;

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

llvm::StringRef qnk::runner::getElementTypeName(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return "f32";
  case ElementType::BF16:
    return "bf16";
  case ElementType::F16:
    return "f16";
  case ElementType::F8E4M3FN:
    return "f8E4M3FN";
  case ElementType::F8E5M2:
    return "f8E5M2";
  case ElementType::I8:
    return "i8";
  case ElementType::UI8:
    return "ui8";
  case ElementType::I4:
    return "i4";
  case ElementType::UI4:
    return "ui4";
  case ElementType::I32:
    return "i32";
  case ElementType::F4E2M1FN:
    return "f4E2M1FN";
  case ElementType::F8E8M0FNU:
    return "f8E8M0FNU";
  }
  llvm_unreachable("unknown element type");
}

int64_t qnk::runner::getElementBitWidth(ElementType type) {
  switch (type) {
  case ElementType::F32:
  case ElementType::I32:
    return 32;
  case ElementType::BF16:
  case ElementType::F16:
    return 16;
  case ElementType::F8E4M3FN:
  case ElementType::F8E5M2:
  case ElementType::F8E8M0FNU:
  case ElementType::I8:
  case ElementType::UI8:
    return 8;
  case ElementType::I4:
  case ElementType::UI4:
  case ElementType::F4E2M1FN:
    return 4;
  }
  llvm_unreachable("unknown element type");
}

/// LLVM's reference semantics of the fp8 and fp4 formats.
static const llvm::fltSemantics &fp8Semantics(ElementType type) {
  switch (type) {
  case ElementType::F8E4M3FN:
    return llvm::APFloat::Float8E4M3FN();
  case ElementType::F8E8M0FNU:
    return llvm::APFloat::Float8E8M0FNU();
  case ElementType::F4E2M1FN:
    return llvm::APFloat::Float4E2M1FN();
  default:
    return llvm::APFloat::Float8E5M2();
  }
}

bool qnk::runner::isPacked4Bit(ElementType type) {
  return type == ElementType::I4 || type == ElementType::UI4 ||
         type == ElementType::F4E2M1FN;
}

bool qnk::runner::isFloatingPoint(ElementType type) {
  return type == ElementType::F32 || type == ElementType::BF16 ||
         type == ElementType::F16 || type == ElementType::F8E4M3FN ||
         type == ElementType::F8E5M2 || type == ElementType::F4E2M1FN ||
         type == ElementType::F8E8M0FNU;
}

std::optional<ElementType> qnk::runner::getElementType(mlir::Type type) {
  if (type.isF32())
    return ElementType::F32;
  if (type.isBF16())
    return ElementType::BF16;
  if (type.isF16())
    return ElementType::F16;
  if (mlir::isa<mlir::Float8E4M3FNType>(type))
    return ElementType::F8E4M3FN;
  if (mlir::isa<mlir::Float8E5M2Type>(type))
    return ElementType::F8E5M2;
  if (mlir::isa<mlir::Float4E2M1FNType>(type))
    return ElementType::F4E2M1FN;
  if (mlir::isa<mlir::Float8E8M0FNUType>(type))
    return ElementType::F8E8M0FNU;
  if (auto intType = mlir::dyn_cast<mlir::IntegerType>(type)) {
    if (intType.getWidth() == 8)
      return intType.isUnsigned() ? ElementType::UI8 : ElementType::I8;
    if (intType.getWidth() == 4)
      return intType.isUnsigned() ? ElementType::UI4 : ElementType::I4;
    if (intType.getWidth() == 32 && !intType.isUnsigned())
      return ElementType::I32;
  }
  return std::nullopt;
}

int64_t TensorSpec::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

llvm::SmallVector<int64_t> TensorSpec::getMemRefShape() const {
  // The narrow-type emulation of the pipelines linearizes 4-bit buffers.
  if (isPacked4Bit(elementType))
    return {getSizeInBytes()};
  return shape;
}

std::string qnk::runner::formatShape(llvm::ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "scalar";
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleave(shape, os, "x");
  return s;
}

std::string TensorSpec::str() const {
  return formatShape(shape) + " " + getElementTypeName(elementType).str();
}

//===----------------------------------------------------------------------===//
// 16-bit floats
//===----------------------------------------------------------------------===//

static uint32_t floatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return u;
}

static float bitsFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

float qnk::runner::bf16BitsToFloat(uint16_t bits) {
  return bitsFloat(uint32_t(bits) << 16);
}

uint16_t qnk::runner::floatToBF16Bits(float value) {
  uint32_t u = floatBits(value);
  if ((u & 0x7fffffffu) > 0x7f800000u)
    return uint16_t((u >> 16) | 0x40); // Keep NaNs NaN (and quiet).
  // Round to nearest even: add just under half an ulp, plus the lsb.
  u += 0x7fffu + ((u >> 16) & 1);
  return uint16_t(u >> 16);
}

float qnk::runner::f16BitsToFloat(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1f;
  uint32_t mantissa = bits & 0x3ff;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24 is exact in float.
    float magnitude = std::ldexp(float(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 31)
    return bitsFloat(sign | 0x7f800000u | (mantissa << 13));
  return bitsFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
}

uint16_t qnk::runner::floatToF16Bits(float value) {
  uint32_t u = floatBits(value);
  uint16_t sign = uint16_t((u >> 16) & 0x8000);
  uint32_t magnitude = u & 0x7fffffffu;
  if (magnitude >= 0x7f800000u) {
    if (magnitude > 0x7f800000u) // NaN: keep it quiet and its top payload.
      return sign | 0x7e00 | uint16_t((magnitude >> 13) & 0x3ff);
    return sign | 0x7c00;
  }
  // 65520 is halfway between the largest half (65504, odd mantissa) and
  // 2^16: it and everything above round to infinity.
  if (magnitude >= 0x477ff000u)
    return sign | 0x7c00;
  if (magnitude < 0x38800000u) {
    // Below the smallest normal half (2^-14): the result is a multiple of
    // 2^-24. Scaling by 2^24 is exact, nearbyint rounds to nearest even
    // (and a carry to 1024 is exactly the smallest normal encoding).
    float scaled = std::ldexp(bitsFloat(magnitude), 24);
    return sign | uint16_t(std::nearbyint(scaled));
  }
  uint32_t half =
      ((((magnitude >> 23) - 127 + 15) << 10) | ((magnitude >> 13) & 0x3ff));
  uint32_t rest = magnitude & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to inf).
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    ++half;
  return sign | uint16_t(half);
}

//===----------------------------------------------------------------------===//
// Tensor
//===----------------------------------------------------------------------===//

Tensor::Tensor(TensorSpec tensorType) : type(std::move(tensorType)) {
  // 64-byte alignment matches what a kernel would get from an aligned
  // allocator in a real program; the size is rounded up as aligned_alloc
  // requires, and never zero.
  size_t bytes = size_t(std::max<int64_t>(getSizeInBytes(), 1));
  bytes = (bytes + 63) / 64 * 64;
  storage.reset(static_cast<uint8_t *>(std::aligned_alloc(64, bytes)));
  if (!storage)
    llvm::report_fatal_error(llvm::Twine("out of memory allocating a ") +
                             type.str() + " tensor");
  std::memset(storage.get(), 0, bytes);
}

/// The 4-bit element `i` of packed bytes, zero-extended.
static uint8_t getNibble(const uint8_t *bytes, int64_t i) {
  return (bytes[i / 2] >> (4 * (i % 2))) & 0xF;
}

double Tensor::getAsDouble(int64_t i) const {
  const uint8_t *p =
      data() + (isPacked4Bit(type.elementType)
                    ? 0
                    : i * getElementBitWidth(type.elementType) / 8);
  switch (type.elementType) {
  case ElementType::F32: {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  case ElementType::BF16:
  case ElementType::F16: {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return type.elementType == ElementType::BF16 ? bf16BitsToFloat(h)
                                                 : f16BitsToFloat(h);
  }
  case ElementType::F8E4M3FN:
  case ElementType::F8E5M2:
  case ElementType::F8E8M0FNU:
    return llvm::APFloat(fp8Semantics(type.elementType), llvm::APInt(8, *p))
        .convertToDouble();
  case ElementType::F4E2M1FN:
    return llvm::APFloat(fp8Semantics(type.elementType),
                         llvm::APInt(4, getNibble(p, i)))
        .convertToDouble();
  case ElementType::I8:
    return double(int8_t(*p));
  case ElementType::UI8:
    return double(*p);
  case ElementType::I4:
    return double(int8_t(uint8_t(getNibble(p, i) << 4)) >> 4);
  case ElementType::UI4:
    return double(getNibble(p, i));
  case ElementType::I32: {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  }
  llvm_unreachable("unknown element type");
}

void Tensor::setInteger(int64_t i, int64_t v) {
  uint8_t *p = data();
  switch (getElementBitWidth(type.elementType)) {
  case 4: {
    int shift = 4 * (i % 2);
    p[i / 2] = uint8_t((p[i / 2] & ~(0xF << shift)) | ((v & 0xF) << shift));
    return;
  }
  case 8:
    p[i] = uint8_t(v);
    return;
  default: {
    auto v32 = int32_t(v);
    std::memcpy(p + 4 * i, &v32, 4);
    return;
  }
  }
}

double Tensor::getMaxAbs() const {
  double maxAbs = 0;
  for (int64_t i = 0, e = getNumElements(); i < e; ++i) {
    double v = std::fabs(getAsDouble(i));
    if (std::isnan(v))
      return v;
    maxAbs = std::max(maxAbs, v);
  }
  return maxAbs;
}

//===----------------------------------------------------------------------===//
// Seeded data
//===----------------------------------------------------------------------===//

namespace {
/// SplitMix64: tiny, fast, and the same sequence on every platform (which
/// <random>'s distributions do not promise).
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};
} // namespace

void qnk::runner::fillRandom(Tensor &tensor, uint64_t seed, uint64_t stream) {
  SplitMix64 mixer{seed};
  SplitMix64 rng{mixer.next() ^ (stream * 0xd1b54a32d192ed03ull)};
  rng.next();
  uint8_t *p = tensor.data();
  for (int64_t i = 0, e = tensor.getNumElements(); i < e; ++i) {
    uint64_t bits = rng.next();
    // 24 random bits make a float in [0, 1) exactly; map it to [-1, 1).
    float uniform = float(bits >> 40) * 0x1p-24f * 2.0f - 1.0f;
    switch (tensor.getType().elementType) {
    case ElementType::F32:
      std::memcpy(p + 4 * i, &uniform, 4);
      break;
    case ElementType::BF16: {
      uint16_t h = floatToBF16Bits(uniform);
      std::memcpy(p + 2 * i, &h, 2);
      break;
    }
    case ElementType::F16: {
      uint16_t h = floatToF16Bits(uniform);
      std::memcpy(p + 2 * i, &h, 2);
      break;
    }
    case ElementType::F8E4M3FN:
    case ElementType::F8E5M2:
    case ElementType::F4E2M1FN: {
      // Round to nearest even, as every fp8 quantizer does.
      llvm::APFloat f(uniform);
      bool lost;
      f.convert(fp8Semantics(tensor.getType().elementType),
                llvm::APFloat::rmNearestTiesToEven, &lost);
      tensor.setInteger(i, int64_t(f.bitcastToAPInt().getZExtValue()));
      break;
    }
    case ElementType::F8E8M0FNU:
      // Scales 2^-8 .. 2^7: codes 119 .. 134, never NaN.
      p[i] = uint8_t(119 + (bits >> 60));
      break;
    case ElementType::I8:
    case ElementType::UI8:
      p[i] = uint8_t(bits >> 56);
      break;
    case ElementType::I4:
    case ElementType::UI4:
      tensor.setInteger(i, int64_t(bits >> 60));
      break;
    case ElementType::I32: {
      int32_t v = int8_t(bits >> 56);
      std::memcpy(p + 4 * i, &v, 4);
      break;
    }
    }
  }
}

void qnk::runner::fillPoison(Tensor &tensor) {
  std::memset(tensor.data(), 0xff, size_t(tensor.getSizeInBytes()));
}

//===----------------------------------------------------------------------===//
// Comparison
//===----------------------------------------------------------------------===//

Tolerance qnk::runner::getTolerance(ElementType type, int64_t maxReductionSize,
                                    double inputMaxAbs, double weightRounding) {
  Tolerance t;
  if (!isFloatingPoint(type))
    return t;
  t.exact = false;
  double k = double(std::max<int64_t>(maxReductionSize, 1));
  double a = std::isfinite(inputMaxAbs) ? inputMaxAbs : 1.0;
  t.atol = 1e-6 * k * a * a + weightRounding * a;
  t.rtol = 1e-4;
  if (type == ElementType::F16)
    t.rtol = 0x1p-10;
  else if (type == ElementType::BF16)
    t.rtol = 0x1p-7;
  return t;
}

Comparison qnk::runner::compareTensors(const Tensor &got, const Tensor &ref,
                                       const Tolerance &tolerance) {
  assert(got.getType() == ref.getType() && "comparing different types");
  Comparison c;
  const double inf = std::numeric_limits<double>::infinity();
  for (int64_t i = 0, e = ref.getNumElements(); i < e; ++i) {
    double x = got.getAsDouble(i), r = ref.getAsDouble(i);
    double absErr;
    bool ok;
    if (std::isnan(x) || std::isnan(r)) {
      ok = std::isnan(x) && std::isnan(r);
      absErr = ok ? 0 : inf;
    } else if (std::isinf(x) || std::isinf(r)) {
      ok = x == r;
      absErr = ok ? 0 : inf;
    } else {
      absErr = std::fabs(x - r);
      ok = tolerance.exact
               ? x == r
               : absErr <= tolerance.atol + tolerance.rtol * std::fabs(r);
    }
    double relErr =
        absErr == 0 ? 0 : absErr / std::max(std::fabs(r), double(FLT_MIN));
    c.maxAbsErr = std::max(c.maxAbsErr, absErr);
    c.maxRelErr = std::max(c.maxRelErr, relErr);
    if (!ok) {
      if (c.numMismatches++ == 0) {
        c.firstMismatch = i;
        c.firstGot = x;
        c.firstExpected = r;
      }
    }
  }
  return c;
}

std::string qnk::runner::formatIndex(llvm::ArrayRef<int64_t> shape,
                                     int64_t index) {
  llvm::SmallVector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = shape[d] ? index % shape[d] : 0;
    index = shape[d] ? index / shape[d] : 0;
  }
  std::string s;
  llvm::raw_string_ostream os(s);
  os << '[';
  llvm::interleaveComma(idx, os);
  os << ']';
  return s;
}
