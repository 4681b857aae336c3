/* What one core's AMX unit sustains on this machine, independent of any
 * compiler: tdpbf16ps into four independent accumulator tiles (the 2 x 2
 * register block QNK's kernels use), (a) with no loads, (b) with the two A
 * and two B tile loads per step that a 2 x 2 block needs, from a buffer
 * that fits L1, (c) the same from a buffer that lives in L2.
 *
 * Build: cc -O2 -mamx-tile -mamx-bf16 amx_probe.c -o amx_probe
 * Prints GFLOP/s and FLOP/cycle (at the clock given as argv[1], in GHz). */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

struct tilecfg {
  uint8_t palette, start;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

/* Every tile 16 rows x 64 bytes: f32 16x16 accumulators, bf16 16x32. */
static void configure(void) {
  struct tilecfg cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.palette = 1;
  for (int t = 0; t < 8; ++t) {
    cfg.colsb[t] = 64;
    cfg.rows[t] = 16;
  }
  _tile_loadconfig(&cfg);
}

/* Stores accumulator tile 0 where the compiler must assume it is read, so
 * the products are not optimized away. */
static inline void keep_accumulator(void) {
  float sink[256];
  _tile_stored(0, sink, 64);
  if (sink[0] == 12345.f)
    printf(" ");
}

/* Two A tiles (16 rows of 64 bytes) and two B tiles (the halves of 128-byte
 * rows) from `buf + off`; returns the next step's offset, wrapping within
 * `bytes`. */
static inline long load_step(const char *buf, long off, long bytes) {
  _tile_loadd(4, buf + off, 64);
  _tile_loadd(5, buf + off + 1024, 64);
  _tile_loadd(6, buf + off + 2048, 128);
  _tile_loadd(7, buf + off + 2048 + 64, 128);
  off += 4096;
  return off + 4096 > bytes ? 0 : off;
}

/* steps x 4 tdpbf16ps; with `buf`, 4 tile loads per step walking `bytes`. */
static double run(long steps, const char *buf, long bytes) {
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  _tile_zero(4);
  _tile_zero(5);
  _tile_zero(6);
  _tile_zero(7);
  double t = now();
  long off = 0;
  for (long s = 0; s < steps; ++s) {
    if (buf) {
      off = load_step(buf, off, bytes);
    }
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  t = now() - t;
  keep_accumulator();
  return 4.0 * steps * 16 * 16 * 32 * 2 / t;
}

/* Tile loads alone (4 per step, as above): their own throughput. */
static double loads_only(long steps, const char *buf, long bytes) {
  double t = now();
  long off = 0;
  for (long s = 0; s < steps; ++s) {
    off = load_step(buf, off, bytes);
  }
  return (now() - t) / (4.0 * steps); /* seconds per tile load */
}

/* A 1 x 2 block (two accumulators) whose A and B tiles alternate between
 * two register sets, so the loads of one step never wait for the products
 * of the previous one to release their registers (tiles are not renamed). */
static double double_buffered(long steps, const char *buf, long bytes) {
  _tile_zero(0);
  _tile_zero(1);
  double t = now();
  long off = 0;
  for (long s = 0; s < steps; s += 2) {
    _tile_loadd(2, buf + off, 64);
    _tile_loadd(3, buf + off + 1024, 128);
    _tile_loadd(4, buf + off + 1024 + 64, 128);
    _tile_dpbf16ps(0, 2, 3);
    _tile_dpbf16ps(1, 2, 4);
    _tile_loadd(5, buf + off + 3072, 64);
    _tile_loadd(6, buf + off + 4096, 128);
    _tile_loadd(7, buf + off + 4096 + 64, 128);
    _tile_dpbf16ps(0, 5, 6);
    _tile_dpbf16ps(1, 5, 7);
    off += 6144;
    if (off + 6144 > bytes)
      off = 0;
  }
  t = now() - t;
  keep_accumulator();
  return 2.0 * steps * 16 * 16 * 32 * 2 / t;
}

int main(int argc, char **argv) {
  double ghz = argc > 1 ? atof(argv[1]) : 0;
  if (syscall(SYS_arch_prctl, 0x1023, 18)) {
    fprintf(stderr, "arch_prctl(ARCH_REQ_XCOMP_PERM, XTILEDATA) failed\n");
    return 1;
  }
  configure();
  long l2 = 1 << 20;
  char *buf = aligned_alloc(4096, l2);
  memset(buf, 0, l2);
  const char *names[] = {"no loads", "loads from L1 (16 KiB)",
                         "loads from L2 (1 MiB)"};
  long sizes[] = {0, 16 << 10, l2};
  for (int v = 0; v < 3; ++v) {
    double best = 0;
    for (int rep = 0; rep < 5; ++rep) {
      double f = run(2000000, v ? buf : NULL, sizes[v]);
      if (f > best)
        best = f;
    }
    printf("{\"probe\": \"%s\", \"gflops\": %.1f, \"flop_per_cycle\": %.1f}\n",
           names[v], best / 1e9, ghz > 0 ? best / (ghz * 1e9) : 0.0);
  }
  for (int v = 1; v < 3; ++v) {
    double best = 1e9;
    for (int rep = 0; rep < 5; ++rep) {
      double s = loads_only(2000000, buf, sizes[v]);
      if (s < best)
        best = s;
    }
    printf("{\"probe\": \"tile loads alone, %s\", \"ns_per_load\": %.2f, "
           "\"cycles_per_load\": %.1f}\n",
           names[v] + 11, best * 1e9, ghz > 0 ? best * ghz * 1e9 : 0.0);
  }
  for (int v = 1; v < 3; ++v) {
    double best = 0;
    for (int rep = 0; rep < 5; ++rep) {
      double f = double_buffered(2000000, buf, sizes[v]);
      if (f > best)
        best = f;
    }
    printf("{\"probe\": \"1x2 double-buffered, %s\", \"gflops\": %.1f, "
           "\"flop_per_cycle\": %.1f}\n",
           names[v], best / 1e9, ghz > 0 ? best / (ghz * 1e9) : 0.0);
  }
  return 0;
}
