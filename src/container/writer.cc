#include "container/writer.h"

#include <algorithm>
#include <vector>

#include "common/checksum.h"
#include "common/thread_pool.h"
#include "container/chunk_dedup.h"
#include "container/member_record.h"
#include "container/chunk_encoder.h"
#include "container/meta_reference.h"
#include "streams/ggml_types.h"
#include "streams/gguf_reader.h"
#include "streams/transform.h"

namespace sgz::internal {
namespace {

// Padding up to this size joins its tensor's last chunk (and is split with
// it: whole blocks' worth go through the field streams, the rest into the
// tail stream); larger gaps (huge alignments) are chunked on their own.
constexpr uint64_t kMaxMergedPadding = 64 * 1024;

struct PlannedChunk {
  uint64_t offset;
  uint64_t size;
  Transform transform;
  uint32_t type;
  bool metadata;          // the GGUF metadata: compressed at the metadata level
  const std::vector<GroupPiece>* pieces;  // a group: its pieces, else nullptr
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
};

constexpr uint64_t kToEnd = UINT64_MAX;

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
std::vector<PlanRegion> PlanRegions(const GgufLayout* layout, uint64_t chunk_size, bool group) {
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
      const uint64_t merged = padding <= kMaxMergedPadding ? padding : 0;
      if (split) {
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
};

// Chunks up to this size are also tried unsplit, and stored the smaller way:
// for tiny tensors the per-stream costs (descriptors, frame and table
// headers) can outweigh what splitting gains.
constexpr uint64_t kTryUnsplitBelow = 64 * 1024;

// Splits and compresses one item (runs on a worker thread).
Status EncodeItem(int level, PackItem& item) {
  const PlannedChunk& pc = item.pc;
  if (pc.pieces != nullptr) {
    EncodeGroup(item.input.data(), pc.size, *pc.pieces, level, &item.chunks);
    return Status::Ok();
  }
  item.chunks.resize(1);
  EncodedChunk& chunk = item.chunks[0];
  EncodeChunkAs(item.input.data(), pc.size, pc.transform, pc.type, level, &chunk);
  if (pc.transform == Transform::kSplit && pc.size <= kTryUnsplitBelow) {
    thread_local EncodedChunk whole;
    EncodeChunkAs(item.input.data(), pc.size, Transform::kNone, 0, level, &whole);
    if (whole.stored_size() < chunk.stored_size()) std::swap(chunk, whole);
  }
  return Status::Ok();
}

// The writer holds the archive in memory, header first, until it passes this
// size: the header's minor version depends on the manifest's form, which is
// known only at the end. An archive that ends within it may get the
// compressed manifest (section ZSEC, format 2.1); a larger one keeps the plain
// form, in which the manifest is a negligible share (0.3% at most on the
// corpus, 0.004% of bench/big_file.sh's 2.1 GB archive) and which 2.0
// readers read.
constexpr uint64_t kHoldBytes = 1 << 20;

// The compressed manifest must make the archive at least 1/kPaysDivisor and
// kPaysBytes smaller: it costs compatibility with 2.0 readers, so it is used
// only where the manifest is a material share of the archive, and not for a
// few bytes of a tiny one.
constexpr uint64_t kPaysDivisor = 200;  // 0.5%
constexpr uint64_t kPaysBytes = 1024;

// Writes the header and encoded chunks in order and records them (runs on the
// caller's thread). Output goes to the sink once it passes kHoldBytes, with
// the header's minor as given then; before that it is held.
class ArchiveWriter {
 public:
  ArchiveWriter(ByteSink* sink, PackStats* stats, const FileHeader& header)
      : sink_(sink), stats_(stats), header_(header) {
    header_.EncodeTo(&held_);
    offset_ = held_.size();
  }
  // Continues an archive of version `header` whose bytes end at `offset`:
  // nothing is held, and Release only raises the minor version the footer
  // gets (the caller rewrites the header).
  ArchiveWriter(ByteSink* sink, PackStats* stats, const FileHeader& header, uint64_t offset)
      : sink_(sink), stats_(stats), header_(header), holding_(false), appending_(true), offset_(offset) {}

  Status Emit(const std::string& bytes) {
    offset_ += bytes.size();
    if (!holding_) return sink_->Write(bytes.data(), bytes.size());
    held_ += bytes;
    return held_.size() > kHoldBytes ? Release(header_.minor) : Status::Ok();
  }

  // True while nothing has reached the sink: the header's minor may change.
  bool holding() const { return holding_; }

  // Writes what is held with the header's minor set to `minor`.
  Status Release(uint16_t minor) {
    if (appending_) header_.minor = std::max(header_.minor, minor);
    if (!holding_) return Status::Ok();
    holding_ = false;
    header_.minor = minor;
    std::string head;
    header_.EncodeTo(&head);
    held_.replace(0, head.size(), head);
    Status s = sink_->Write(held_.data(), held_.size());
    std::string().swap(held_);
    return s;
  }

  uint16_t minor() const { return header_.minor; }

  Status EmitChunk(const EncodedChunk& chunk, bool metadata, ChunkEntry* entry) {
    const ChunkHeader& header = chunk.header;
    // Named from what was written (a small tensor chunk may have been kept
    // unsplit), as the reader names it from the chunk header.
    const std::vector<std::string> names = StreamNames(
        header.transform, header.transform == Transform::kSplit ? FindGgmlType(header.type) : nullptr, metadata);
    for (size_t s = 0; s < header.streams.size(); ++s) {
      StreamTotals& tot = stats_->streams[names[s]];
      tot.raw += header.streams[s].raw_size;
      tot.stored += header.streams[s].stored_size;
    }
    entry->file_offset = offset_;
    entry->stored_size = static_cast<uint32_t>(chunk.stored_size());
    entry->original_size = header.original_size;
    entry->transform = header.transform;
    entry->stream_count = static_cast<uint8_t>(header.streams.size());
    entry->type = header.type;
    entry->checksum = header.checksum;
    SGZ_RETURN_IF_ERROR(Emit(chunk.head));
    return Emit(chunk.payload);
  }

  uint64_t offset() const { return offset_; }
  // Stream totals go to *stats from now on (one member's).
  void set_stats(PackStats* stats) { stats_ = stats; }

 private:
  ByteSink* sink_;
  PackStats* stats_;
  FileHeader header_;
  std::string held_;
  bool holding_ = true;
  bool appending_ = false;
  uint64_t offset_ = 0;
};

// The manifest frame: compressed when the archive is still held and that
// pays (kPaysDivisor, kPaysBytes), else plain. Sets *compressed.
std::string ChooseManifest(const Manifest& manifest, bool held, uint64_t manifest_offset, int level,
                           bool* compressed) {
  std::string plain, packed;
  manifest.EncodeTo(&plain);
  *compressed = false;
  if (!held || !manifest.EncodeCompressedTo(level, &packed) || packed.size() >= plain.size()) return plain;
  const uint64_t archive = manifest_offset + plain.size() + Footer::kEncodedLength;
  const uint64_t saved = plain.size() - packed.size();
  if (saved < kPaysBytes || saved * kPaysDivisor < archive) return plain;
  *compressed = true;
  return packed;
}

}  // namespace

Status ValidatePackOptions(const PackOptions& options) {
  for (int level : {options.level, options.meta_level == 0 ? options.level : options.meta_level}) {
    if (level < kMinLevel || level > kMaxLevel) {
      return Status::InvalidArgument("level " + std::to_string(level) + " outside " + std::to_string(kMinLevel) +
                                     ".." + std::to_string(kMaxLevel));
    }
  }
  if (options.chunk_size < kMinChunkSize || options.chunk_size > kMaxChunkSize - kMaxMergedPadding) {
    return Status::InvalidArgument("chunk size " + std::to_string(options.chunk_size) + " outside " +
                                   std::to_string(kMinChunkSize) + ".." +
                                   std::to_string(kMaxChunkSize - kMaxMergedPadding));
  }
  if (options.name.size() > kMaxNameBytes) return Status::InvalidArgument("name longer than " + std::to_string(kMaxNameBytes) + " bytes");
  return Status::Ok();
}

namespace {

// Appends the chunks of one input, read once in order, to the archive being
// written, and its file entry to *manifest. `consumed_before`: input bytes
// of earlier members, for progress. *stats receives this member's figures.
// With `dedup`, a chunk whose bytes an earlier chunk holds is written as a
// copy of it, and small data sections are not grouped. With `refs`, GGUF
// metadata may be coded against an earlier member's (transform 3).
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
  const int meta_level = options.meta_level != 0 ? options.meta_level : std::max(options.level, kDefaultMetaLevel);
  const unsigned threads = ResolveThreads(options.threads);
  // Declared before the pipeline: items point into it (group pieces), and the
  // pipeline's destructor waits for work still running on them.
  const std::vector<PlanRegion> regions = PlanRegions(layout, options.chunk_size, /*group=*/dedup == nullptr);
  std::vector<uint32_t> metadata_chunks;
  if (refs != nullptr) SGZ_RETURN_IF_ERROR(refs->Prepare());
  OrderedPipeline<PackItem> pipeline(
      threads > 1 ? SharedThreadPool() : nullptr, threads,
      [&](PackItem& item) {
        const bool meta = item.pc.metadata;
        SGZ_RETURN_IF_ERROR(EncodeItem(meta ? meta_level : options.level, item));
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

// The manifest and the footer after the last chunk; the header's minor
// version becomes the lowest that holds the archive (written now if the
// archive is still held, see kHoldBytes).
Status FinishArchive(const Manifest& manifest, int meta_level, ArchiveWriter* writer) {
  Footer footer;
  footer.manifest_offset = writer->offset();
  bool compressed = false;
  std::string tail = ChooseManifest(manifest, writer->holding(), footer.manifest_offset, meta_level, &compressed);
  if (tail.size() > kMaxManifestSize) {
    return Status::ResourceExhausted("manifest of " + std::to_string(tail.size()) + " bytes exceeds the limit " +
                                     std::to_string(kMaxManifestSize) + "; use a larger chunk size");
  }
  uint16_t minor = 0;
  for (const FileEntry& f : manifest.files) minor = std::max(minor, MinorVersionNeeded(f.attributes, compressed));
  if (manifest.files.size() > 1) minor = std::max(minor, kMembersSinceMinor);
  for (const ChunkEntry& c : manifest.chunks) {
    if (c.transform == Transform::kReference) minor = std::max(minor, kReferenceSinceMinor);
    if (c.transform == Transform::kCopy) minor = std::max(minor, kCopySinceMinor);
  }
  SGZ_RETURN_IF_ERROR(writer->Release(minor));
  footer.minor = writer->minor();
  footer.manifest_size = tail.size();
  footer.manifest_checksum = Xxh3(tail.data(), tail.size());
  footer.EncodeTo(&tail);
  return writer->Emit(tail);
}

// Packs inputs one after another (PackMember) into *writer and *manifest;
// `first`, when not null, is inputs[0] already open. Fills *members and the
// sums in *total (not its archive size and chunk count).
Status PackEach(const std::vector<MemberInput>& inputs, std::unique_ptr<InputStream> first, const PackOptions& options,
                ArchiveWriter* writer, Manifest* manifest, ChunkDedup* dedup, MetaReferences* refs, bool records,
                PackStats* total, std::vector<PackStats>* members) {
  members->assign(inputs.size(), PackStats());
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::unique_ptr<InputStream> in;
    if (i == 0 && first != nullptr) {
      in = std::move(first);
    } else {
      SGZ_ASSIGN_OR_RETURN(in, inputs[i].open());
    }
    PackStats& m = (*members)[i];
    if (records) {
      // In the gap before its chunks, for readers that stream the archive.
      MemberRecord record;
      record.first_chunk = static_cast<uint32_t>(manifest->chunks.size());
      record.name = inputs[i].name;
      record.attributes = in->attributes();
      std::string bytes;
      record.EncodeTo(&bytes);
      SGZ_RETURN_IF_ERROR(writer->Emit(bytes));
    }
    const uint64_t chunks_before = manifest->chunks.size(), offset_before = writer->offset();
    SGZ_RETURN_IF_ERROR(
        PackMember(in.get(), inputs[i].name, options, writer, manifest, total->original_size, dedup, refs, &m));
    m.chunks = manifest->chunks.size() - chunks_before;
    m.archive_size = writer->offset() - offset_before;  // its chunks' stored bytes
    total->original_size += m.original_size;
    total->shared_bytes += m.shared_bytes;
    for (const auto& [stream, t] : m.streams) {
      total->streams[stream].raw += t.raw;
      total->streams[stream].stored += t.stored;
    }
  }
  total->gguf = std::all_of(members->begin(), members->end(), [](const PackStats& m) { return m.gguf; });
  return Status::Ok();
}

int MetaLevel(const PackOptions& options) {
  return options.meta_level != 0 ? options.meta_level : std::max(options.level, kDefaultMetaLevel);
}

}  // namespace

Status Pack(InputStream* in, const PackOptions& options, ByteSink* sink, PackStats* stats) {
  SGZ_RETURN_IF_ERROR(ValidatePackOptions(options));
  *stats = PackStats();
  // The lowest version holding what the archive uses: 2.0 without attributes
  // (and without a compressed manifest, decided at the end).
  FileHeader header;
  header.minor = MinorVersionNeeded(in->attributes());
  ArchiveWriter writer(sink, stats, header);
  Manifest manifest;
  SGZ_RETURN_IF_ERROR(
      PackMember(in, options.name, options, &writer, &manifest, 0, /*dedup=*/nullptr, /*refs=*/nullptr, stats));
  SGZ_RETURN_IF_ERROR(FinishArchive(manifest, MetaLevel(options), &writer));
  stats->archive_size = writer.offset();
  stats->chunks = manifest.chunks.size();
  return Status::Ok();
}

Status PackMembers(const std::vector<MemberInput>& inputs, const PackOptions& options, ByteSink* sink,
                   PackStats* total, std::vector<PackStats>* members) {
  SGZ_RETURN_IF_ERROR(ValidatePackOptions(options));
  if (inputs.empty() || inputs.size() > kMaxFiles) {
    return Status::InvalidArgument(std::to_string(inputs.size()) + " members; an archive holds 1 to " +
                                   std::to_string(kMaxFiles));
  }
  *total = PackStats();
  Manifest manifest;
  // The header's minor as far as the first input tells (past the first MiB
  // it is written so; PackFiles' inputs are files by path, all with
  // attributes, so all need the same).
  SGZ_ASSIGN_OR_RETURN(std::unique_ptr<InputStream> first, inputs[0].open());
  FileHeader header;
  header.minor = MinorVersionNeeded(first->attributes());
  if (inputs.size() > 1) header.minor = std::max(header.minor, kMembersSinceMinor);  // section MEMB
  // Metadata coded against another member's (transform 3) needs 2.2, and
  // the header is written before that is known.
  const bool share_metadata = options.metadata_references && inputs.size() > 1 && TwoOrMoreGgufInputs(inputs);
  if (share_metadata) header.minor = std::max(header.minor, kReferenceSinceMinor);
  ArchiveWriter writer(sink, total, header);
  // One input is written as Pack writes it; several share identical chunks.
  std::unique_ptr<ChunkDedup> dedup;
  std::unique_ptr<MetaReferences> refs;
  if (inputs.size() > 1) {
    SGZ_ASSIGN_OR_RETURN(dedup, ChunkDedup::Create());
    if (share_metadata) {
      refs = std::make_unique<MetaReferences>(
          [d = dedup.get()](uint32_t index, std::vector<uint8_t>* out) { return d->Decoded(index, out); });
    }
  }
  SGZ_RETURN_IF_ERROR(PackEach(inputs, std::move(first), options, &writer, &manifest, dedup.get(), refs.get(),
                               /*records=*/inputs.size() > 1, total, members));
  SGZ_RETURN_IF_ERROR(FinishArchive(manifest, MetaLevel(options), &writer));
  total->archive_size = writer.offset();
  total->chunks = manifest.chunks.size();
  return Status::Ok();
}

Status AppendMembers(const std::vector<MemberInput>& inputs, const PackOptions& options, const FileHeader& header,
                     uint64_t offset, ChunkDedup* dedup, MetaReferences* refs, Manifest* manifest, ByteSink* sink,
                     PackStats* total, std::vector<PackStats>* members, uint16_t* minor) {
  SGZ_RETURN_IF_ERROR(ValidatePackOptions(options));
  *total = PackStats();
  ArchiveWriter writer(sink, total, header, offset);
  const uint64_t chunks_before = manifest->chunks.size();
  // The result holds several files: every new member gets its record.
  SGZ_RETURN_IF_ERROR(
      PackEach(inputs, nullptr, options, &writer, manifest, dedup, refs, /*records=*/true, total, members));
  SGZ_RETURN_IF_ERROR(FinishArchive(*manifest, MetaLevel(options), &writer));
  total->archive_size = writer.offset();
  total->chunks = manifest->chunks.size() - chunks_before;
  *minor = writer.minor();
  return Status::Ok();
}

Status PackBuffer(const uint8_t* data, uint64_t size, const PackOptions& options, ByteSink* sink,
                  PackStats* stats) {
  std::unique_ptr<InputStream> in = NewMemoryInputStream(data, size);
  return Pack(in.get(), options, sink, stats);
}

}  // namespace sgz::internal
