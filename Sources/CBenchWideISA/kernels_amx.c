// The AMX micro-kernel: a 32 × 32 fp32 tile of C in four 16 × 16 accumulator tiles, fed by
// `tdpbf16ps` (16 rows × 32 bf16 of A times 16 pairs × 16 columns of B per instruction).
#include "internal.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#define TAMX __attribute__((target("amx-tile,amx-bf16")))

/// The tile configuration (palette 1): tiles 0–7 of 16 rows × 64 bytes. Set per thread before
/// the first tile instruction.
typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tile_config;

TAMX void bench_bf16_amx_configure(void) {
    tile_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    for (int t = 0; t < 8; ++t) {
        cfg.colsb[t] = 64;
        cfg.rows[t] = 16;
    }
    _tile_loadconfig(&cfg);
}

TAMX void bench_bf16_amx_release(void) { _tile_release(); }

// A packed: 32 rows of `pairs` words (row-major, a word is a bf16 pair of one row), so a tile of
// A is 16 rows × 16 pairs at stride pairs·4 bytes. B packed: per K pair, 32 columns' words, so a
// tile of B is 16 pairs × 16 columns at stride 128 bytes (the "VNNI" layout tdpbf16ps reads).
TAMX void bench_bf16_micro_amx(int64_t pairs, const uint32_t *a, const uint32_t *b, float *c, int64_t ldc,
                               int accumulate) {
    const int64_t sc = ldc * 4, sa = pairs * 4, sb = BENCH_BF16_NR * 4;
    if (accumulate) {
        _tile_loadd(0, c, sc);
        _tile_loadd(1, c + 16, sc);
        _tile_loadd(2, c + 16 * ldc, sc);
        _tile_loadd(3, c + 16 * ldc + 16, sc);
    } else {
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
    }
    for (int64_t q = 0; q < pairs; q += 16) {
        _tile_loadd(4, a + q, sa);
        _tile_loadd(5, a + 16 * pairs + q, sa);
        _tile_loadd(6, b + q * BENCH_BF16_NR, sb);
        _tile_loadd(7, b + q * BENCH_BF16_NR + 16, sb);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        _tile_dpbf16ps(2, 5, 6);
        _tile_dpbf16ps(3, 5, 7);
    }
    _tile_stored(0, c, sc);
    _tile_stored(1, c + 16, sc);
    _tile_stored(2, c + 16 * ldc, sc);
    _tile_stored(3, c + 16 * ldc + 16, sc);
}
#endif
