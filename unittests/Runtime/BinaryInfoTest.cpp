//===- BinaryInfoTest.cpp - The cubin/fatbin/PTX architecture reader ------===//

#include "qnk/Runtime/CUDA/BinaryInfo.h"
#include "TestSupport.h"

#include <cstring>

using namespace qnk::cuda;
using namespace qnk::cuda::test;

namespace {

BinaryInfo inspect(const std::vector<char> &bytes, size_t size) {
  BinaryInfo info;
  std::string error;
  EXPECT_TRUE(inspectBinary(bytes.data(), size, info, error)) << error;
  return info;
}

TEST(BinaryInfo, CubinForSm80) {
  QNK_REQUIRE_INPUT(cubin, "fill_sm_80.cubin");
  BinaryInfo info = inspect(cubin, cubin.size());
  EXPECT_EQ(info.format, BinaryInfo::Format::Cubin);
  ASSERT_EQ(info.images.size(), 1u);
  EXPECT_EQ(info.images[0].getName(), "sm_80");
  EXPECT_EQ(info.describe(), "sm_80");
  // Machine code runs within its major version only.
  EXPECT_TRUE(info.runsOn(8, 0));
  EXPECT_TRUE(info.runsOn(8, 6));
  EXPECT_FALSE(info.runsOn(7, 5));
  EXPECT_FALSE(info.runsOn(9, 0));
}

TEST(BinaryInfo, ArchSpecificCubins) {
  QNK_REQUIRE_INPUT(sm90a, "fill_sm_90a.cubin");
  QNK_REQUIRE_INPUT(sm100a, "fill_sm_100a.cubin");
  BinaryInfo hopper = inspect(sm90a, sm90a.size());
  EXPECT_EQ(hopper.describe(), "sm_90a");
  EXPECT_TRUE(hopper.images[0].archSpecific);
  EXPECT_TRUE(hopper.runsOn(9, 0));
  EXPECT_FALSE(hopper.runsOn(8, 0));
  EXPECT_FALSE(hopper.runsOn(10, 0));
  BinaryInfo blackwell = inspect(sm100a, sm100a.size());
  EXPECT_EQ(blackwell.describe(), "sm_100a");
  EXPECT_FALSE(blackwell.runsOn(9, 0));
  EXPECT_TRUE(blackwell.runsOn(10, 0));
}

TEST(BinaryInfo, CubinSizeFromItsHeaders) {
  QNK_REQUIRE_INPUT(cubin, "fill_sm_90a.cubin");
  EXPECT_EQ(inspect(cubin, 0).describe(), "sm_90a");
}

TEST(BinaryInfo, FatbinWithPTX) {
  QNK_REQUIRE_INPUT(fatbin, "fill_sm_80_ptx.fatbin");
  for (size_t size : {fatbin.size(), size_t(0)}) {
    BinaryInfo info = inspect(fatbin, size);
    EXPECT_EQ(info.format, BinaryInfo::Format::Fatbin);
    EXPECT_EQ(info.describe(), "sm_80 cubin, compute_80 PTX");
    // The PTX lets the driver compile it for newer GPUs.
    EXPECT_TRUE(info.runsOn(9, 0));
    EXPECT_FALSE(info.runsOn(7, 5));
  }
}

TEST(BinaryInfo, PTXText) {
  auto ptx = [](const char *text) {
    std::vector<char> bytes(text, text + std::strlen(text) + 1);
    BinaryInfo info;
    std::string error;
    EXPECT_TRUE(inspectBinary(bytes.data(), 0, info, error)) << error;
    return info;
  };
  BinaryInfo portable = ptx(".version 8.0\n.target sm_80\n.address_size 64\n");
  EXPECT_EQ(portable.format, BinaryInfo::Format::PTX);
  EXPECT_EQ(portable.describe(), "compute_80");
  EXPECT_TRUE(portable.runsOn(9, 0));
  EXPECT_TRUE(portable.runsOn(10, 0));
  EXPECT_FALSE(portable.runsOn(7, 5));
  BinaryInfo specific = ptx("//\n.version 8.0\n.target\tsm_90a\n");
  EXPECT_EQ(specific.describe(), "compute_90a");
  EXPECT_TRUE(specific.runsOn(9, 0));
  EXPECT_FALSE(specific.runsOn(10, 0));
  BinaryInfo family = ptx(".target sm_100f, debug\n");
  EXPECT_EQ(family.describe(), "compute_100f");
  EXPECT_TRUE(family.runsOn(10, 3));
  EXPECT_FALSE(family.runsOn(12, 0));
}

TEST(BinaryInfo, MalformedInputsAreRefused) {
  auto refuse = [](const void *data, size_t size) {
    BinaryInfo info;
    std::string error;
    EXPECT_FALSE(inspectBinary(data, size, info, error));
    return error;
  };
  EXPECT_EQ(refuse(nullptr, 0), "no binary (null pointer)");
  const unsigned char garbage[] = {0x00, 0x01, 0x02, 0xff, 0x10, 0x20};
  EXPECT_EQ(
      refuse(garbage, sizeof(garbage)),
      "not a cubin, fatbin or PTX module (starts with bytes 00 01 02 ff)");
  const char noTarget[] = ".version 8.0\n.address_size 64\n";
  EXPECT_EQ(refuse(noTarget, 0), "PTX has no '.target sm_XY' directive");
  // An x86-64 ELF header is not a cubin.
  unsigned char elf[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
  elf[18] = 62; // EM_X86_64
  EXPECT_EQ(refuse(elf, sizeof(elf)),
            "ELF file is not a cubin (e_machine 62, not EM_CUDA 190)");
  elf[4] = 1;
  EXPECT_EQ(refuse(elf, sizeof(elf)),
            "cubin is a 32-bit ELF file; only 64-bit cubins are supported");
}

TEST(BinaryInfo, TruncatedBinariesAreRefusedNotOverread) {
  QNK_REQUIRE_INPUT(cubin, "fill_sm_80.cubin");
  QNK_REQUIRE_INPUT(fatbin, "fill_sm_80_ptx.fatbin");
  // Every prefix, each in a buffer of exactly its size (so that ASan sees an
  // overread): refused or, for a cubin prefix that keeps every header it
  // needs, read; never past the end.
  for (const std::vector<char> *whole : {&cubin, &fatbin}) {
    for (size_t size = 1; size < whole->size(); size += 7) {
      std::vector<char> prefix(whole->begin(), whole->begin() + size);
      BinaryInfo info;
      std::string error;
      if (!inspectBinary(prefix.data(), prefix.size(), info, error))
        EXPECT_FALSE(error.empty());
    }
  }
  std::vector<char> header(cubin.begin(), cubin.begin() + 40);
  BinaryInfo info;
  std::string error;
  EXPECT_FALSE(inspectBinary(header.data(), header.size(), info, error));
  EXPECT_EQ(error, "truncated cubin (40 bytes, shorter than an ELF header)");
  std::vector<char> shortFatbin(fatbin.begin(), fatbin.begin() + 100);
  EXPECT_FALSE(
      inspectBinary(shortFatbin.data(), shortFatbin.size(), info, error));
  EXPECT_NE(error.find("truncated fatbin: header says"), std::string::npos)
      << error;
}

} // namespace
