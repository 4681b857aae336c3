//===- Npy.cpp - Reading and writing .npy files ---------------------------===//
//
// The format (numpy/lib/format.py): the magic "\x93NUMPY", a major and minor
// version byte, a little-endian header length (u16 in 1.0, u32 in 2.0 and
// 3.0), then an ASCII (3.0: UTF-8) Python dict literal with 'descr',
// 'fortran_order' and 'shape', padded with spaces and ended by '\n', then the
// raw data.
//
//===----------------------------------------------------------------------===//

#include "qnk/Runner/Runner.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <limits>

using namespace qnk::runner;

static constexpr char kMagic[] = "\x93NUMPY";
static constexpr size_t kMagicSize = 6;

static llvm::StringRef getDescr(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return "<f4";
  case ElementType::BF16:
    // What np.save writes for an ml_dtypes.bfloat16 array: numpy knows the
    // type only as two opaque bytes.
    return "<V2";
  case ElementType::F16:
    return "<f2";
  case ElementType::F8E4M3FN:
  case ElementType::F8E5M2:
  case ElementType::F8E8M0FNU:
  case ElementType::F4E2M1FN:
    // As np.save writes ml_dtypes' fp8 and fp4 arrays (one fp4 code a byte).
    return "|V1";

  case ElementType::I8:
  case ElementType::I4: // one element per byte in the file
    return "|i1";
  case ElementType::UI8:
  case ElementType::UI4:
    return "|u1";
  case ElementType::I32:
    return "<i4";
  }
  llvm_unreachable("unknown element type");
}

/// The element type of a descr, or nothing. '=' (native order) is little
/// endian on every host QNK runs on; one-byte types have no order ('|').
static std::optional<ElementType>
parseDescr(llvm::StringRef descr, std::optional<ElementType> opaqueByte) {
  if (descr == "bfloat16")
    return ElementType::BF16;
  if (descr == "float8_e4m3fn")
    return ElementType::F8E4M3FN;
  if (descr == "float8_e5m2")
    return ElementType::F8E5M2;
  if (descr == "float8_e8m0fnu")
    return ElementType::F8E8M0FNU;
  if (descr == "float4_e2m1fn")
    return ElementType::F4E2M1FN;
  // ml_dtypes' fp8 arrays: np.save writes one opaque byte ('<V1' or '|V1',
  // or '<f1', by numpy version), the same for both formats.
  if ((descr == "|V1" || descr == "<V1" || descr == "V1" || descr == "<f1" ||
       descr == "|f1") &&
      opaqueByte &&
      (*opaqueByte == ElementType::F8E4M3FN ||
       *opaqueByte == ElementType::F8E5M2 ||
       *opaqueByte == ElementType::F8E8M0FNU ||
       *opaqueByte == ElementType::F4E2M1FN))
    return opaqueByte;
  // 4-bit arrays hold one element per byte: ml_dtypes' int4/uint4 (saved as
  // an opaque byte) or plain int8/uint8 arrays.
  if (opaqueByte &&
      (*opaqueByte == ElementType::I4 || *opaqueByte == ElementType::UI4)) {
    llvm::StringRef d = descr.ltrim("<|=");
    if (d == "V1" || d == "int4" || d == "uint4" ||
        d == (*opaqueByte == ElementType::I4 ? "i1" : "u1"))
      return opaqueByte;
  }
  if (descr.size() == 3 &&
      (descr[0] == '<' || descr[0] == '=' || descr[0] == '|'))
    descr = descr.drop_front();
  return llvm::StringSwitch<std::optional<ElementType>>(descr)
      .Case("f4", ElementType::F32)
      .Case("f2", ElementType::F16)
      .Case("V2", ElementType::BF16)
      .Case("i1", ElementType::I8)
      .Case("b1", std::nullopt) // bool: not a number QNK multiplies.
      .Case("u1", ElementType::UI8)
      .Case("i4", ElementType::I32)
      .Default(std::nullopt);
}

namespace {
/// A parser for the header dict, which np.save writes as a Python literal:
/// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class HeaderParser {
public:
  explicit HeaderParser(llvm::StringRef text) : text(text) {}

  llvm::Error parse(std::string &descr, bool &fortranOrder,
                    llvm::SmallVectorImpl<int64_t> &shape) {
    bool sawDescr = false, sawOrder = false, sawShape = false;
    if (!consume('{'))
      return error("expected '{'");
    while (!consume('}')) {
      std::string key;
      if (llvm::Error e = parseString(key))
        return e;
      if (!consume(':'))
        return error("expected ':' after '" + key + "'");
      if (key == "descr") {
        if (peek() != '\'' && peek() != '"')
          return error("structured dtypes are not supported");
        if (llvm::Error e = parseString(descr))
          return e;
        sawDescr = true;
      } else if (key == "fortran_order") {
        if (consumeWord("True"))
          fortranOrder = true;
        else if (consumeWord("False"))
          fortranOrder = false;
        else
          return error("expected True or False for 'fortran_order'");
        sawOrder = true;
      } else if (key == "shape") {
        if (llvm::Error e = parseShape(shape))
          return e;
        sawShape = true;
      } else {
        return error("unexpected key '" + key + "'");
      }
      if (!consume(',') && peek() != '}')
        return error("expected ',' or '}'");
    }
    if (!sawDescr || !sawOrder || !sawShape)
      return error("missing 'descr', 'fortran_order' or 'shape'");
    return llvm::Error::success();
  }

private:
  llvm::StringRef text;

  llvm::Error error(const llvm::Twine &message) {
    return llvm::createStringError("malformed header: " + message);
  }
  void skipSpace() { text = text.ltrim(" \t\r\n"); }
  char peek() {
    skipSpace();
    return text.empty() ? 0 : text.front();
  }
  bool consume(char c) {
    if (peek() != c)
      return false;
    text = text.drop_front();
    return true;
  }
  bool consumeWord(llvm::StringRef word) {
    skipSpace();
    return text.consume_front(word);
  }
  llvm::Error parseString(std::string &out) {
    char quote = peek();
    if (quote != '\'' && quote != '"')
      return error("expected a quoted string");
    text = text.drop_front();
    size_t end = text.find(quote);
    if (end == llvm::StringRef::npos)
      return error("unterminated string");
    out = text.take_front(end).str();
    text = text.drop_front(end + 1);
    return llvm::Error::success();
  }
  llvm::Error parseShape(llvm::SmallVectorImpl<int64_t> &shape) {
    if (!consume('('))
      return error("expected '(' to start 'shape'");
    while (!consume(')')) {
      skipSpace();
      size_t digits = 0;
      while (digits < text.size() && llvm::isDigit(text[digits]))
        ++digits;
      int64_t dim;
      if (digits == 0 || text.take_front(digits).getAsInteger(10, dim))
        return error("expected a dimension in 'shape'");
      shape.push_back(dim);
      text = text.drop_front(digits);
      if (!consume(',') && peek() != ')')
        return error("expected ',' or ')' in 'shape'");
    }
    return llvm::Error::success();
  }
};
} // namespace

llvm::Expected<NpyArray>
qnk::runner::readNpy(llvm::StringRef path,
                     std::optional<ElementType> opaqueByte) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!file)
    return llvm::createStringError("cannot open '" + path.str() +
                                   "': " + file.getError().message());
  llvm::StringRef bytes = (*file)->getBuffer();
  auto fail = [&](const llvm::Twine &message) {
    return llvm::createStringError("'" + path.str() +
                                   "' is not a valid .npy file: " + message);
  };
  if (bytes.size() < kMagicSize + 4 ||
      !bytes.starts_with(llvm::StringRef(kMagic, kMagicSize)))
    return fail("bad magic string");
  uint8_t major = uint8_t(bytes[6]);
  size_t headerLength, dataOffset;
  if (major == 1) {
    headerLength = uint8_t(bytes[8]) | (size_t(uint8_t(bytes[9])) << 8);
    dataOffset = 10 + headerLength;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return fail("truncated header");
    headerLength = 0;
    for (int i = 0; i < 4; ++i)
      headerLength |= size_t(uint8_t(bytes[8 + i])) << (8 * i);
    dataOffset = 12 + headerLength;
  } else {
    return fail("unsupported format version " + llvm::Twine(int(major)));
  }
  if (dataOffset > bytes.size())
    return fail("truncated header");

  NpyArray array;
  bool fortranOrder = false;
  HeaderParser parser(bytes.slice(dataOffset - headerLength, dataOffset));
  if (llvm::Error e = parser.parse(array.descr, fortranOrder, array.shape))
    return fail(llvm::toString(std::move(e)));
  // Element counts and byte sizes are computed in int64_t from here on.
  int64_t count = 1;
  for (int64_t d : array.shape)
    if (llvm::MulOverflow(count, d, count) ||
        count > std::numeric_limits<int64_t>::max() / 16)
      return fail("the shape has more elements than memory can hold");
  if (fortranOrder)
    return llvm::createStringError(
        "'" + path.str() +
        "' holds a Fortran-order array; save it in C order "
        "(np.save(f, np.ascontiguousarray(x)))");
  array.elementType = parseDescr(array.descr, opaqueByte);
  if (!array.elementType)
    return array; // The caller names the dtype it expected.

  TensorSpec type{*array.elementType, array.shape};
  if (isPacked4Bit(type.elementType)) {
    // One element per byte in the file, two per byte in memory.
    size_t n = size_t(type.getNumElements());
    if (bytes.size() - dataOffset != n)
      return fail("the header describes " + llvm::Twine(n) +
                  " one-byte elements but the file holds " +
                  llvm::Twine(bytes.size() - dataOffset) + " bytes");
    // fp4 bytes hold the code (0..15), like ui4.
    bool isSigned = type.elementType == ElementType::I4;
    array.tensor = Tensor(type);
    for (size_t i = 0; i < n; ++i) {
      int v = isSigned ? int(int8_t(bytes[dataOffset + i]))
                       : int(uint8_t(bytes[dataOffset + i]));
      if (v < (isSigned ? -8 : 0) || v > (isSigned ? 7 : 15))
        return fail("element " + llvm::Twine(i) + " is " + llvm::Twine(v) +
                    ", outside the range of " +
                    getElementTypeName(type.elementType));
      array.tensor.setInteger(int64_t(i), v);
    }
    return array;
  }
  size_t expected = size_t(type.getSizeInBytes());
  size_t actual = bytes.size() - dataOffset;
  if (actual != expected)
    return fail("the header describes " + llvm::Twine(expected) +
                " bytes of data (" + type.str() + ") but the file holds " +
                llvm::Twine(actual));
  array.tensor = Tensor(type);
  std::memcpy(array.tensor.data(), bytes.data() + dataOffset, expected);
  return array;
}

llvm::Error qnk::runner::writeNpy(llvm::StringRef path, const Tensor &tensor) {
  const TensorSpec &type = tensor.getType();
  std::string dict;
  llvm::raw_string_ostream os(dict);
  // Python's tuple spelling: (), (5,), (3, 4).
  std::string shape = llvm::join(
      llvm::map_range(type.shape, [](int64_t d) { return std::to_string(d); }),
      ", ");
  if (type.shape.size() == 1)
    shape += ',';
  os << "{'descr': '" << getDescr(type.elementType)
     << "', 'fortran_order': False, 'shape': (" << shape << "), }";
  // Pad with spaces so the data starts at a multiple of 64 bytes, as numpy
  // does, and end the header with a newline. Version 2.0 only widens the
  // header length field, for headers (very high ranks) that need it.
  uint8_t major = dict.size() + 64 > 65535 ? 2 : 1;
  size_t prefix = kMagicSize + 2 + (major == 1 ? 2 : 4);
  size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - prefix - dict.size() - 1, ' ');
  dict.push_back('\n');

  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError("cannot write '" + path.str() +
                                   "': " + ec.message());
  out.write(kMagic, kMagicSize);
  out << char(major) << char(0);
  size_t headerLength = dict.size();
  for (int i = 0, e = major == 1 ? 2 : 4; i < e; ++i)
    out << char((headerLength >> (8 * i)) & 0xff);
  out << dict;
  if (isPacked4Bit(type.elementType)) {
    for (int64_t i = 0, e = type.getNumElements(); i < e; ++i)
      out << char(type.elementType == ElementType::F4E2M1FN
                      ? (tensor.data()[i / 2] >> (4 * (i % 2))) & 0xF
                      : int(tensor.getAsDouble(i)));
  } else {
    out.write(reinterpret_cast<const char *>(tensor.data()),
              size_t(tensor.getSizeInBytes()));
  }
  out.close();
  if (out.has_error()) {
    std::error_code writeError = out.error();
    out.clear_error();
    return llvm::createStringError("cannot write '" + path.str() +
                                   "': " + writeError.message());
  }
  return llvm::Error::success();
}
