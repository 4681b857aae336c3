//===- BinaryInfo.h - Which GPUs a cubin, fatbin or PTX module is for -*- C++
//-*-===//
//
// Reads the architecture out of a GPU binary without the driver, so that a
// module built for another GPU is refused with a message naming both (the
// driver only says CUDA_ERROR_NO_BINARY_FOR_GPU), and so that tests can
// check it on machines without a GPU.
//
//   cubin:  an ELF file, EM_CUDA; the SM number sits in e_flags (bits 0-7
//           up to ELF ABI version 7, bits 8-15 from version 8, which CUDA
//           12.8+ writes). Arch-specific variants (sm_90a) are marked by
//           an e_flags bit (EF_CUDA_ACCELERATORS) or, as ptxas 13 writes
//           them, by attribute 9 of the .nv.compat section; family variants
//           (sm_100f) only by the ptxas command line kept in the
//           .note.nv.tkinfo note.
//   fatbin: a 0xBA55ED50 container of cubins (kind 2) and PTX (kind 1),
//           each entry header giving its SM number.
//   PTX:    text with a `.target sm_XY[a|f]` directive.
//
//===----------------------------------------------------------------------===//
#ifndef QNK_RUNTIME_CUDA_BINARYINFO_H
#define QNK_RUNTIME_CUDA_BINARYINFO_H

#include "qnk/Runtime/CUDA/Runtime.h"

#include <cstddef>
#include <string>
#include <vector>

namespace qnk::cuda {

/// One piece of code in a binary: machine code for one SM, or PTX.
struct QNK_CUDA_EXPORT BinaryImage {
  enum class Kind { Cubin, PTX };
  Kind kind = Kind::Cubin;
  /// sm_90a: major 9, minor 0.
  int major = 0, minor = 0;
  /// `a`: runs only on exactly this compute capability.
  bool archSpecific = false;
  /// `f`: runs on this family (same major, minor at least this).
  bool familySpecific = false;
  /// Fatbin entries whose payload is compressed cannot be inspected; their
  /// `a`/`f` suffix is then unknown.
  bool compressed = false;

  /// `sm_90a` for a cubin, `compute_90a` for PTX.
  std::string getName() const;
  /// Whether the driver can run this on a device of compute capability
  /// major.minor: cubins only within their major version (and exactly for
  /// `a`), PTX on the same or newer devices (exactly for `a`, within the
  /// major for `f`) through the driver's JIT.
  bool runsOn(int deviceMajor, int deviceMinor) const;
};

struct QNK_CUDA_EXPORT BinaryInfo {
  enum class Format { Cubin, Fatbin, PTX };
  Format format = Format::Cubin;
  std::vector<BinaryImage> images;

  /// `cubin`, `fatbin` or `PTX`.
  const char *getFormatName() const;
  /// `sm_90a`, or `sm_80 cubin, compute_80 PTX` for a fatbin.
  std::string describe() const;
  /// Whether any image runs on the device.
  bool runsOn(int deviceMajor, int deviceMinor) const;
};

/// Reads `data`. `size` may be 0 for PTX or a fatbin (both carry their
/// length), never for a cubin. Returns false with `error` set when the
/// bytes are none of the three or are malformed (truncated, no target).
QNK_CUDA_EXPORT bool inspectBinary(const void *data, size_t size,
                                   BinaryInfo &info, std::string &error);

} // namespace qnk::cuda

#endif // QNK_RUNTIME_CUDA_BINARYINFO_H
