// Stream codecs. Each stream of a chunk is stored with one codec; the ids are
// part of the format (format-spec/sgz-format.md, "Codecs").
#ifndef SGZ_STREAMS_CODEC_H_
#define SGZ_STREAMS_CODEC_H_

#include <cstdint>
#include <string>

#include "common/id_table.h"
#include "common/status.h"

namespace sgz::internal {

enum class Codec : uint8_t {
  kStored = 0,  // bytes as they are
  kZstd = 1,    // exactly one zstd frame
  // Since 2.4: static rANS with 1..64 tables (streams/rans.h). DecodeStream
  // decodes it with one table (no context array); a stream with contexts
  // (transform 5) is decoded with RansDecode and its context array.
  kRans = 2,
};

// The codec table of the spec ("Codecs"): one row per id this reader decodes.
extern const IdRow kCodecTable[];
extern const size_t kCodecTableSize;
// The row of codec `id`, or nullptr when this reader does not know it.
inline const IdRow* FindCodec(uint32_t id) { return FindIdRow(kCodecTable, kCodecTableSize, id); }

constexpr int kMinLevel = 1;
constexpr int kMaxLevel = 22;

// From this level up, EncodeStream also compresses at level 1 and keeps the
// smaller frame, so a high level never stores a stream larger than level 1.
constexpr int kAlsoTryLevel1From = 10;

// Whether a stream may be coded with codec 2 (rans, format 2.4), and its
// contexts: ctx[i] < contexts picks the table of byte i (transform 5's rule
// for the stream; nullptr: one table).
struct StreamCoding {
  bool allowed = false;
  const uint8_t* ctx = nullptr;
  unsigned contexts = 0;
  // The fast levels' rule (as zstd's own minimum gain for a block): zstd or
  // rans only where it saves MinGain(n) bytes over storing; false: any gain.
  bool min_gain = false;
};

// 1/128 of n: a BF16 parent's sign-mantissa bytes (0.3% smaller by rans)
// are then copied rather than decoded, a third of the time of unpacking a
// member predicted from it. (A floor of 256 bytes, for the set-up of a small
// stream's tables, made the zoo's archive 2.4% larger for no speed seen.)
uint64_t MinGain(uint64_t n);

// Compresses src[0, n) at `level`. Returns the codec used and appends the
// stored bytes to *dst: the smallest of zstd, rans (when `rans.allowed`) and
// stored; stored on a tie, and zstd or rans only when strictly smaller than n
// (with `rans.min_gain`, than n - MinGain(n)).
Codec EncodeStream(const uint8_t* src, uint64_t n, int level, std::string* dst,
                   const StreamCoding& rans = StreamCoding());

// Decodes a stream of `codec` from src[0, stored_size) into exactly
// dst[0, raw_size). Fails with Corruption if the data does not decode to
// exactly raw_size bytes, or (zstd) is not exactly one non-skippable frame,
// or (zstd, rans) is not strictly smaller than raw_size.
// `ctx`: a rans stream's context array (raw_size bytes, each below
// `contexts`, the count of the stream's rule); nullptr: one table.
// REQUIRES: FindCodec(codec) != nullptr.
Status DecodeStream(Codec codec, const uint8_t* src, uint64_t stored_size, uint8_t* dst, uint64_t raw_size,
                    const uint8_t* ctx = nullptr, unsigned contexts = 0);

// A raw-content prefix for a zstd frame (transform 3, "reference", format
// 2.2): bytes treated as if decoded just before the frame, which its matches
// may reach back into. size 0: none.
struct Prefix {
  const uint8_t* data = nullptr;
  uint64_t size = 0;
};

// Compresses src[0, n) at `level` as one zstd frame with `prefix` as its
// raw-content history (ZSTD_CCtx_refPrefix; from kAlsoTryLevel1From up, also
// at level 1, keeping the smaller). Appends the frame to *dst and returns
// true when it is strictly smaller than n; else appends nothing and returns
// false (a referencing stream is never stored).
bool EncodeStreamAgainst(const uint8_t* src, uint64_t n, int level, Prefix prefix, std::string* dst);

// DecodeStream for a zstd stream whose frame was made against `prefix`
// (EncodeStreamAgainst): the same rules, the prefix as raw content whatever
// its first bytes are (never parsed as a formatted dictionary). A frame that
// names a dictionary (Dictionary_ID not 0) does not decode.
Status DecodeStreamAgainst(const uint8_t* src, uint64_t stored_size, uint8_t* dst, uint64_t raw_size, Prefix prefix);

// Largest window (log2 of bytes) of a zstd frame that DecodeFrameGrowing
// accepts: what levels up to 19 use, and what any level uses for at most
// 8 MiB of input (zstd shrinks the window to the input).
constexpr int kMaxGrowingWindowLog = 23;

// Decodes src[0, n), which must be exactly one zstd frame (not skippable,
// smaller than `size`, declaring no other content size, window at most
// 2^kMaxGrowingWindowLog), into exactly `size` bytes in *out. Unlike
// DecodeStream it never allocates `size` up front: *out grows as the frame
// produces bytes, so a frame that claims more than it holds costs only what
// it decodes (and zstd's window). Corruption otherwise.
Status DecodeFrameGrowing(const uint8_t* src, uint64_t n, uint64_t size, std::string* out);

// Largest stored size a stream of raw_size bytes may have (readers reject more).
uint64_t MaxStoredSize(uint64_t raw_size);

// For tests: bytes the calling thread has handed to zstd in EncodeStream so
// far, probe samples included. Shows whether a stream was stored after the
// probe or after compressing all of it, which its output cannot tell.
uint64_t CompressorInputBytesForTesting();
// For tests: the largest output buffer DecodeFrameGrowing allocated on the
// calling thread since the last call (which resets it).
uint64_t GrowingDecodePeakBytesForTesting();

}  // namespace sgz::internal

#endif  // SGZ_STREAMS_CODEC_H_
