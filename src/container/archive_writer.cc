#include "container/archive_writer.h"

#include <algorithm>
#include <vector>

#include "common/checksum.h"
#include "container/predict_chunk.h"
#include "streams/ggml_types.h"
#include "streams/transform.h"

namespace sgz::internal {
namespace {

// The compressed manifest must make the archive at least 1/kPaysDivisor and
// kPaysBytes smaller: it costs compatibility with 2.0 readers, so it is used
// only where the manifest is a material share of the archive, and not for a
// few bytes of a tiny one.
constexpr uint64_t kPaysDivisor = 200;  // 0.5%
constexpr uint64_t kPaysBytes = 1024;

// The manifest frame: compressed when that pays (kPaysDivisor, kPaysBytes)
// and the header may still say so (`allowed`: the archive is still held, or
// its header already declares a version that has ZSEC), else plain. Sets
// *compressed.
std::string ChooseManifest(const Manifest& manifest, bool allowed, uint64_t manifest_offset, int level,
                           bool* compressed) {
  std::string plain, packed;
  manifest.EncodeTo(&plain);
  *compressed = false;
  if (!allowed || !manifest.EncodeCompressedTo(level, &packed) || packed.size() >= plain.size()) return plain;
  const uint64_t archive = manifest_offset + plain.size() + Footer::kEncodedLength;
  const uint64_t saved = plain.size() - packed.size();
  if (saved < kPaysBytes || saved * kPaysDivisor < archive) return plain;
  *compressed = true;
  return packed;
}

// The lowest minor version of format 2 that defines `row` (0 for a row of
// format 1).
uint16_t SinceMinor(const IdRow* row) { return row == nullptr || row->since_major < 2 ? 0 : row->since_minor; }

// The lowest minor version of format 2 that holds a chunk with this header.
uint16_t MinorOf(const ChunkHeader& h) {
  uint16_t minor = SinceMinor(FindTransform(static_cast<uint8_t>(h.transform)));
  for (const StreamDesc& s : h.streams) minor = std::max(minor, SinceMinor(FindCodec(static_cast<uint8_t>(s.codec))));
  return minor;
}

}  // namespace

ArchiveWriter::ArchiveWriter(ByteSink* sink, PackStats* stats, const FileHeader& header)
    : sink_(sink), stats_(stats), header_(header) {
  header_.EncodeTo(&held_);
  offset_ = held_.size();
}

ArchiveWriter::ArchiveWriter(ByteSink* sink, PackStats* stats, const FileHeader& header, uint64_t offset)
    : sink_(sink), stats_(stats), header_(header), holding_(false), appending_(true), offset_(offset) {}

Status ArchiveWriter::Emit(const std::string& bytes) {
  offset_ += bytes.size();
  if (!holding_) return sink_->Write(bytes.data(), bytes.size());
  held_ += bytes;
  return held_.size() > kHoldBytes ? Release(header_.minor) : Status::Ok();
}

Status ArchiveWriter::Release(uint16_t minor) {
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

Status ArchiveWriter::EmitChunk(const EncodedChunk& chunk, bool metadata, ChunkEntry* entry) {
  const ChunkHeader& header = chunk.header;
  const bool estimate = UsesEstimate(chunk);
  const uint16_t needed = estimate ? std::max(MinorOf(header), kEstimateSinceMinor) : MinorOf(header);
  // The writer decides what it may use before the header leaves it; a chunk
  // past that would make an archive that declares less than it uses.
  if (!holding_ && !appending_ && needed > header_.minor) {
    return Status::InvalidArgument("internal error: a chunk of format 2." + std::to_string(needed) +
                                   " in an archive already declared 2." + std::to_string(header_.minor));
  }
  chunks_minor_ = std::max(chunks_minor_, needed);
  estimate_ = estimate_ || estimate;
  // Named from what was written (a small tensor chunk may have been kept
  // unsplit), as the reader names it from the chunk header.
  const std::vector<std::string> names = StreamNames(
      header.transform, TypedTransform(header.transform) ? FindGgmlType(header.type) : nullptr, metadata);
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

Status FinishArchive(Manifest* m, int meta_level, ArchiveWriter* writer) {
  Manifest& manifest = *m;
  manifest.estimated_scales = manifest.estimated_scales || writer->estimate();
  Footer footer;
  footer.manifest_offset = writer->offset();
  bool compressed = false;
  const bool allowed =
      writer->holding() || writer->appending() || writer->minor() >= kCompressedSectionsSinceMinor;
  std::string tail = ChooseManifest(manifest, allowed, footer.manifest_offset, meta_level, &compressed);
  if (tail.size() > kMaxManifestSize) {
    return Status::ResourceExhausted("manifest of " + std::to_string(tail.size()) + " bytes exceeds the limit " +
                                     std::to_string(kMaxManifestSize) + "; use a larger chunk size");
  }
  uint16_t minor = writer->chunks_minor();
  for (const FileEntry& f : manifest.files) minor = std::max(minor, MinorVersionNeeded(f.attributes, compressed));
  if (manifest.files.size() > 1) minor = std::max(minor, kMembersSinceMinor);
  if (manifest.estimated_scales) minor = std::max(minor, kEstimateSinceMinor);
  for (const ChunkEntry& c : manifest.chunks) {
    if (c.transform == Transform::kReference) minor = std::max(minor, kReferenceSinceMinor);
    if (c.transform == Transform::kPredict) minor = std::max(minor, kPredictSinceMinor);
    if (c.transform == Transform::kCopy) minor = std::max(minor, kCopySinceMinor);
  }
  SGZ_RETURN_IF_ERROR(writer->Release(minor));
  footer.minor = writer->minor();
  footer.manifest_size = tail.size();
  footer.manifest_checksum = Xxh3(tail.data(), tail.size());
  footer.EncodeTo(&tail);
  return writer->Emit(tail);
}

}  // namespace sgz::internal
