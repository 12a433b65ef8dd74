// The member loop: Pack (one input), PackMembers (a new archive of several)
// and AppendMembers (more members after an archive's last chunk) share it;
// the single input's pipeline is in pack_member.cc, the archive frame in
// archive_writer.cc.
#include "container/writer.h"

#include <algorithm>
#include <vector>

#include "container/archive_writer.h"
#include "container/chunk_dedup.h"
#include "container/member_order.h"
#include "container/member_record.h"
#include "container/meta_reference.h"
#include "container/pack_member.h"

namespace sgz::internal {
namespace {

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
    total->predicted_blocks += m.predicted_blocks;
    total->scale_blocks += m.scale_blocks;
    total->scales_hit += m.scales_hit;
    total->quants_hit += m.quants_hit;
    for (const auto& [stream, t] : m.streams) {
      total->streams[stream].raw += t.raw;
      total->streams[stream].stored += t.stored;
    }
  }
  total->gguf = std::all_of(members->begin(), members->end(), [](const PackStats& m) { return m.gguf; });
  return Status::Ok();
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
  if (options.format_minor < kPredictSinceMinor || options.format_minor > kFormatMinor) {
    return Status::InvalidArgument("format 2." + std::to_string(options.format_minor) + ": sgz writes format 2." +
                                   std::to_string(kPredictSinceMinor) + " to 2." + std::to_string(kFormatMinor));
  }
  return Status::Ok();
}

Status Pack(InputStream* in, const PackOptions& options, ByteSink* sink, PackStats* stats) {
  SGZ_RETURN_IF_ERROR(ValidatePackOptions(options));
  *stats = PackStats();
  // The lowest version holding what the archive uses: 2.0 without attributes
  // (and without a compressed manifest, decided at the end).
  FileHeader header;
  header.minor = MinorVersionNeeded(in->attributes());
  // Transform 5 and codec 2 need 2.4: declared before any chunk when allowed
  // (an archive that ends within the held first MiB gets the lowest minor
  // that holds what it used).
  if (options.format_minor >= kContextSinceMinor) header.minor = kContextSinceMinor;
  ArchiveWriter writer(sink, stats, header);
  Manifest manifest;
  SGZ_RETURN_IF_ERROR(
      PackMember(in, options.name, options, &writer, &manifest, 0, /*dedup=*/nullptr, /*refs=*/nullptr, stats));
  SGZ_RETURN_IF_ERROR(FinishArchive(&manifest, MetaLevel(options), &writer));
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
  // Metadata coded against another member's (transform 3) needs 2.2, and
  // the header is written before that is known.
  const bool share_metadata = options.metadata_references && inputs.size() > 1 && TwoOrMoreGgufInputs(inputs);
  // Predicted members read earlier ones only: those they read go first.
  std::vector<size_t> order(inputs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (share_metadata && options.predict) {
    SGZ_ASSIGN_OR_RETURN(order, PredictionOrder(inputs, options));
  } else if (!options.parent_member.empty() || !options.imatrix_member.empty()) {
    return Status::InvalidArgument("--parent and --imatrix need prediction: two GGUF inputs or more");
  }
  std::vector<MemberInput> ordered;
  for (size_t i : order) ordered.push_back(inputs[i]);
  // The header's minor as far as the first input tells (past the first MiB
  // it is written so; PackFiles' inputs are files by path, all with
  // attributes, so all need the same).
  SGZ_ASSIGN_OR_RETURN(std::unique_ptr<InputStream> first, ordered[0].open());
  FileHeader header;
  header.minor = MinorVersionNeeded(first->attributes());
  if (inputs.size() > 1) header.minor = std::max(header.minor, kMembersSinceMinor);  // section MEMB
  if (share_metadata) header.minor = std::max(header.minor, kReferenceSinceMinor);
  // Quantized members predicted from a float member (transform 4) need 2.3.
  if (share_metadata && options.predict) header.minor = std::max(header.minor, kPredictSinceMinor);
  if (options.format_minor >= kContextSinceMinor) header.minor = kContextSinceMinor;  // as in Pack
  // Transform 4's flag ESTIMATE needs 2.5 (section ESTM), likewise.
  if (share_metadata && options.predict && options.format_minor >= kEstimateSinceMinor) {
    header.minor = kEstimateSinceMinor;
  }
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
  std::vector<PackStats> written;
  SGZ_RETURN_IF_ERROR(PackEach(ordered, std::move(first), options, &writer, &manifest, dedup.get(), refs.get(),
                               /*records=*/inputs.size() > 1, total, &written));
  // (*members)[i] is inputs[i]'s, whatever the writing order.
  members->assign(inputs.size(), PackStats());
  for (size_t k = 0; k < order.size(); ++k) (*members)[order[k]] = std::move(written[k]);
  SGZ_RETURN_IF_ERROR(FinishArchive(&manifest, MetaLevel(options), &writer));
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
  // Predicted members read earlier ones only: those they read go first.
  std::vector<size_t> order(inputs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (refs != nullptr && options.predict) {
    SGZ_ASSIGN_OR_RETURN(order, PredictionOrder(inputs, options));
  }
  std::vector<MemberInput> ordered;
  for (size_t i : order) ordered.push_back(inputs[i]);
  // The result holds several files: every new member gets its record.
  std::vector<PackStats> written;
  SGZ_RETURN_IF_ERROR(
      PackEach(ordered, nullptr, options, &writer, manifest, dedup, refs, /*records=*/true, total, &written));
  members->assign(inputs.size(), PackStats());
  for (size_t k = 0; k < order.size(); ++k) (*members)[order[k]] = std::move(written[k]);
  SGZ_RETURN_IF_ERROR(FinishArchive(manifest, MetaLevel(options), &writer));
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
