#include "container/earlier_chunks.h"

#include <cerrno>
#include <cstring>

#include "common/checksum.h"
#include "container/predict_chunk.h"

namespace sgz::internal {
namespace {

Status SpoolError(const char* what) {
  return Status::IOError(std::string("stream spool file: ") + what + ": " + std::strerror(errno));
}

}  // namespace

StreamChunkLog::~StreamChunkLog() {
  if (spool_ != nullptr) std::fclose(spool_);
}

void StreamChunkLog::NoteWritten(ReadableOutput* out, uint64_t offset, uint32_t size, uint64_t checksum) {
  chunks_.push_back({out, offset, 0, size, checksum});
}

Status StreamChunkLog::NoteStored(const std::vector<uint8_t>& head, const std::vector<uint8_t>& payload,
                                  uint32_t size, uint64_t checksum) {
  if (spool_ == nullptr) {
    spool_ = std::tmpfile();  // unlinked: nothing is left behind, whatever happens
    if (spool_ == nullptr) return SpoolError("cannot create");
  }
  if (std::fseek(spool_, static_cast<long>(spool_size_), SEEK_SET) != 0 ||
      std::fwrite(head.data(), 1, head.size(), spool_) != head.size() ||
      std::fwrite(payload.data(), 1, payload.size(), spool_) != payload.size()) {
    return SpoolError("cannot write");
  }
  chunks_.push_back({nullptr, spool_size_, head.size() + payload.size(), size, checksum});
  spool_size_ += head.size() + payload.size();
  return Status::Ok();
}

Status StreamChunkLog::Read(uint32_t index, std::vector<uint8_t>* out) {
  if (index >= chunks_.size()) return Status::Corruption("chunk " + std::to_string(index) + " was not met yet");
  const Where& w = chunks_[index];
  if (w.out != nullptr) {
    out->resize(w.size);
    SGZ_RETURN_IF_ERROR(w.out->ReadAt(w.offset, out->data(), w.size));
    // Read back from a file: checked again, as any chunk is when decoded.
    if (!ChecksumMatches(Xxh3(out->data(), out->size()), w.checksum)) {
      return Status::ChecksumMismatch("chunk " + std::to_string(index) + ": bytes read back from the output changed");
    }
    return Status::Ok();
  }
  if (w.offset == kUnkept) {
    return Status::NotSupported("chunk " + std::to_string(index) +
                                ": a reference to it, whose bytes were not kept (written where they cannot be read back, "
                                "for a single file); give the archive file");
  }
  buf_.resize(w.stored);
  if (std::fseek(spool_, static_cast<long>(w.offset), SEEK_SET) != 0 ||
      std::fread(buf_.data(), 1, buf_.size(), spool_) != buf_.size()) {
    return SpoolError("cannot read");
  }
  ChunkHeader h;
  size_t needed;
  Status s = ChunkHeader::DecodeFrom(buf_.data(), buf_.size(), version_, &h, &needed);
  if (s.ok() && h.transform == Transform::kReference) {
    // Decoded against its reference, read first (one level: the reader
    // checked that the reference is neither a copy nor referencing).
    std::vector<uint8_t> stored(buf_), reference;
    s = Read(h.type, &reference);
    if (s.ok()) s = DecodeChunkPayload(h, stored.data() + needed, stored.size() - needed, out, &reference);
  } else if (s.ok() && h.transform == Transform::kPredict) {
    // Decoded from its parent and importance chunk, read first (checked
    // when met: transform 0 or 1).
    std::vector<uint8_t> stored(buf_), parent, importance;
    PredictSources p;
    s = PredictSourcesOf(h, stored.data() + needed, stored.size() - needed, &p);
    if (s.ok()) s = Read(p.chunks[0], &parent);
    if (s.ok() && p.count > 1) s = Read(p.chunks[1], &importance);
    if (s.ok()) {
      s = DecodeChunkPayload(h, stored.data() + needed, stored.size() - needed, out, &parent,
                             p.count > 1 ? &importance : nullptr);
    }
  } else if (s.ok()) {
    s = DecodeChunkPayload(h, buf_.data() + needed, buf_.size() - needed, out);
  }
  return s.ok() ? s : s.WithContext("chunk " + std::to_string(index));
}

}  // namespace sgz::internal
