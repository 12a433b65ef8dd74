// Codec 2 "rans" (format 2.4): static order-0 rANS over bytes with 1..64
// frequency tables, the table of byte i chosen by a context array ctx[i]
// that the caller computes (transform 5) from data decoded before the stream.
// The payload layout and the decode algorithm are the spec's
// (format-spec/sgz-format.md, "Codec 2: rans"); in short:
//
//   C (1 byte), P (1 byte, M = 2^P), C frequency tables as one bit stream,
//   min(n, 32) initial states (u32), then 16-bit renormalization words (u16).
//
// 32 interleaved 32-bit states (byte i uses state i % 32), 16-bit
// renormalization, M in [2^8, 2^12] chosen by the encoder. The decoder has a
// portable and an AVX2 variant (picked once at run time) that agree byte for
// byte, and rejects every payload the spec does not allow with Corruption.
#ifndef SGZ_STREAMS_RANS_H_
#define SGZ_STREAMS_RANS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace sgz::internal {

constexpr unsigned kRansMaxContexts = 64;
constexpr unsigned kRansLanes = 64;
constexpr unsigned kRansMinPrecision = 8;   // log2 M
constexpr unsigned kRansMaxPrecision = 12;

// Appends the coded stream of src[0, n) to *dst and returns true when it is
// smaller than min(n, limit) bytes; else appends nothing and returns false.
// ctx (n bytes, each < contexts) chooses the table of each byte; nullptr (or
// contexts <= 1) codes with one table. With a limit below n (another coder's
// size, zstd's), it may return false without coding when the size estimated
// from its tables is above the limit by 1/1024: a writer then pays only the
// counting for streams rans does not win. Without one it always codes.
// REQUIRES: contexts <= kRansMaxContexts, every ctx[i] < contexts.
bool RansEncode(const uint8_t* src, uint64_t n, const uint8_t* ctx, unsigned contexts, std::string* dst,
                uint64_t limit = UINT64_MAX);

// Decodes exactly n bytes from src[0, stored) into dst. ctx/contexts as at
// encode: the payload's table count C must be <= contexts (1 when ctx is
// nullptr) and every ctx[i] < C. Corruption for any payload the spec
// rejects; never reads or writes outside src[0, stored), ctx[0, n),
// dst[0, n). Does not enforce stored < n (DecodeStream does).
Status RansDecode(const uint8_t* src, uint64_t stored, const uint8_t* ctx, unsigned contexts, uint8_t* dst,
                  uint64_t n);

namespace rans_internal {

// Encodes whatever the size (tests and fuzzing: tiny inputs too). precision
// 0 lets the encoder choose M; else it must be within [kRansMinPrecision,
// kRansMaxPrecision].
void EncodeAlways(const uint8_t* src, uint64_t n, const uint8_t* ctx, unsigned contexts, unsigned precision,
                  std::string* dst);

// For tests: bytes the calling thread's encoder has run its coding loop on.
uint64_t CodedBytesForTesting();

// Parses the header and tables of a payload: precision, the C tables'
// frequencies (256 each) and the bytes up to the states (header, tables,
// padding). For tests and benchmarks.
Status ParseTables(const uint8_t* src, uint64_t stored, unsigned* precision, std::vector<uint32_t>* freq,
                   uint64_t* table_bytes);

// The running state of a decode, shared by the portable and AVX2 loops: the
// AVX2 loop decodes whole groups of 32 bytes while 64 bytes of words are
// left, the portable loop finishes.
struct DecodeState {
  uint32_t x[kRansLanes];
  const uint8_t* words;      // next renormalization word
  const uint8_t* words_end;
  uint64_t i;                // next byte to decode
};

// One decode table entry per slot: symbol | (slot - cum) << 8 | (freq - 1) << 20;
// tables[c << precision | slot].
using DecodeLoopFn = void (*)(const uint32_t* tables, unsigned precision, const uint8_t* ctx, uint8_t* dst,
                              uint64_t n, DecodeState* st);

// The AVX2 loop, or nullptr where it is not compiled in or the CPU lacks AVX2.
DecodeLoopFn Avx2DecodeLoop();

// The encoder's loop over bytes [0, end), end a multiple of kRansLanes, last
// to first, from states x[] and word index *w (words are written below it;
// words[-8, 0) must be writable). fc[e] = freq | cum << 16 and inv[e] =
// 1.0 / freq for entry e = ctx << 8 | byte (byte alone when ctx is nullptr).
using EncodeLoopFn = void (*)(const uint8_t* src, const uint8_t* ctx, uint64_t end, const uint32_t* fc,
                              const double* inv, unsigned precision, uint32_t* x, uint16_t* words, uint64_t* w);
// The AVX2 encode loop, or nullptr (as Avx2DecodeLoop).
EncodeLoopFn Avx2EncodeLoop();

// The table code (the spec's "Table code"): for symbol s of a table whose
// frequencies f[0, s) are known, the Rice parameter k and, in the product
// mode (a table of two packed nibbles, whose frequencies are close to a
// product of two distributions), the prediction p that f[s] is coded
// against (*residual true: the zigzag of f[s] - p); else f[s] itself.
inline unsigned FloorLog2(uint32_t v) {
  unsigned k = 0;
  while (v > 1) {
    v >>= 1;
    ++k;
  }
  return k;
}
inline void TablePrediction(const uint32_t* f, int s, bool product, unsigned* k, bool* residual, uint32_t* p) {
  if (product && s >= 17 && f[s - 17] > 0) {
    *p = (f[s - 1] * f[s - 16] + f[s - 17] / 2) / f[s - 17];
    *k = FloorLog2(*p >> 3);
    *residual = true;
  } else {
    const uint32_t a = s >= 1 ? f[s - 1] : 0, b = s >= 2 ? f[s - 2] : 0;
    *p = 0;
    *k = FloorLog2((a + b + 1) >> 1);
    *residual = false;
  }
}
// A value whose Rice quotient would reach this many one bits is written as
// the escape (this many one bits) and then f[s] in precision + 1 plain bits.
constexpr unsigned kRiceEscape = 16;

// For tests and benchmarks: true makes RansDecode and the encoder use the
// portable loops only.
// Not thread-safe against running decodes.
void ForcePortable(bool portable);
bool PortableForced();

}  // namespace rans_internal
}  // namespace sgz::internal

#endif  // SGZ_STREAMS_RANS_H_
