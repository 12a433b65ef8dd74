#include "container/file_view.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "common/checksum.h"
#include "common/num.h"
#include "sgz/names.h"
#include "streams/ggml_types.h"
#include "streams/transform.h"

namespace sgz::internal {
namespace {

class BufferSink : public ByteSink {
 public:
  explicit BufferSink(uint8_t* dst) : dst_(dst) {}
  Status Write(const void* data, size_t n) override {
    memcpy(dst_, data, n);
    dst_ += n;
    return Status::Ok();
  }

 private:
  uint8_t* dst_;
};

}  // namespace

Result<FileView> FileView::Make(ChunkStore* store, uint32_t file_index) {
  const size_t files = store->manifest().files.size();
  if (file_index >= files) {
    return Status::InvalidArgument("file index " + Num(file_index) + " outside the file table (" + Num(files) +
                                   " files)");
  }
  return FileView(store, file_index);
}

FileView::FileView(ChunkStore* store, uint32_t file_index) : store_(store), file_index_(file_index) {
  const std::vector<ChunkEntry>& chunks = store->manifest().chunks;
  starts_.reserve(file().chunks.size());
  uint64_t pos = 0;
  for (uint32_t c : file().chunks) {
    starts_.push_back(pos);
    pos += chunks[c].original_size;
  }
  for (const TensorEntry& t : file().tensors) {
    if (t.size > 0) tensor_spans_.push_back({t.offset, t.offset + t.size});
  }
  std::sort(tensor_spans_.begin(), tensor_spans_.end());
}

size_t FileView::FindChunk(uint64_t pos) const {
  return static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), pos) - starts_.begin()) - 1;
}

Status FileView::WriteRange(uint64_t offset, uint64_t n, ByteSink* sink) const {
  return CopyRange(offset, n, sink, CacheKeep::kEnds);
}

Status FileView::CopyRange(uint64_t offset, uint64_t n, ByteSink* sink, CacheKeep keep) const {
  const FileEntry& f = file();
  if (offset > f.original_size || n > f.original_size - offset) {
    return Status::InvalidArgument("range [" + Num(offset) + ", +" + Num(n) + ") outside the original file (" +
                                   Num(f.original_size) + (f.original_size == 1 ? " byte)" : " bytes)"));
  }
  if (n == 0) return Status::Ok();
  const size_t first = FindChunk(offset);
  const size_t last = FindChunk(offset + n - 1);
  return store_->ReadChunks(f.chunks.data() + first, last - first + 1, keep,
                            [&](size_t k, const std::vector<uint8_t>& decoded) {
                              const uint64_t in_chunk = offset - starts_[first + k];
                              const uint64_t take = std::min<uint64_t>(n, decoded.size() - in_chunk);
                              offset += take;
                              n -= take;
                              return sink->Write(decoded.data() + in_chunk, take);
                            });
}

Status FileView::ReadRange(uint64_t offset, uint64_t n, uint8_t* dst) const {
  BufferSink sink(dst);
  return WriteRange(offset, n, &sink);
}

Status FileView::Unpack(ByteSink* sink) const {
  const FileEntry& f = file();
  Xxh3Stream whole;
  SGZ_RETURN_IF_ERROR(store_->ReadChunks(f.chunks.data(), f.chunks.size(), CacheKeep::kNone,
                                         [&](size_t, const std::vector<uint8_t>& decoded) {
                                           whole.Update(decoded.data(), decoded.size());
                                           return sink->Write(decoded.data(), decoded.size());
                                         }));
  return CheckWholeFileChecksum(whole.Digest(), f.checksum);
}

Status FileView::UnpackPastDamage(ByteSink* sink, const std::function<Status(size_t, const Status&)>& damaged) const {
  const FileEntry& f = file();
  Xxh3Stream whole;
  bool any_damage = false;
  // Reading a copy chunk reads its target only; a check of everything also
  // reads each copy's header, and reports one that disagrees with its entry
  // as that chunk's damage.
  std::map<size_t, Status> bad_copies;
  for (size_t k = 0; k < f.chunks.size(); ++k) {
    if (store_->manifest().chunks[f.chunks[k]].transform != Transform::kCopy) continue;
    Status s = store_->CheckCopyHeader(f.chunks[k]);
    if (s.code() == ErrorCode::kCorrupt) {
      bad_copies[k] = s;
    } else {
      SGZ_RETURN_IF_ERROR(s);
    }
  }
  SGZ_RETURN_IF_ERROR(store_->ReadChunks(
      f.chunks.data(), f.chunks.size(), CacheKeep::kNone,
      [&](size_t k, const std::vector<uint8_t>& decoded) {
        auto bad = bad_copies.find(k);
        if (bad != bad_copies.end()) {
          any_damage = true;
          return damaged(k, bad->second);
        }
        whole.Update(decoded.data(), decoded.size());
        return sink == nullptr ? Status::Ok() : sink->Write(decoded.data(), decoded.size());
      },
      [&](size_t k, const Status& failure) {
        any_damage = true;
        return damaged(k, failure);
      }));
  return any_damage ? Status::Ok() : CheckWholeFileChecksum(whole.Digest(), f.checksum);
}

Result<const TensorEntry*> FileView::FindTensor(const std::string& name) const {
  const FileEntry& f = file();
  std::vector<std::pair<size_t, const std::string*>> close;
  for (const TensorEntry& t : f.tensors) {
    if (t.name == name) return &t;
    // A prefix of a name (a layer, "blk.1.") is one edit from it.
    size_t d = std::min(EditDistance(name, t.name), EditDistance(name, std::string_view(t.name).substr(0, name.size())) + 1);
    if (t.name.find(name) != std::string::npos) d = std::min<size_t>(d, 1);
    if (d <= std::max<size_t>(2, name.size() / 3)) close.push_back({d, &t.name});
  }
  std::sort(close.begin(), close.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : *a.second < *b.second;
  });
  std::string msg = "no tensor named '" + name + "'";
  if (f.kind != EntryKind::kGguf) return Status::NotFound(msg + " (the archived file is not GGUF)");
  for (size_t i = 0; i < close.size() && i < 5; ++i) msg += (i == 0 ? "; did you mean: " : ", ") + *close[i].second;
  if (close.empty()) msg += " (" + Num(f.tensors.size()) + (f.tensors.size() == 1 ? " tensor)" : " tensors)");
  return Status::NotFound(msg);
}

Status FileView::ReadTensor(const std::string& name, uint8_t* dst, uint64_t capacity) const {
  SGZ_ASSIGN_OR_RETURN(const TensorEntry* t, FindTensor(name));
  if (capacity < t->size) {
    return Status::InvalidArgument("tensor '" + name + "' has " + Num(t->size) + " bytes, buffer " + Num(capacity));
  }
  BufferSink sink(dst);
  return CopyRange(t->offset, t->size, &sink, CacheKeep::kNone);
}

Status FileView::StreamStats(std::map<std::string, StreamTotals>* out) const {
  out->clear();
  const FileEntry& f = file();
  for (size_t c = 0; c < f.chunks.size(); ++c) {
    ChunkHeader h;
    SGZ_RETURN_IF_ERROR(store_->ReadChunkHeader(f.chunks[c], &h));
    const GgmlType* type = TypedTransform(h.transform) ? FindGgmlType(h.type) : nullptr;
    // Untransformed chunks are named by where they lie: metadata or other.
    // The writer's metadata region is [0, data_offset) of a GGUF file.
    const bool metadata = f.kind == EntryKind::kGguf && starts_[c] < f.data_offset;
    const std::vector<std::string> names = StreamNames(h.transform, type, metadata);
    for (size_t k = 0; k < h.streams.size(); ++k) {
      StreamTotals& t = (*out)[names[k]];
      t.raw += h.streams[k].raw_size;
      t.stored += h.streams[k].stored_size;
    }
  }
  return Status::Ok();
}

Status FileView::ReadGgufHeader(std::vector<uint8_t>* header, GgufLayout* layout) const {
  const FileEntry& f = file();
  if (f.kind != EntryKind::kGguf) return Status::InvalidArgument("the archived file is not GGUF");
  // data_offset comes from the manifest: a checksummed manifest may still
  // declare a terabyte. The header ends by data_offset and, as the writer
  // parsed it, within kMaxGgufHeaderBytes: read a prefix growing from 4 KiB,
  // bounded by both, never data_offset bytes on trust (nor past the header:
  // what follows it is no business of this read).
  const uint64_t cap = std::min(f.data_offset, kMaxGgufHeaderBytes);
  Result<GgufLayout> parsed = Status::Corruption("GGUF header: empty");
  header->clear();
  for (uint64_t want = std::min<uint64_t>(cap, 4096);; want = std::min(want * 4, cap)) {
    const uint64_t have = header->size();
    header->resize(want);
    SGZ_RETURN_IF_ERROR(ReadRange(have, want - have, header->data() + have));
    bool need_more = false;
    parsed = ParseGgufHeader(header->data(), want, /*at_eof=*/want == f.data_offset, &need_more);
    if (parsed.ok() || !need_more) break;
    if (want == cap) {
      return Status::ResourceExhausted("GGUF header: larger than the " + std::to_string(kMaxGgufHeaderBytes >> 20) +
                                       " MiB limit (manifest data_offset " + std::to_string(f.data_offset) + ")");
    }
  }
  if (!parsed.ok()) return parsed.status().WithContext("GGUF header");
  // The writer's rule for the data offset (a file without tensors may end
  // before the padded offset), so that such a file's header agrees with it.
  SGZ_RETURN_IF_ERROR(FinishGgufLayout(&*parsed, f.original_size).WithContext("GGUF header"));
  if (parsed->data_offset != f.data_offset) {
    return Status::Corruption("manifest: file " + std::to_string(file_index_) + " data_offset " +
                              std::to_string(f.data_offset) + " disagrees with its GGUF header's " +
                              std::to_string(parsed->data_offset));
  }
  header->resize(parsed->header_size);  // the metadata values lie before it
  *layout = std::move(parsed).value();
  return Status::Ok();
}

uint64_t FileView::TensorSharedBytes(const TensorEntry& t) const {
  const std::vector<ChunkEntry>& chunks = store_->manifest().chunks;
  if (t.size == 0 || starts_.empty()) return 0;
  const uint64_t t_end = t.offset + t.size;
  uint64_t total = 0;
  for (size_t i = FindChunk(t.offset); i < starts_.size() && starts_[i] < t_end; ++i) {
    const ChunkEntry& c = chunks[file().chunks[i]];
    if (c.transform != Transform::kCopy) continue;
    total += std::min(t_end, starts_[i] + c.original_size) - std::max(t.offset, starts_[i]);
  }
  return total;
}

uint64_t FileView::TensorStoredBytes(const TensorEntry& t) const {
  const FileEntry& f = file();
  const std::vector<ChunkEntry>& chunks = store_->manifest().chunks;
  if (t.size == 0 || starts_.empty()) return 0;
  const uint64_t t_end = t.offset + t.size;
  uint64_t total = 0;
  for (size_t i = FindChunk(t.offset); i < starts_.size() && starts_[i] < t_end; ++i) {
    const uint64_t c_start = starts_[i];
    const uint64_t c_end = c_start + chunks[f.chunks[i]].original_size;
    const auto overlap = [&](uint64_t a, uint64_t b) { return std::min(b, c_end) - std::max(a, c_start); };
    // Tensor payload bytes in the chunk: the tensors starting in it and the
    // one (if any) running into it.
    auto it = std::lower_bound(tensor_spans_.begin(), tensor_spans_.end(), std::make_pair(c_start, uint64_t{0}));
    if (it != tensor_spans_.begin()) --it;
    uint64_t payload = 0;
    for (; it != tensor_spans_.end() && it->first < c_end; ++it) {
      if (it->second > c_start) payload += overlap(it->first, it->second);
    }
    const uint64_t mine = overlap(t.offset, t_end);
    if (payload == 0 || mine == 0) continue;
    const uint64_t stored = chunks[f.chunks[i]].stored_size;
    // stored < 2^32 and mine <= payload <= 2^26: the product fits.
    total += mine == payload ? stored : std::max<uint64_t>(1, stored * mine / payload);
  }
  return total;
}

void FileView::TensorChunks(const TensorEntry& t, uint64_t* first, uint64_t* count) const {
  if (t.size == 0 || starts_.empty() || t.offset < starts_[0]) {
    *first = static_cast<size_t>(std::lower_bound(starts_.begin(), starts_.end(), t.offset) - starts_.begin());
    *count = 0;
    return;
  }
  // The chunk holding the first byte: small tensors share chunks.
  const size_t i = FindChunk(t.offset);
  size_t end = i;
  while (end < starts_.size() && starts_[end] < t.offset + t.size) ++end;
  *first = i;
  *count = end - i;
}

}  // namespace sgz::internal
