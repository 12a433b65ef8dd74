#include "container/pack_member.h"

#include <algorithm>
#include <map>
#include <memory>
#include <vector>

#include "common/checksum.h"
#include "common/coding.h"
#include "common/thread_pool.h"
#include "container/chunk_dedup.h"
#include "container/chunk_encoder.h"
#include "container/meta_reference.h"
#include "container/predict_chunk.h"
#include "container/predict_choice.h"
#include "container/predict_plan.h"
#include "streams/ggml_types.h"
#include "streams/gguf_reader.h"
#include "streams/transform.h"

namespace sgz::internal {
namespace {

struct PlannedChunk {
  uint64_t offset;
  uint64_t size;
  Transform transform;
  uint32_t type;
  bool metadata;          // the GGUF metadata: compressed at the metadata level
  const std::vector<GroupPiece>* pieces;  // a group: its pieces, else nullptr
  PredictParams predict = {};             // of a kPredict chunk: parent, row length, first column
  const std::vector<ImportancePiece>* importance = nullptr;  // kPredict: candidates
};

// A stretch of the input cut into chunks the same way throughout: the
// metadata, one tensor (with its padding when small), a large gap, a group of
// tensors, or everything up to the end of the input (size kToEnd).
struct PlanRegion {
  uint64_t offset;
  uint64_t size;
  uint64_t step;     // bytes per chunk (a multiple of the block size)
  uint64_t padding;  // bytes added to the region's last chunk
  Transform transform;
  uint32_t type;
  bool metadata = false;
  std::vector<GroupPiece> pieces = {};  // a group (one item, cut by EncodeGroup)
  ParentPiece parent = {};              // kPredict: the parent of the region's first block
  uint64_t row_length = 0;              // kPredict: the tensor's ne0
  std::vector<ImportancePiece> importance = {};  // kPredict: candidates (PlanImportance)
};

constexpr uint64_t kToEnd = UINT64_MAX;

// The zstd level of predicted chunks (at least): measured on the zoo, the
// default preset's archive 6,373,949 bytes at level 1, 6,363,986 at 19,
// packing in 0.27 s instead of 0.17 s.
constexpr int kPredictedLevel = kMaxPresetLevel;

// When the whole tensor data section fits one chunk, its tensors become one
// group whose chunking EncodeGroup chooses by trying: on such small files the
// per-chunk costs (headers, table entries, each stream's frame and entropy
// tables) and the context lost between tensors (tied embeddings are stored
// twice) can outweigh what splitting gains, and would make sgz lose to plain
// zstd. The search costs a few times the encoding work, on a few MiB at most.
void GroupSmallData(std::vector<PlanRegion>* regions) {
  if (regions->size() < 4) return;  // meta, two data regions at least, tail
  const uint64_t start = (*regions)[1].offset;
  PlanRegion group{start, 0, 0, 0, Transform::kNone, 0};
  for (size_t i = 1; i + 1 < regions->size(); ++i) {
    const PlanRegion& r = (*regions)[i];
    if (r.size > r.step) return;  // more than one chunk: not small
    group.pieces.push_back({r.offset - start, r.size + r.padding, r.transform, r.type});
    group.size += r.size + r.padding;
  }
  group.step = group.size;
  PlanRegion tail = regions->back();
  regions->resize(1);
  regions->push_back(std::move(group));
  regions->push_back(std::move(tail));
}

// The regions of an input whose header parsed as `layout` (nullptr: not
// GGUF), before its size is known. Their number is bounded by the tensor
// count; their chunks are produced lazily.
// `group`: whether small data sections are grouped (not when chunks are
// deduplicated: an identical tensor in a group chunk with other tensors
// would not make an identical chunk).
// `manifest` (or nullptr): the earlier members, whose float tensors are
// parents of this one's quantized tensors (PlanParentPieces).
std::vector<PlanRegion> PlanRegions(const GgufLayout* layout, uint64_t chunk_size, bool group,
                                    const Manifest* manifest, const PackOptions& options) {
  std::vector<PlanRegion> regions;
  if (layout == nullptr) {
    regions.push_back({0, kToEnd, chunk_size, 0, Transform::kNone, 0});
    return regions;
  }
  regions.push_back({0, layout->data_offset, chunk_size, 0, Transform::kNone, 0, /*metadata=*/true});
  const uint64_t align = layout->alignment;
  for (const GgufTensor& t : layout->tensors) {
    const uint64_t padded = (t.size + align - 1) / align * align;
    uint64_t padding = padded - t.size;
    const GgmlType* type = FindGgmlType(t.type);
    const bool split = type != nullptr && !type->fields.empty();
    if (t.size > 0) {
      uint64_t merged = padding <= kMaxMergedPadding ? padding : 0;
      const std::vector<ParentPiece> parents =
          split && manifest != nullptr ? PlanParentPieces(*manifest, t, options.parent_member)
                                       : std::vector<ParentPiece>();
      if (!parents.empty()) {
        // One region per parent chunk: no chunk of it needs two.
        const uint64_t bb = type->block_bytes;
        const uint64_t step = std::max<uint64_t>(1, chunk_size / bb) * bb;
        // Padding of a block or more would be taken for a block to predict.
        if (merged >= bb) merged = 0;
        const std::vector<ImportancePiece> importance =
            options.predict_preset == PredictPreset::kMax && PresetPredictsScales(options.predict_preset, t.type)
                ? PlanImportance(*manifest, t, options.imatrix_member)
                : std::vector<ImportancePiece>();
        for (size_t i = 0; i < parents.size(); ++i) {
          const ParentPiece& p = parents[i];
          PlanRegion r{t.offset + p.first_block * bb, p.n_blocks * bb, step,
                       i + 1 == parents.size() ? merged : 0, Transform::kPredict, t.type};
          r.parent = p;
          r.row_length = static_cast<uint64_t>(t.ne[0]);
          r.importance = importance;
          regions.push_back(std::move(r));
        }
        group = false;  // a group chunk has no one parent
      } else if (split) {
        const uint64_t step = std::max<uint64_t>(1, chunk_size / type->block_bytes) * type->block_bytes;
        regions.push_back({t.offset, t.size, step, merged, Transform::kSplit, t.type});
      } else {
        regions.push_back({t.offset, t.size, chunk_size, merged, Transform::kNone, 0});
      }
      padding -= merged;
    }
    if (padding > 0) {
      regions.push_back({t.offset + padded - padding, padding, chunk_size, 0, Transform::kNone, 0});
    }
  }
  regions.push_back({layout->data_end, kToEnd, chunk_size, 0, Transform::kNone, 0});
  if (group && layout->data_end - layout->data_offset <= chunk_size) GroupSmallData(&regions);
  return regions;
}

// One item on its way through the pipeline: input bytes in, encoded chunks
// out (one, or a group's several).
struct PackItem {
  PlannedChunk pc;
  std::vector<uint8_t> input;
  std::vector<EncodedChunk> chunks;
  PredictTally tally;  // of a kPredict item
};

// Chunks up to this size are also tried unsplit, and stored the smaller way:
// for tiny tensors the per-stream costs (descriptors, frame and table
// headers) can outweigh what splitting gains.
constexpr uint64_t kTryUnsplitBelow = 64 * 1024;

// Splits and compresses one item (runs on a worker thread).
Status EncodeItem(Coding coding, PredictPreset preset, const std::map<uint32_t, std::vector<uint8_t>>& parents,
                  PackItem& item) {
  const PlannedChunk& pc = item.pc;
  item.tally = PredictTally();
  if (pc.transform == Transform::kPredict) {
    // What is left after a prediction is small (scales at most): a high
    // level costs little time there, and saves a few percent of it.
    coding.level = std::max(coding.level, kPredictedLevel);
    const GgmlType& gt = *FindGgmlType(pc.type);
    const std::vector<uint8_t>& parent = parents.at(pc.predict.parent_chunk);
    thread_local std::vector<float> values;
    values.resize(pc.size / gt.block_bytes * gt.block_weights);
    if (parent.size() < pc.predict.parent_offset ||
        (parent.size() - pc.predict.parent_offset) / FloatBytes(pc.predict.parent_type) < values.size()) {
      // Cannot happen with the plan's pieces; stored unpredicted if it did.
      item.chunks.resize(1);
      EncodeChunkAs(item.input.data(), pc.size, Transform::kSplit, pc.type, coding, &item.chunks[0]);
      return Status::Ok();
    }
    WidenToFloat(pc.predict.parent_type, parent.data() + pc.predict.parent_offset, static_cast<int64_t>(values.size()),
                 values.data());
    PredictChoiceInput in;
    in.type = pc.type;
    in.base = pc.predict;
    in.values = values.data();
    in.preset = preset;
    thread_local std::vector<std::vector<float>> rows;
    const size_t n_imp = pc.importance != nullptr ? pc.importance->size() : 0;
    if (rows.size() < n_imp) rows.resize(n_imp);
    for (size_t k = 0; k < n_imp; ++k) {
      const ImportancePiece& ip = (*pc.importance)[k];
      PredictParams p = pc.predict;
      p.importance_chunk = ip.chunk;
      p.importance_offset = ip.offset;
      p.counts_bits = ip.counts_bits;
      if (!ImportanceRow(p, parents.at(ip.chunk), &rows[k]).ok()) continue;
      in.importance.push_back({ip.chunk, ip.offset, ip.counts_bits, rows[k].data()});
    }
    item.chunks.resize(1);
    EncodePredictedChoice(item.input.data(), pc.size, in, coding, &item.chunks[0], &item.tally);
    return Status::Ok();
  }
  if (pc.pieces != nullptr) {
    EncodeGroup(item.input.data(), pc.size, *pc.pieces, coding, &item.chunks);
    return Status::Ok();
  }
  item.chunks.resize(1);
  EncodedChunk& chunk = item.chunks[0];
  EncodeChunkAs(item.input.data(), pc.size, pc.transform, pc.type, coding, &chunk);
  if (pc.transform == Transform::kSplit && pc.size <= kTryUnsplitBelow) {
    thread_local EncodedChunk whole;
    EncodeChunkAs(item.input.data(), pc.size, Transform::kNone, 0, coding, &whole);
    if (whole.stored_size() < chunk.stored_size()) std::swap(chunk, whole);
  }
  return Status::Ok();
}

}  // namespace

int MetaLevel(const PackOptions& options) {
  return options.meta_level != 0 ? options.meta_level : std::max(options.level, kDefaultMetaLevel);
}

Status PackMember(InputStream* in, const std::string& name, const PackOptions& options, ArchiveWriter* writer_ptr,
                  Manifest* manifest_ptr, uint64_t consumed_before, ChunkDedup* dedup, MetaReferences* refs,
                  PackStats* stats) {
  ArchiveWriter& writer = *writer_ptr;
  Manifest& manifest = *manifest_ptr;
  writer.set_stats(stats);
  // Parse the GGUF header from a prefix of the input, growing it as needed.
  // The same bytes give the same layout whether the input is a pipe or a file.
  Result<GgufLayout> parsed = Status::Corruption("empty input");
  for (uint64_t want = 1ull << 20;; want = std::min(want * 4, kMaxGgufHeaderBytes)) {
    const uint8_t* data;
    uint64_t got;
    SGZ_RETURN_IF_ERROR(in->Peek(want, &data, &got));
    bool need_more = false;
    parsed = ParseGgufHeader(data, got, /*at_eof=*/got < want, &need_more);
    if (parsed.ok() || !need_more) break;
    if (want == kMaxGgufHeaderBytes) {
      parsed = Status::ResourceExhausted("GGUF header larger than the " +
                                         std::to_string(kMaxGgufHeaderBytes >> 20) + " MiB limit");
      break;
    }
  }
  GgufLayout* layout = parsed.ok() ? &parsed.value() : nullptr;

  FileEntry file;
  file.name = name;
  file.attributes = in->attributes();
  Xxh3Stream whole;
  uint64_t consumed = consumed_before;
  const int meta_level = MetaLevel(options);
  const unsigned threads = ResolveThreads(options.threads);
  // Declared before the pipeline: items point into it (group pieces), and the
  // pipeline's destructor waits for work still running on them.
  // A new archive's header declares 2.3 before any chunk; an add rewrites
  // the header at its end.
  const bool predict =
      refs != nullptr && options.predict && (writer.minor() >= kPredictSinceMinor || writer.appending());
  // Transform 5 and codec 2 need 2.4, which a new archive's header declares
  // before any chunk when the options allow it (as for prediction above).
  const bool context = options.format_minor >= kContextSinceMinor &&
                       (writer.minor() >= kContextSinceMinor || writer.appending());
  const bool estimate = options.format_minor >= kEstimateSinceMinor &&
                        (writer.minor() >= kEstimateSinceMinor || writer.appending());
  std::vector<PlanRegion> regions =
      PlanRegions(layout, options.chunk_size, /*group=*/dedup == nullptr, predict ? &manifest : nullptr, options);
  // The parent and importance chunks' decoded bytes, for the workers
  // (read-only), and the importance entries' counts.
  std::map<uint32_t, std::vector<uint8_t>> parents;
  auto fetch = [&](uint32_t c) -> Status {
    return parents.count(c) > 0 ? Status::Ok() : refs->FetchChunk(c, &parents[c]);
  };
  for (PlanRegion& r : regions) {
    if (r.transform != Transform::kPredict) continue;
    SGZ_RETURN_IF_ERROR(fetch(r.parent.parent_chunk));
    for (ImportancePiece& ip : r.importance) {
      SGZ_RETURN_IF_ERROR(fetch(ip.chunk));
      SGZ_RETURN_IF_ERROR(fetch(ip.counts_chunk));
      const std::vector<uint8_t>& c = parents[ip.counts_chunk];
      if (c.size() < uint64_t{ip.counts_offset} + 4) return Status::Corruption("importance counts outside their chunk");
      ip.counts_bits = LoadU32LE(c.data() + ip.counts_offset);
    }
  }
  std::vector<uint32_t> metadata_chunks;
  if (refs != nullptr) SGZ_RETURN_IF_ERROR(refs->Prepare());
  OrderedPipeline<PackItem> pipeline(
      threads > 1 ? SharedThreadPool() : nullptr, threads,
      [&](PackItem& item) {
        const bool meta = item.pc.metadata;
        SGZ_RETURN_IF_ERROR(
            EncodeItem({meta ? meta_level : options.level, context, estimate, options.level < kAlsoTryLevel1From},
                       options.predict_preset, parents, item));
        if (meta && refs != nullptr) {  // the metadata region starts at 0 with chunks of chunk_size
          refs->Improve(item.pc.offset / options.chunk_size, item.input.data(), item.pc.size, meta_level,
                        &item.chunks[0]);
        }
        return Status::Ok();
      },
      [&](PackItem& item) {
        for (const EncodedChunk& chunk : item.chunks) {
          const uint32_t index = static_cast<uint32_t>(manifest.chunks.size());
          ChunkEntry entry;
          // Without groups an item is one chunk of exactly its input bytes.
          int64_t target = -1;
          if (dedup != nullptr && item.chunks.size() == 1) {
            SGZ_ASSIGN_OR_RETURN(target, dedup->Find(chunk, item.input.data()));
          }
          if (target >= 0) {
            SGZ_RETURN_IF_ERROR(writer.EmitChunk(CopyChunk(chunk.header, static_cast<uint32_t>(target)),
                                                 item.pc.metadata, &entry));
            stats->shared_bytes += entry.original_size;
          } else {
            SGZ_RETURN_IF_ERROR(writer.EmitChunk(chunk, item.pc.metadata, &entry));
            if (dedup != nullptr) SGZ_RETURN_IF_ERROR(dedup->Add(index, chunk));
          }
          file.chunks.push_back(index);
          manifest.chunks.push_back(entry);
          stats->predicted_blocks += item.tally.blocks;
          stats->scale_blocks += item.tally.scale_blocks;
          stats->scales_hit += item.tally.scales_hit;
          stats->quants_hit += item.tally.quants_hit;
          if (item.pc.metadata) metadata_chunks.push_back(index);
          consumed += entry.original_size;
        }
        if (options.progress) options.progress(consumed, writer.offset());
        return Status::Ok();
      });
  bool eof = false;
  for (const PlanRegion& r : regions) {
    for (uint64_t done = 0; done < r.size && !eof;) {
      const uint64_t piece = std::min(r.step, r.size - done);
      const bool last = piece == r.size - done;
      const uint64_t want = piece + (last ? r.padding : 0);
      const uint8_t* data;
      uint64_t got;
      SGZ_RETURN_IF_ERROR(in->Peek(want, &data, &got));
      if (got < want) eof = true;
      if (got == 0) break;
      SGZ_ASSIGN_OR_RETURN(std::unique_ptr<PackItem> item, pipeline.NewItem());
      item->pc = {in->position(), got, r.transform, r.type, r.metadata, r.pieces.empty() ? nullptr : &r.pieces};
      if (r.transform == Transform::kPredict) {
        const GgmlType& gt = *FindGgmlType(r.type);
        PredictParams& p = item->pc.predict;
        p.parent_type = r.parent.parent_type;
        p.parent_chunk = r.parent.parent_chunk;
        p.parent_offset = static_cast<uint32_t>(r.parent.parent_offset +
                                                done / gt.block_bytes * gt.block_weights * FloatBytes(p.parent_type));
        // Row length and the column of the chunk's first block: with
        // importance, each block's columns.
        p.row_length = static_cast<uint32_t>(r.row_length);
        p.first_column = static_cast<uint32_t>(
            ((r.parent.first_block + done / gt.block_bytes) * gt.block_weights) % std::max<uint64_t>(1, r.row_length));
        item->pc.importance = &r.importance;
      }
      item->input.assign(data, data + got);
      whole.Update(data, got);
      in->Consume(got);
      SGZ_RETURN_IF_ERROR(pipeline.Push(std::move(item)));
      done += piece;
    }
    if (eof) break;
  }
  SGZ_RETURN_IF_ERROR(pipeline.Finish());
  if (refs != nullptr) refs->AddMember(metadata_chunks, manifest.chunks);
  const uint64_t size = in->position();
  file.original_size = size;
  file.checksum = whole.Digest();
  stats->original_size = size;

  // Only now is the size known: check the tensors fit in it.
  if (layout != nullptr) {
    Status fits = FinishGgufLayout(layout, size);
    if (!fits.ok()) {
      parsed = fits;
      layout = nullptr;
    }
  }
  if (layout != nullptr) {
    file.kind = EntryKind::kGguf;
    file.gguf_version = layout->version;
    file.big_endian = layout->big_endian;
    file.alignment = layout->alignment;
    file.data_offset = layout->data_offset;
    file.kv_count = layout->kvs.size();
    for (const GgufTensor& t : layout->tensors) {
      TensorEntry te;
      te.name = t.name;
      te.type = t.type;
      te.n_dims = t.n_dims;
      std::copy(t.ne, t.ne + kGgufMaxDims, te.ne);
      te.offset = t.offset;
      te.size = t.size;
      file.tensors.push_back(std::move(te));
    }
  } else {
    file.kind = EntryKind::kOpaque;
    file.note = parsed.status().message().substr(0, kMaxNoteBytes);
    // The reader knows no metadata region in an opaque file: its chunks of
    // the would-be GGUF header are "raw" there, so they are here too.
    auto meta = stats->streams.find("meta");
    if (meta != stats->streams.end()) {
      stats->streams["raw"].raw += meta->second.raw;
      stats->streams["raw"].stored += meta->second.stored;
      stats->streams.erase(meta);
    }
    stats->notice = "not a valid GGUF file (" + parsed.status().message() + "), stored as opaque bytes";
  }
  stats->gguf = layout != nullptr;
  manifest.files.push_back(std::move(file));

  return Status::Ok();
}

}  // namespace sgz::internal
