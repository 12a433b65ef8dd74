#include "container/writer.h"

#include <algorithm>
#include <vector>

#include "common/checksum.h"
#include "streams/ggml_types.h"
#include "streams/gguf_reader.h"
#include "streams/transform.h"

namespace sgz {
namespace {

// Padding up to this size rides in the tail stream of its tensor's last
// chunk; larger gaps (huge alignments) are chunked on their own.
constexpr uint64_t kMaxMergedPadding = 64 * 1024;

struct PlannedChunk {
  uint64_t offset;
  uint64_t size;
  Transform transform;
  uint32_t type;
  const char* none_name;  // stream name when untransformed
};

void PlanUntransformed(uint64_t offset, uint64_t size, uint64_t chunk_size, const char* name,
                       std::vector<PlannedChunk>* plan) {
  for (uint64_t done = 0; done < size;) {
    uint64_t n = std::min(chunk_size, size - done);
    plan->push_back({offset + done, n, Transform::kNone, 0, name});
    done += n;
  }
}

std::vector<PlannedChunk> PlanChunks(const GgufLayout* layout, uint64_t file_size, uint64_t chunk_size) {
  std::vector<PlannedChunk> plan;
  if (layout == nullptr) {
    PlanUntransformed(0, file_size, chunk_size, "opaque", &plan);
    return plan;
  }
  const std::vector<Region>& regions = layout->regions;
  for (size_t i = 0; i < regions.size(); ++i) {
    const Region& r = regions[i];
    switch (r.kind) {
      case RegionKind::kMeta:
        PlanUntransformed(r.offset, r.size, chunk_size, "meta", &plan);
        break;
      case RegionKind::kTail:
        PlanUntransformed(r.offset, r.size, chunk_size, "tail", &plan);
        break;
      case RegionKind::kPadding:
        // Reached only when not merged into the tensor before it.
        PlanUntransformed(r.offset, r.size, chunk_size, "padding", &plan);
        break;
      case RegionKind::kTensor: {
        const GgufTensor& t = layout->tensors[r.tensor];
        const GgmlType* type = FindGgmlType(t.type);
        uint64_t padding = 0;
        if (i + 1 < regions.size() && regions[i + 1].kind == RegionKind::kPadding &&
            regions[i + 1].size <= kMaxMergedPadding) {
          padding = regions[i + 1].size;
          ++i;
        }
        if (type == nullptr || type->fields.empty()) {
          PlanUntransformed(r.offset, r.size + padding, chunk_size, "opaque-type", &plan);
          break;
        }
        const uint64_t step = std::max<uint64_t>(1, chunk_size / type->block_bytes) * type->block_bytes;
        for (uint64_t done = 0; done < r.size;) {
          uint64_t n = std::min(step, r.size - done);
          if (done + n == r.size) n += padding;
          plan.push_back({r.offset + done, n, Transform::kSplit, t.type, ""});
          done += std::min(step, r.size - done);
        }
        break;
      }
    }
  }
  return plan;
}

class ArchiveWriter {
 public:
  ArchiveWriter(ByteSink* sink, const PackOptions& options, PackStats* stats)
      : sink_(sink), options_(options), stats_(stats) {}

  Status Emit(const std::string& bytes) {
    offset_ += bytes.size();
    return sink_->Write(bytes.data(), bytes.size());
  }

  Status WriteChunk(const uint8_t* data, const PlannedChunk& pc, ChunkEntry* entry) {
    const GgmlType* type = pc.transform == Transform::kSplit ? FindGgmlType(pc.type) : nullptr;
    split_.resize(pc.size);
    SplitStreams(pc.transform, type, data, pc.size, split_.data());
    const std::vector<uint64_t> sizes = StreamSizes(pc.transform, type, pc.size);
    const std::vector<std::string> names = StreamNames(pc.transform, type, pc.none_name);
    ChunkHeader header;
    header.transform = pc.transform;
    header.type = pc.type;
    header.original_size = static_cast<uint32_t>(pc.size);
    header.checksum = Xxh3(data, pc.size);
    payload_.clear();
    uint64_t pos = 0;
    for (size_t s = 0; s < sizes.size(); ++s) {
      const size_t before = payload_.size();
      Codec codec = EncodeStream(split_.data() + pos, sizes[s], options_.level, &payload_);
      header.streams.push_back({codec, static_cast<uint32_t>(sizes[s]), static_cast<uint32_t>(payload_.size() - before)});
      StreamTotals& tot = stats_->streams[names[s]];
      tot.raw += sizes[s];
      tot.stored += payload_.size() - before;
      pos += sizes[s];
    }
    std::string head;
    header.EncodeTo(&head);
    entry->file_offset = offset_;
    entry->stored_size = static_cast<uint32_t>(head.size() + payload_.size());
    entry->original_size = header.original_size;
    entry->transform = header.transform;
    entry->stream_count = static_cast<uint8_t>(header.streams.size());
    entry->type = header.type;
    entry->checksum = header.checksum;
    SGZ_RETURN_IF_ERROR(Emit(head));
    return Emit(payload_);
  }

  uint64_t offset() const { return offset_; }

 private:
  ByteSink* sink_;
  const PackOptions& options_;
  PackStats* stats_;
  uint64_t offset_ = 0;
  std::vector<uint8_t> split_;
  std::string payload_;
};

}  // namespace

Status ValidatePackOptions(const PackOptions& options) {
  if (options.level < kMinLevel || options.level > kMaxLevel) {
    return Status::InvalidArgument("level " + std::to_string(options.level) + " outside " +
                                   std::to_string(kMinLevel) + ".." + std::to_string(kMaxLevel));
  }
  if (options.chunk_size < kMinChunkSize || options.chunk_size > kMaxChunkSize - kMaxMergedPadding) {
    return Status::InvalidArgument("chunk size " + std::to_string(options.chunk_size) + " outside " +
                                   std::to_string(kMinChunkSize) + ".." +
                                   std::to_string(kMaxChunkSize - kMaxMergedPadding));
  }
  if (options.name.size() > kMaxNameBytes) return Status::InvalidArgument("name longer than " + std::to_string(kMaxNameBytes) + " bytes");
  return Status::Ok();
}

Status PackBuffer(const uint8_t* data, uint64_t size, const PackOptions& options, ByteSink* sink,
                  PackStats* stats) {
  SGZ_RETURN_IF_ERROR(ValidatePackOptions(options));
  *stats = PackStats();
  stats->original_size = size;

  FileEntry file;
  file.name = options.name;
  file.original_size = size;
  Result<GgufLayout> parsed = ParseGguf(data, size);
  const GgufLayout* layout = nullptr;
  if (parsed.ok()) {
    layout = &parsed.value();
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
    stats->notice = "not a valid GGUF file (" + parsed.status().message() + "), stored as opaque bytes";
  }
  stats->gguf = layout != nullptr;

  ArchiveWriter writer(sink, options, stats);
  std::string head;
  FileHeader().EncodeTo(&head);
  SGZ_RETURN_IF_ERROR(writer.Emit(head));

  Manifest manifest;
  const std::vector<PlannedChunk> plan = PlanChunks(layout, size, options.chunk_size);
  Xxh3Stream whole;
  for (const PlannedChunk& pc : plan) {
    ChunkEntry entry;
    SGZ_RETURN_IF_ERROR(writer.WriteChunk(data + pc.offset, pc, &entry));
    whole.Update(data + pc.offset, pc.size);
    file.chunks.push_back(static_cast<uint32_t>(manifest.chunks.size()));
    manifest.chunks.push_back(entry);
  }
  file.checksum = whole.Digest();
  manifest.files.push_back(std::move(file));

  Footer footer;
  footer.manifest_offset = writer.offset();
  std::string tail;
  manifest.EncodeTo(&tail);
  footer.manifest_size = tail.size();
  footer.manifest_checksum = Xxh3(tail.data(), tail.size());
  footer.EncodeTo(&tail);
  SGZ_RETURN_IF_ERROR(writer.Emit(tail));
  stats->archive_size = writer.offset();
  stats->chunks = manifest.chunks.size();
  return Status::Ok();
}

}  // namespace sgz
