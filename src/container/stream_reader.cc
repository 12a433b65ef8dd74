#include "container/stream_reader.h"

#include <vector>

#include "common/checksum.h"
#include "common/coding.h"
#include "container/format.h"
#include "streams/transform.h"

namespace sgz {
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
  ChunkHeader header;
};

}  // namespace

Status UnpackStream(InputStream* in, ByteSink* out, StreamUnpackStats* stats) {
  *stats = StreamUnpackStats();
  std::vector<uint8_t> buf, split, decoded;
  SGZ_RETURN_IF_ERROR(ReadExact(in, FileHeader::kEncodedLength, "header", &buf));
  SGZ_RETURN_IF_ERROR(FileHeader::DecodeFrom(buf.data(), buf.size()).status());

  std::vector<SeenChunk> seen;
  Xxh3Stream whole;
  for (;;) {
    const uint64_t offset = in->position();
    const uint8_t* data;
    uint64_t got;
    SGZ_RETURN_IF_ERROR(in->Peek(4, &data, &got));
    if (got < 4) return Status::Corruption("archive truncated at offset " + Num(offset) + " (no manifest)");
    const uint32_t tag = LoadU32LE(data);
    if (tag == kManifestTag) break;
    const std::string cw = "chunk " + Num(seen.size()) + " at offset " + Num(offset);
    if (tag != kChunkTag) return Status::Corruption(cw + ": bad chunk tag");
    SeenChunk c{offset, 0, ChunkHeader()};
    size_t needed = ChunkHeader::kFixedLength;
    for (int pass = 0; pass < 2; ++pass) {
      const size_t want = needed;
      SGZ_RETURN_IF_ERROR(in->Peek(want, &data, &got));
      if (got < want) return Status::Corruption(cw + ": archive truncated in the chunk header");
      Status s = ChunkHeader::DecodeFrom(data, got, &c.header, &needed);
      if (!s.ok()) return s.WithContext(cw);
      if (needed <= got) break;
    }
    const uint64_t payload = c.header.PayloadSize();
    c.stored_size = needed + payload;
    in->Consume(needed);
    SGZ_RETURN_IF_ERROR(ReadExact(in, payload, cw, &buf));
    split.resize(c.header.original_size);
    const uint8_t* src = buf.data();
    uint64_t dst = 0;
    for (size_t i = 0; i < c.header.streams.size(); ++i) {
      const StreamDesc& sd = c.header.streams[i];
      Status s = DecodeStream(sd.codec, src, sd.stored_size, split.data() + dst, sd.raw_size);
      if (!s.ok()) return s.WithContext(cw + " stream " + Num(i));
      src += sd.stored_size;
      dst += sd.raw_size;
    }
    decoded.resize(c.header.original_size);
    JoinStreams(c.header.transform, c.header.transform == Transform::kSplit ? FindGgmlType(c.header.type) : nullptr,
                split.data(), decoded.size(), decoded.data());
    if (Xxh3(decoded.data(), decoded.size()) != c.header.checksum) {
      return Status::ChecksumMismatch(cw + ": checksum mismatch of decoded bytes");
    }
    whole.Update(decoded.data(), decoded.size());
    SGZ_RETURN_IF_ERROR(out->Write(decoded.data(), decoded.size()));
    stats->original_bytes += decoded.size();
    ++stats->chunks;
    c.header.streams.clear();
    seen.push_back(std::move(c));
  }

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
  const uint8_t* data;
  uint64_t got;
  SGZ_RETURN_IF_ERROR(in->Peek(1, &data, &got));
  if (got != 0) return Status::Corruption("footer: trailing bytes after the footer");
  stats->archive_bytes = in->position();
  if (footer.manifest_offset != manifest_offset || footer.manifest_size != manifest_bytes.size()) {
    return Status::Corruption("footer: manifest position disagrees with the archive");
  }
  if (Xxh3(manifest_bytes.data(), manifest_bytes.size()) != footer.manifest_checksum) {
    return Status::ChecksumMismatch("manifest: checksum mismatch");
  }
  SGZ_ASSIGN_OR_RETURN(Manifest m, Manifest::DecodeFrom(manifest_bytes.data(), manifest_bytes.size(), manifest_offset));
  const FileEntry& f = m.files[0];
  if (f.chunks.size() != seen.size()) {
    return Status::Corruption("manifest: lists " + Num(f.chunks.size()) + " chunks, the archive holds " + Num(seen.size()));
  }
  for (size_t i = 0; i < seen.size(); ++i) {
    const ChunkEntry& e = m.chunks[f.chunks[i]];
    const SeenChunk& c = seen[i];
    if (e.file_offset != c.offset || e.stored_size != c.stored_size || e.original_size != c.header.original_size ||
        e.checksum != c.header.checksum || e.transform != c.header.transform || e.type != c.header.type) {
      return Status::Corruption("manifest: chunk " + Num(i) + " disagrees with the chunk read at offset " + Num(c.offset));
    }
  }
  if (stats->original_bytes != f.original_size) {
    return Status::Corruption("manifest: original size " + Num(f.original_size) + ", decoded " + Num(stats->original_bytes));
  }
  if (whole.Digest() != f.checksum) return Status::ChecksumMismatch("whole-file checksum mismatch");
  return Status::Ok();
}

}  // namespace sgz
