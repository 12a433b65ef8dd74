// What packing takes and gives: its options, its figures, and the inputs of
// a many-member archive. Shared by the writer's parts (writer.h has the entry
// points) and by the layers above.
#ifndef SGZ_CONTAINER_PACK_OPTIONS_H_
#define SGZ_CONTAINER_PACK_OPTIONS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "container/format.h"
#include "container/input_stream.h"

namespace sgz::internal {

// How far the writer predicts quantized tensors (container/predict_choice.h).
enum class PredictPreset : uint8_t {
  // Quants predicted from the stored scales; scales predicted only for the
  // types whose scale is a formula of the block (Q4_0, Q4_1, Q5_0, Q5_1,
  // Q8_0), so that decoding never runs a scale search.
  kDefault = 0,
  // Scales predicted for every type (the K types' searches run when
  // decoding), with an archive's importance matrix where it makes them match.
  kMax = 1,
};

// Levels chosen by measurement on the corpus (BENCHMARKS.md): for tensor
// streams zstd level 1 compresses as well as or better than level 3 and is
// faster; GGUF metadata (vocabularies) gains from a higher level and is small.
constexpr int kDefaultLevel = 1;
constexpr int kDefaultMetaLevel = 9;
constexpr int kMaxPresetLevel = 19;

struct PackOptions {
  int level = kDefaultLevel;                // zstd level of tensor and opaque streams
  int meta_level = 0;                       // zstd level of the GGUF metadata; 0: max(level, 9)
  uint64_t chunk_size = kDefaultChunkSize;  // original bytes per chunk (target)
  std::string name;                         // recorded as the file's name
  unsigned threads = 0;                     // worker threads, 0 = all cores
  // With several members, a GGUF member's metadata may be coded against an
  // earlier member's (transform 3, format 2.2) where that is smaller.
  bool metadata_references = true;
  // With several members, a quantized tensor whose float parent (same name
  // and shape) is in an earlier member is stored as the difference from the
  // quants predicted from it (transform 4, format 2.3).
  bool predict = true;
  // How far (container/predict_choice.h): kMax also predicts the K types'
  // scales, with an importance matrix of the archive where that matches.
  PredictPreset predict_preset = PredictPreset::kDefault;
  // Not empty: parents only from this member, importance only from that.
  std::string parent_member;
  std::string imatrix_member;
  // The newest minor version of format 2 the writer may use: 4 (the
  // default) lets it code quantized blocks and float values with what the
  // decoder knows (transform 5, codec 2); 3 writes archives that readers of
  // format 2.3 read. Other values: InvalidArgument.
  uint16_t format_minor = kFormatMinor;
  // Called on the caller's thread after each chunk is written, with the input
  // bytes consumed and archive bytes written so far.
  std::function<void(uint64_t in, uint64_t out)> progress;
};

struct PackStats {
  uint64_t original_size = 0;
  uint64_t archive_size = 0;
  uint64_t chunks = 0;
  bool gguf = false;
  std::string notice;  // set when the input was packed as opaque bytes: why
  std::map<std::string, StreamTotals> streams;  // by stream name ("Q4_K.qs")
  // Original bytes written as copies of earlier chunks (several members).
  uint64_t shared_bytes = 0;
  // Blocks of predicted chunks (transform 4), and of those the blocks whose
  // scales were predicted (SCALES), whose scales the prediction hit and
  // whose quants it hit.
  uint64_t predicted_blocks = 0;
  uint64_t scale_blocks = 0;
  uint64_t scales_hit = 0;
  uint64_t quants_hit = 0;
};

// One input of a many-member archive, opened when its turn comes (so that
// no more than one input is open at a time).
struct MemberInput {
  std::string name;  // checked by the caller (CheckMemberName)
  std::function<Result<std::unique_ptr<InputStream>>()> open;
};

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_PACK_OPTIONS_H_
