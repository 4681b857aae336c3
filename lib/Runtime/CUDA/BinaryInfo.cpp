//===- BinaryInfo.cpp - Which GPUs a cubin, fatbin or PTX module is for ---===//
//
// The layouts read here are those ptxas and fatbinary write (CUDA 12 and
// 13); see BinaryInfo.h. Every read is bounds-checked: the bytes come from
// whatever a program embedded.
//
//===----------------------------------------------------------------------===//

#include "qnk/Runtime/CUDA/BinaryInfo.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>

using namespace qnk::cuda;

namespace {

/// A bounds-checked little-endian view of `size` bytes.
class Bytes {
public:
  Bytes(const uint8_t *data, size_t size) : data(data), size(size) {}
  bool has(uint64_t offset, uint64_t length) const {
    return offset <= size && length <= size - offset;
  }
  template <typename T> T read(uint64_t offset) const {
    T value;
    std::memcpy(&value, data + offset, sizeof(T));
    return value;
  }
  const uint8_t *at(uint64_t offset) const { return data + offset; }
  size_t getSize() const { return size; }

private:
  const uint8_t *data;
  size_t size;
};

constexpr uint32_t kFatbinMagic = 0xBA55ED50;
constexpr uint16_t kEMCuda = 190;
constexpr uint16_t kFatbinKindPTX = 1, kFatbinKindCubin = 2;
// Fatbin entry flags, as fatbinary 12/13 writes them.
constexpr uint64_t kFatbinCompressedLZ4 = 0x2000,
                   kFatbinCompressedZstd = 0x8000,
                   kFatbinArchSpecific = 0x100000,
                   kFatbinFamilySpecific = 0x200000;
// e_flags of cubins: ELF ABI version 7 and 8.
constexpr uint32_t kV1SMMask = 0xff, kV1ArchSpecific = 0x800;
constexpr uint32_t kV2SMMask = 0xff00, kV2SMShift = 8, kV2ArchSpecific = 0x8;
// .nv.compat attribute that is nonzero for sm_XYa.
constexpr uint8_t kCompatAttrArchSpecific = 9;

/// Applies the `a`/`f` suffix that starts at `suffix` (if any) to `image`.
void applySuffix(const char *suffix, size_t length, BinaryImage &image) {
  if (length == 0)
    return;
  if (suffix[0] == 'a')
    image.archSpecific = true;
  else if (suffix[0] == 'f')
    image.familySpecific = true;
}

/// Parses `sm_XY[Z][a|f]` (or `compute_...`) at `text`: the digits give
/// major (all but the last) and minor (the last).
bool parseSMName(const char *text, size_t length, BinaryImage &image) {
  size_t digits = 0;
  while (digits < length && text[digits] >= '0' && text[digits] <= '9')
    ++digits;
  if (digits < 2 || digits > 3)
    return false;
  int number = 0;
  for (size_t i = 0; i < digits; ++i)
    number = number * 10 + (text[i] - '0');
  image.major = number / 10;
  image.minor = number % 10;
  size_t suffixLength = 0;
  if (digits < length && (text[digits] == 'a' || text[digits] == 'f'))
    suffixLength = 1;
  applySuffix(text + digits, suffixLength, image);
  return true;
}

/// The section named `name` of a 64-bit ELF file, or false.
bool findSection(const Bytes &elf, const char *name, uint64_t &offset,
                 uint64_t &size) {
  uint64_t shoff = elf.read<uint64_t>(40);
  uint16_t shentsize = elf.read<uint16_t>(58);
  uint16_t shnum = elf.read<uint16_t>(60);
  uint16_t shstrndx = elf.read<uint16_t>(62);
  if (shentsize < 64 || shstrndx >= shnum ||
      !elf.has(shoff, uint64_t(shnum) * shentsize))
    return false;
  auto sectionHeader = [&](unsigned i) {
    return shoff + uint64_t(i) * shentsize;
  };
  uint64_t strtab = elf.read<uint64_t>(sectionHeader(shstrndx) + 24);
  uint64_t strtabSize = elf.read<uint64_t>(sectionHeader(shstrndx) + 32);
  if (!elf.has(strtab, strtabSize))
    return false;
  size_t nameLength = std::strlen(name);
  for (unsigned i = 0; i < shnum; ++i) {
    uint32_t nameOffset = elf.read<uint32_t>(sectionHeader(i));
    if (nameOffset >= strtabSize || strtabSize - nameOffset <= nameLength)
      continue;
    const char *sectionName =
        reinterpret_cast<const char *>(elf.at(strtab + nameOffset));
    if (std::memcmp(sectionName, name, nameLength + 1) != 0)
      continue;
    offset = elf.read<uint64_t>(sectionHeader(i) + 24);
    size = elf.read<uint64_t>(sectionHeader(i) + 32);
    return elf.has(offset, size);
  }
  return false;
}

/// Looks for the arch-specific attribute in the .nv.compat section: 4-byte
/// records (format, attribute, 16-bit value or size) where format 4 is
/// followed by `size` bytes of data.
bool hasArchSpecificCompatAttribute(const Bytes &elf) {
  uint64_t offset, size;
  if (!findSection(elf, ".nv.compat", offset, size))
    return false;
  for (uint64_t at = offset; at + 4 <= offset + size;) {
    uint8_t format = *elf.at(at), attribute = *elf.at(at + 1);
    uint16_t value = elf.read<uint16_t>(at + 2);
    if (attribute == kCompatAttrArchSpecific && (format == 2 || format == 3))
      return (format == 2 ? (value & 0xff) : value) != 0;
    at += 4 + (format == 4 ? value : 0);
  }
  return false;
}

/// Applies the suffix of `-arch sm_XYf` in the ptxas command line that
/// .note.nv.tkinfo keeps, the only place that marks family variants.
void applyToolkitArchSuffix(const Bytes &elf, BinaryImage &image) {
  uint64_t offset, size;
  if (!findSection(elf, ".note.nv.tkinfo", offset, size))
    return;
  static const char pattern[] = "-arch sm_";
  const size_t patternLength = sizeof(pattern) - 1;
  for (uint64_t at = offset; at + patternLength < offset + size; ++at) {
    if (std::memcmp(elf.at(at), pattern, patternLength) != 0)
      continue;
    BinaryImage named;
    const char *text =
        reinterpret_cast<const char *>(elf.at(at + patternLength));
    size_t length = offset + size - (at + patternLength);
    if (parseSMName(text, length, named) && named.major == image.major &&
        named.minor == image.minor) {
      image.archSpecific |= named.archSpecific;
      image.familySpecific |= named.familySpecific;
    }
    return;
  }
}

bool inspectCubin(const Bytes &elf, BinaryImage &image, std::string &error) {
  if (!elf.has(0, 64)) {
    error = "truncated cubin (" + std::to_string(elf.getSize()) +
            " bytes, shorter than an ELF header)";
    return false;
  }
  if (elf.at(4)[0] != 2) {
    error = "cubin is a 32-bit ELF file; only 64-bit cubins are supported";
    return false;
  }
  if (elf.read<uint16_t>(18) != kEMCuda) {
    error = "ELF file is not a cubin (e_machine " +
            std::to_string(elf.read<uint16_t>(18)) + ", not EM_CUDA 190)";
    return false;
  }
  uint8_t abiVersion = elf.at(8)[0];
  uint32_t flags = elf.read<uint32_t>(48);
  unsigned sm;
  if (abiVersion >= 8) {
    sm = (flags & kV2SMMask) >> kV2SMShift;
    image.archSpecific = flags & kV2ArchSpecific;
  } else {
    sm = flags & kV1SMMask;
    image.archSpecific = flags & kV1ArchSpecific;
  }
  if (sm < 10) {
    error = "cubin names no SM architecture (e_flags " + std::to_string(flags) +
            ")";
    return false;
  }
  image.kind = BinaryImage::Kind::Cubin;
  image.major = sm / 10;
  image.minor = sm % 10;
  image.archSpecific |= hasArchSpecificCompatAttribute(elf);
  applyToolkitArchSuffix(elf, image);
  return true;
}

/// The extent of a cubin whose size the caller does not know: its headers
/// come last in what ptxas writes.
size_t getCubinExtent(const uint8_t *data) {
  Bytes header(data, 64);
  uint64_t shEnd =
      header.read<uint64_t>(40) +
      uint64_t(header.read<uint16_t>(58)) * header.read<uint16_t>(60);
  uint64_t phEnd =
      header.read<uint64_t>(32) +
      uint64_t(header.read<uint16_t>(54)) * header.read<uint16_t>(56);
  return std::max<uint64_t>({64, shEnd, phEnd});
}

bool inspectPTX(const char *text, size_t length, BinaryImage &image,
                std::string &error) {
  static const char directive[] = ".target";
  const size_t directiveLength = sizeof(directive) - 1;
  for (size_t at = 0; at + directiveLength < length; ++at) {
    if (std::memcmp(text + at, directive, directiveLength) != 0)
      continue;
    size_t next = at + directiveLength;
    while (next < length && (text[next] == ' ' || text[next] == '\t'))
      ++next;
    if (next + 3 < length && std::memcmp(text + next, "sm_", 3) == 0 &&
        parseSMName(text + next + 3, length - next - 3, image)) {
      image.kind = BinaryImage::Kind::PTX;
      return true;
    }
    break;
  }
  error = "PTX has no '.target sm_XY' directive";
  return false;
}

bool inspectFatbin(const Bytes &fatbin, BinaryInfo &info, std::string &error) {
  if (!fatbin.has(0, 16)) {
    error = "truncated fatbin header";
    return false;
  }
  uint16_t headerSize = fatbin.read<uint16_t>(6);
  uint64_t payloadSize = fatbin.read<uint64_t>(8);
  if (headerSize < 16 || !fatbin.has(headerSize, payloadSize)) {
    error = "truncated fatbin: header says " +
            std::to_string(headerSize + payloadSize) + " bytes, " +
            std::to_string(fatbin.getSize()) + " given";
    return false;
  }
  for (uint64_t at = headerSize; at < headerSize + payloadSize;) {
    if (!fatbin.has(at, 48)) {
      error = "truncated fatbin entry";
      return false;
    }
    uint16_t kind = fatbin.read<uint16_t>(at);
    uint32_t entryHeaderSize = fatbin.read<uint32_t>(at + 4);
    uint64_t entrySize = fatbin.read<uint64_t>(at + 8);
    uint32_t sm = fatbin.read<uint32_t>(at + 28);
    uint64_t flags = fatbin.read<uint64_t>(at + 40);
    if (entryHeaderSize < 48 || !fatbin.has(at + entryHeaderSize, entrySize)) {
      error = "truncated fatbin entry";
      return false;
    }
    if (kind == kFatbinKindPTX || kind == kFatbinKindCubin) {
      BinaryImage image;
      image.kind = kind == kFatbinKindPTX ? BinaryImage::Kind::PTX
                                          : BinaryImage::Kind::Cubin;
      image.major = sm / 10;
      image.minor = sm % 10;
      image.archSpecific = flags & kFatbinArchSpecific;
      image.familySpecific = flags & kFatbinFamilySpecific;
      image.compressed = flags & (kFatbinCompressedLZ4 | kFatbinCompressedZstd);
      // An uncompressed cubin says more about itself than its entry does.
      Bytes payload(fatbin.at(at + entryHeaderSize), entrySize);
      std::string ignored;
      BinaryImage fromCubin;
      if (image.kind == BinaryImage::Kind::Cubin && !image.compressed &&
          inspectCubin(payload, fromCubin, ignored) &&
          fromCubin.major == image.major && fromCubin.minor == image.minor) {
        image.archSpecific |= fromCubin.archSpecific;
        image.familySpecific |= fromCubin.familySpecific;
      }
      info.images.push_back(image);
    }
    at += entryHeaderSize + entrySize;
  }
  if (info.images.empty()) {
    error = "fatbin holds no cubin or PTX";
    return false;
  }
  return true;
}

} // namespace

std::string BinaryImage::getName() const {
  std::string name = kind == Kind::Cubin ? "sm_" : "compute_";
  name += std::to_string(major * 10 + minor);
  if (archSpecific)
    name += 'a';
  else if (familySpecific)
    name += 'f';
  return name;
}

bool BinaryImage::runsOn(int deviceMajor, int deviceMinor) const {
  if (archSpecific)
    return deviceMajor == major && deviceMinor == minor;
  if (kind == Kind::Cubin || familySpecific)
    return deviceMajor == major && deviceMinor >= minor;
  return deviceMajor > major || (deviceMajor == major && deviceMinor >= minor);
}

const char *BinaryInfo::getFormatName() const {
  switch (format) {
  case Format::Cubin:
    return "cubin";
  case Format::Fatbin:
    return "fatbin";
  case Format::PTX:
    return "PTX";
  }
  return "binary";
}

std::string BinaryInfo::describe() const {
  if (format != Format::Fatbin && images.size() == 1)
    return images.front().getName();
  std::string text;
  for (const BinaryImage &image : images) {
    if (!text.empty())
      text += ", ";
    text += image.getName();
    text += image.kind == BinaryImage::Kind::Cubin ? " cubin" : " PTX";
  }
  return text;
}

bool BinaryInfo::runsOn(int deviceMajor, int deviceMinor) const {
  for (const BinaryImage &image : images)
    if (image.runsOn(deviceMajor, deviceMinor))
      return true;
  return false;
}

bool qnk::cuda::inspectBinary(const void *data, size_t size, BinaryInfo &info,
                              std::string &error) {
  info = BinaryInfo();
  if (!data) {
    error = "no binary (null pointer)";
    return false;
  }
  const auto *bytes = static_cast<const uint8_t *>(data);
  // The first bytes tell the format; a size of 0 means "read the length
  // from the binary itself".
  auto startsWith = [&](const void *magic, size_t length) {
    return (size == 0 || size >= length) &&
           std::memcmp(bytes, magic, length) == 0;
  };
  uint32_t fatbinMagic = kFatbinMagic;
  if (startsWith(&fatbinMagic, 4)) {
    info.format = BinaryInfo::Format::Fatbin;
    if (size == 0) {
      Bytes header(bytes, 16);
      size = header.read<uint16_t>(6) + header.read<uint64_t>(8);
    }
    return inspectFatbin(Bytes(bytes, size), info, error);
  }
  if (startsWith("\x7f"
                 "ELF",
                 4)) {
    info.format = BinaryInfo::Format::Cubin;
    if (size == 0)
      size = getCubinExtent(bytes);
    BinaryImage image;
    if (!inspectCubin(Bytes(bytes, size), image, error))
      return false;
    info.images.push_back(image);
    return true;
  }
  // PTX: text. Without a size it is NUL-terminated.
  size_t length = size ? strnlen(reinterpret_cast<const char *>(bytes), size)
                       : std::strlen(reinterpret_cast<const char *>(bytes));
  const char *text = reinterpret_cast<const char *>(bytes);
  bool looksLikeText = length > 0;
  for (size_t i = 0; i < length && i < 256 && looksLikeText; ++i)
    looksLikeText = text[i] == '\n' || text[i] == '\r' || text[i] == '\t' ||
                    (text[i] >= 0x20 && text[i] < 0x7f);
  if (!looksLikeText) {
    error = "not a cubin, fatbin or PTX module (starts with bytes";
    char hex[8];
    for (size_t i = 0; i < 4 && (size == 0 || i < size); ++i) {
      std::snprintf(hex, sizeof(hex), " %02x", bytes[i]);
      error += hex;
    }
    error += ")";
    return false;
  }
  info.format = BinaryInfo::Format::PTX;
  BinaryImage image;
  if (!inspectPTX(text, length, image, error))
    return false;
  info.images.push_back(image);
  return true;
}
