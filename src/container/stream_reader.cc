#include "container/stream_reader.h"

#include <vector>

#include "common/checksum.h"
#include "common/coding.h"
#include "common/thread_pool.h"
#include "container/format.h"
#include "container/member_names.h"
#include "streams/transform.h"

namespace sgz::internal {
namespace {

std::string Num(uint64_t v) { return std::to_string(v); }

// Reads exactly n bytes (copying them into *out); fails naming `what` when
// the input ends first.
Status ReadExact(InputStream* in, uint64_t n, const std::string& what, std::vector<uint8_t>* out) {
  const uint8_t* data;
  uint64_t got;
  SGZ_RETURN_IF_ERROR(in->Peek(n, &data, &got));
  if (got < n) {
    return Status::Corruption(what + ": archive truncated at offset " + Num(in->position() + got));
  }
  out->assign(data, data + n);
  in->Consume(n);
  return Status::Ok();
}

struct SeenChunk {
  uint64_t offset;
  uint64_t stored_size;
  uint32_t original_size;
  uint64_t checksum;
  Transform transform;
  uint32_t type;
};

struct StreamItem {
  std::string name;  // "chunk N at offset O"
  ChunkHeader header;
  std::vector<uint8_t> payload;
  std::vector<uint8_t> decoded;
};

}  // namespace

Status UnpackStream(InputStream* in, ByteSink* out, StreamUnpackStats* stats, unsigned threads) {
  *stats = StreamUnpackStats();
  std::vector<uint8_t> buf;
  SGZ_RETURN_IF_ERROR(ReadExact(in, FileHeader::kEncodedLength, "header", &buf));
  SGZ_ASSIGN_OR_RETURN(const FileHeader header, FileHeader::DecodeFrom(buf.data(), buf.size()));

  std::vector<SeenChunk> seen;
  Xxh3Stream whole;
  threads = ResolveThreads(threads);
  OrderedPipeline<StreamItem> pipeline(
      threads > 1 ? SharedThreadPool() : nullptr, threads,
      [](StreamItem& item) {
        Status s = DecodeChunkPayload(item.header, item.payload.data(), item.payload.size(), &item.decoded);
        return s.ok() ? s : s.WithContext(item.name);
      },
      [&](StreamItem& item) {
        whole.Update(item.decoded.data(), item.decoded.size());
        stats->original_bytes += item.decoded.size();
        ++stats->chunks;
        return out->Write(item.decoded.data(), item.decoded.size());
      });
  for (;;) {
    const uint64_t offset = in->position();
    const uint8_t* data;
    uint64_t got;
    SGZ_RETURN_IF_ERROR(in->Peek(4, &data, &got));
    if (got < 4) return Status::Corruption("archive truncated at offset " + Num(offset) + " (no manifest)");
    const uint32_t tag = LoadU32LE(data);
    if (tag == kManifestTag) break;
    if (tag != kChunkTag) {
      // Chunks run up to the manifest: these bytes are neither, whichever one
      // was damaged.
      return Status::Corruption("offset " + Num(offset) + ": neither chunk " + Num(seen.size()) +
                                " (tag SGZC) nor the manifest (tag SGZM)");
    }
    SGZ_ASSIGN_OR_RETURN(std::unique_ptr<StreamItem> item, pipeline.NewItem());
    item->header = ChunkHeader();
    item->name = "chunk " + Num(seen.size()) + " at offset " + Num(offset);
    const std::string& cw = item->name;
    size_t needed = ChunkHeader::kFixedLength;
    for (int pass = 0; pass < 2; ++pass) {
      const size_t want = needed;
      SGZ_RETURN_IF_ERROR(in->Peek(want, &data, &got));
      if (got < want) return Status::Corruption(cw + ": archive truncated in the chunk header");
      Status s = ChunkHeader::DecodeFrom(data, got, header.version(), &item->header, &needed);
      if (!s.ok()) return s.WithContext(cw);
      if (needed <= got) break;
    }
    if (item->header.transform == Transform::kCopy) {
      // Its bytes were written already, and are not kept: serving it would
      // mean rereading the output or holding every chunk. sgz writes copies
      // only in archives of several members, which a stream cannot unpack
      // yet either.
      return Status::NotSupported(cw + ": a copy of chunk " + Num(item->header.type) +
                                  "; unpacking shared chunks from a stream is not supported yet: give the archive file");
    }
    if (item->header.transform == Transform::kReference) {
      // Its reference was written already and is not kept either: decoding it
      // needs those bytes (DecodeChunkPayload's `reference`).
      return Status::NotSupported(cw + ": coded against chunk " + Num(item->header.type) +
                                  "; unpacking such chunks from a stream is not supported yet: give the archive file");
    }
    const uint64_t payload = item->header.PayloadSize();
    in->Consume(needed);
    SGZ_RETURN_IF_ERROR(ReadExact(in, payload, cw, &item->payload));
    seen.push_back({offset, needed + payload, item->header.original_size, item->header.checksum,
                    item->header.transform, item->header.type});
    SGZ_RETURN_IF_ERROR(pipeline.Push(std::move(item)));
  }
  SGZ_RETURN_IF_ERROR(pipeline.Finish());

  // Manifest frame, then the footer, then nothing.
  const uint64_t manifest_offset = in->position();
  SGZ_RETURN_IF_ERROR(ReadExact(in, kManifestFrameHeader, "manifest", &buf));
  const uint64_t body = LoadU64LE(buf.data() + 8);
  if (body > kMaxManifestSize - kManifestFrameHeader) {
    return Status::ResourceExhausted("manifest: size " + Num(body + kManifestFrameHeader) + " exceeds the limit " +
                                     Num(kMaxManifestSize));
  }
  std::vector<uint8_t> manifest_bytes(buf);
  SGZ_RETURN_IF_ERROR(ReadExact(in, body, "manifest", &buf));
  manifest_bytes.insert(manifest_bytes.end(), buf.begin(), buf.end());
  SGZ_RETURN_IF_ERROR(ReadExact(in, Footer::kEncodedLength, "footer", &buf));
  SGZ_ASSIGN_OR_RETURN(Footer footer, Footer::DecodeFrom(buf.data(), buf.size()));
  SGZ_RETURN_IF_ERROR(CheckVersionsAgree(header, footer));
  const uint8_t* data;
  uint64_t got;
  SGZ_RETURN_IF_ERROR(in->Peek(1, &data, &got));
  if (got != 0) return Status::Corruption("footer: trailing bytes after the footer");
  stats->archive_bytes = in->position();
  if (footer.manifest_offset != manifest_offset || footer.manifest_size != manifest_bytes.size()) {
    return Status::Corruption("footer: manifest position disagrees with the archive");
  }
  if (!ChecksumMatches(Xxh3(manifest_bytes.data(), manifest_bytes.size()), footer.manifest_checksum)) {
    return Status::ChecksumMismatch("manifest: checksum does not match its bytes");
  }
  SGZ_ASSIGN_OR_RETURN(Manifest m, Manifest::DecodeFrom(manifest_bytes.data(), manifest_bytes.size(), manifest_offset,
                                                          header.version()));
  SGZ_RETURN_IF_ERROR(CheckMemberNames(m));
  if (m.files.size() > 1) {
    // Its chunks were the members' back to back; where one ends is only in
    // the manifest, which comes last.
    return Status::NotSupported("the archive holds " + Num(m.files.size()) +
                                " members; unpacking them from a stream is not supported yet: give the archive file");
  }
  const FileEntry& f = m.files[0];
  if (f.chunks.size() != seen.size()) {
    return Status::Corruption("manifest: lists " + Num(f.chunks.size()) + " chunks, the archive holds " + Num(seen.size()));
  }
  for (size_t i = 0; i < seen.size(); ++i) {
    const ChunkEntry& e = m.chunks[f.chunks[i]];
    const SeenChunk& c = seen[i];
    if (e.file_offset != c.offset || e.stored_size != c.stored_size || e.original_size != c.original_size ||
        e.checksum != c.checksum || e.transform != c.transform || e.type != c.type) {
      return Status::Corruption("manifest: chunk " + Num(i) + " disagrees with the chunk read at offset " + Num(c.offset));
    }
  }
  if (stats->original_bytes != f.original_size) {
    return Status::Corruption("manifest: original size " + Num(f.original_size) + ", decoded " + Num(stats->original_bytes));
  }
  SGZ_RETURN_IF_ERROR(CheckWholeFileChecksum(whole.Digest(), f.checksum));
  stats->attributes = f.attributes;
  return Status::Ok();
}

}  // namespace sgz::internal
