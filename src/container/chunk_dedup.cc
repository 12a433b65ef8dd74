#include "container/chunk_dedup.h"

#include <cerrno>
#include <cstring>

namespace sgz::internal {
namespace {

ChunkDedup::Key KeyOf(const ChunkHeader& h) {
  return {h.checksum, h.original_size, static_cast<uint8_t>(h.transform), h.type};
}

Status SpillError(const char* what) {
  return Status::IOError(std::string("dedup spill file: ") + what + ": " + std::strerror(errno));
}

}  // namespace

EncodedChunk CopyChunk(const ChunkHeader& of, uint32_t target) {
  EncodedChunk c;
  c.header.transform = Transform::kCopy;
  c.header.type = target;
  c.header.original_size = of.original_size;
  c.header.checksum = of.checksum;
  c.header.EncodeTo(&c.head);
  return c;
}

Result<std::unique_ptr<ChunkDedup>> ChunkDedup::Create() {
  std::FILE* f = std::tmpfile();
  if (f == nullptr) return SpillError("cannot create");
  return std::unique_ptr<ChunkDedup>(new ChunkDedup(f));
}

ChunkDedup::~ChunkDedup() { std::fclose(spill_); }

Status ChunkDedup::Add(uint32_t index, const EncodedChunk& chunk) {
  if (std::fseek(spill_, static_cast<long>(spill_size_), SEEK_SET) != 0 ||
      std::fwrite(chunk.head.data(), 1, chunk.head.size(), spill_) != chunk.head.size() ||
      std::fwrite(chunk.payload.data(), 1, chunk.payload.size(), spill_) != chunk.payload.size()) {
    return SpillError("cannot write");
  }
  stored_.emplace(KeyOf(chunk.header), Stored{index, spill_size_, chunk.stored_size()});
  by_index_.emplace(index, Stored{index, spill_size_, chunk.stored_size()});
  spill_size_ += chunk.stored_size();
  return Status::Ok();
}

Status ChunkDedup::ReadStored(const Stored& s, ChunkHeader* h, size_t* head_size) {
  buf_.resize(s.size);
  if (std::fflush(spill_) != 0 || std::fseek(spill_, static_cast<long>(s.offset), SEEK_SET) != 0 ||
      std::fread(buf_.data(), 1, s.size, spill_) != s.size) {
    return SpillError("cannot read");
  }
  Status st = ChunkHeader::DecodeFrom(buf_.data(), buf_.size(), FormatVersion(), h, head_size);
  // What this writer wrote decodes: anything else is a fault of the spill.
  return st.ok() ? st : st.WithContext("dedup spill file");
}

void ChunkDedup::AddExisting(uint32_t index, const ChunkEntry& e) {
  stored_.emplace(Key{e.checksum, e.original_size, static_cast<uint8_t>(e.transform), e.type},
                  Stored{index, kInArchive, 0});
}

Result<int64_t> ChunkDedup::Find(const EncodedChunk& chunk, const uint8_t* data) {
  auto [it, end] = stored_.equal_range(KeyOf(chunk.header));
  for (; it != end; ++it) {
    const Stored& s = it->second;
    if (s.offset == kInArchive) {
      if (!decode_existing_) continue;
      Status st = decode_existing_(s.index, &decoded_);
      // A damaged chunk is no target, and the add goes on; a read that
      // fails stops it.
      if (st.code() == Status::Code::kIoError) return st;
      if (!st.ok()) continue;
      if (decoded_.size() == chunk.header.original_size && std::memcmp(decoded_.data(), data, decoded_.size()) == 0) {
        return static_cast<int64_t>(s.index);
      }
      continue;
    }
    ChunkHeader h;
    size_t needed = 0;
    SGZ_RETURN_IF_ERROR(ReadStored(s, &h, &needed));
    // Decoding these needs another chunk: compared as stored bytes.
    if (h.transform == Transform::kReference || h.transform == Transform::kPredict) {
      if (s.size == chunk.stored_size() && std::memcmp(buf_.data(), chunk.head.data(), chunk.head.size()) == 0 &&
          std::memcmp(buf_.data() + chunk.head.size(), chunk.payload.data(), chunk.payload.size()) == 0) {
        return static_cast<int64_t>(s.index);
      }
      continue;
    }
    Status st = DecodeChunkPayload(h, buf_.data() + needed, buf_.size() - needed, &decoded_);
    if (!st.ok()) return st.WithContext("dedup spill file");
    if (decoded_.size() == chunk.header.original_size && std::memcmp(decoded_.data(), data, decoded_.size()) == 0) {
      return static_cast<int64_t>(s.index);
    }
  }
  return int64_t{-1};
}

Status ChunkDedup::Decoded(uint32_t index, std::vector<uint8_t>* out) {
  auto it = by_index_.find(index);
  if (it == by_index_.end()) return Status::NotFound("chunk " + std::to_string(index) + " is not in the dedup spill");
  ChunkHeader h;
  size_t needed = 0;
  SGZ_RETURN_IF_ERROR(ReadStored(it->second, &h, &needed));
  Status st = DecodeChunkPayload(h, buf_.data() + needed, buf_.size() - needed, out);
  return st.ok() ? st : st.WithContext("dedup spill file");
}

}  // namespace sgz::internal
