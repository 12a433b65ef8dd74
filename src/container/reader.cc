#include "container/reader.h"

#include <algorithm>
#include <cstring>

#include "common/checksum.h"
#include "common/thread_pool.h"
#include "common/coding.h"
#include "streams/transform.h"

namespace sgz::internal {

Result<std::unique_ptr<Archive>> Archive::Open(std::unique_ptr<ByteSource> source) {
  std::unique_ptr<Archive> a(new Archive);
  const uint64_t size = source->Size();
  if (size < FileHeader::kEncodedLength + Footer::kEncodedLength) {
    return Status::Corruption("archive is " + std::to_string(size) + " bytes, too short for header and footer");
  }
  uint8_t buf[Footer::kEncodedLength];
  SGZ_RETURN_IF_ERROR(source->Read(0, FileHeader::kEncodedLength, buf));
  SGZ_ASSIGN_OR_RETURN(a->header_, FileHeader::DecodeFrom(buf, FileHeader::kEncodedLength));
  SGZ_RETURN_IF_ERROR(source->Read(size - Footer::kEncodedLength, Footer::kEncodedLength, buf));
  SGZ_ASSIGN_OR_RETURN(Footer footer, Footer::DecodeFrom(buf, Footer::kEncodedLength));
  const uint64_t limit = size - Footer::kEncodedLength;
  if (footer.manifest_offset < FileHeader::kEncodedLength || footer.manifest_offset > limit ||
      footer.manifest_size != limit - footer.manifest_offset) {
    return Status::Corruption("footer: manifest at [" + std::to_string(footer.manifest_offset) + ", +" +
                              std::to_string(footer.manifest_size) + ") does not end at the footer (offset " +
                              std::to_string(limit) + ")");
  }
  if (footer.manifest_size > kMaxManifestSize) {
    return Status::ResourceExhausted("footer: manifest size " + std::to_string(footer.manifest_size) +
                                     " exceeds the limit " + std::to_string(kMaxManifestSize));
  }
  std::vector<uint8_t> m(footer.manifest_size);
  SGZ_RETURN_IF_ERROR(source->Read(footer.manifest_offset, m.size(), m.data()));
  if (Xxh3(m.data(), m.size()) != footer.manifest_checksum) {
    return Status::ChecksumMismatch("manifest: checksum mismatch");
  }
  SGZ_ASSIGN_OR_RETURN(a->manifest_, Manifest::DecodeFrom(m.data(), m.size(), footer.manifest_offset));
  uint64_t pos = 0;
  for (uint32_t c : a->file().chunks) {
    a->starts_.push_back(pos);
    pos += a->manifest_.chunks[c].original_size;
  }
  a->source_ = std::move(source);
  return a;
}

std::string Archive::DescribeChunk(uint32_t index) const {
  std::string s = "chunk " + std::to_string(index);
  // Name the tensor whose payload holds the chunk's first byte, if any.
  const FileEntry& f = file();
  for (size_t i = 0; i < f.chunks.size(); ++i) {
    if (f.chunks[i] != index) continue;
    for (const TensorEntry& t : f.tensors) {
      if (starts_[i] >= t.offset && starts_[i] < t.offset + t.size) return s + " (tensor '" + t.name + "')";
    }
    if (f.kind == EntryKind::kGguf && starts_[i] < f.data_offset) return s + " (metadata)";
    return s;
  }
  return s;
}

Status Archive::DecodeStoredChunk(uint32_t index, const std::vector<uint8_t>& stored,
                                  std::vector<uint8_t>* out) const {
  const ChunkEntry& e = manifest_.chunks[index];
  ChunkHeader h;
  size_t needed;
  Status s = ChunkHeader::DecodeFrom(stored.data(), stored.size(), &h, &needed);
  if (s.ok() && needed > stored.size()) s = Status::Corruption("header longer than the chunk");
  if (s.ok() && (h.transform != e.transform || h.type != e.type || h.original_size != e.original_size ||
                 h.checksum != e.checksum || h.streams.size() != e.stream_count)) {
    s = Status::Corruption("header disagrees with the manifest");
  }
  if (s.ok() && needed + h.PayloadSize() != e.stored_size) {
    s = Status::Corruption("stream sizes add up to " + std::to_string(needed + h.PayloadSize()) +
                           " bytes, chunk has " + std::to_string(e.stored_size));
  }
  if (s.ok()) s = DecodeChunkPayload(h, stored.data() + needed, stored.size() - needed, out);
  if (!s.ok()) return Status(s).WithContext(DescribeChunk(index));
  ++chunks_decoded_;
  return Status::Ok();
}

Status Archive::DecodeChunk(uint32_t index, std::vector<uint8_t>* out) {
  std::vector<uint8_t> stored(manifest_.chunks[index].stored_size);
  Status s = source_->Read(manifest_.chunks[index].file_offset, stored.size(), stored.data());
  if (!s.ok()) return s.WithContext(DescribeChunk(index));
  return DecodeStoredChunk(index, stored, out);
}

namespace {

struct ReadItem {
  uint32_t index;
  std::vector<uint8_t> stored;
  std::vector<uint8_t> decoded;
};

}  // namespace

Status Archive::DecodeChunksInOrder(size_t first, size_t count, const std::function<Status(const std::vector<uint8_t>&, size_t)>& consume) {
  const unsigned threads = ResolveThreads(threads_);
  size_t next = first;
  OrderedPipeline<ReadItem> pipeline(
      threads > 1 && count > 1 ? SharedThreadPool() : nullptr, threads,
      [this](ReadItem& item) { return DecodeStoredChunk(item.index, item.stored, &item.decoded); },
      [&](ReadItem& item) { return consume(item.decoded, next++); });
  const FileEntry& f = file();
  for (size_t i = first; i < first + count; ++i) {
    SGZ_ASSIGN_OR_RETURN(std::unique_ptr<ReadItem> item, pipeline.NewItem());
    item->index = f.chunks[i];
    const ChunkEntry& e = manifest_.chunks[item->index];
    item->stored.resize(e.stored_size);
    Status s = source_->Read(e.file_offset, e.stored_size, item->stored.data());
    if (!s.ok()) return s.WithContext(DescribeChunk(item->index));
    SGZ_RETURN_IF_ERROR(pipeline.Push(std::move(item)));
  }
  return pipeline.Finish();
}

size_t Archive::FindChunk(uint64_t pos) const {
  return static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), pos) - starts_.begin()) - 1;
}

Status Archive::WriteRange(uint64_t offset, uint64_t n, ByteSink* sink) {
  const FileEntry& f = file();
  if (offset > f.original_size || n > f.original_size - offset) {
    return Status::InvalidArgument("range [" + std::to_string(offset) + ", +" + std::to_string(n) +
                                   ") outside the original file (" + std::to_string(f.original_size) + " bytes)");
  }
  if (n == 0) return Status::Ok();
  const size_t first = FindChunk(offset);
  const size_t last = FindChunk(offset + n - 1);
  return DecodeChunksInOrder(first, last - first + 1, [&](const std::vector<uint8_t>& decoded, size_t i) {
    const uint64_t in_chunk = offset - starts_[i];
    const uint64_t take = std::min<uint64_t>(n, decoded.size() - in_chunk);
    offset += take;
    n -= take;
    return sink->Write(decoded.data() + in_chunk, take);
  });
}

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

Status Archive::ReadRange(uint64_t offset, uint64_t n, uint8_t* dst) {
  BufferSink sink(dst);
  return WriteRange(offset, n, &sink);
}

Status Archive::Unpack(ByteSink* sink) {
  const FileEntry& f = file();
  Xxh3Stream whole;
  SGZ_RETURN_IF_ERROR(DecodeChunksInOrder(0, f.chunks.size(), [&](const std::vector<uint8_t>& decoded, size_t) {
    whole.Update(decoded.data(), decoded.size());
    return sink->Write(decoded.data(), decoded.size());
  }));
  if (whole.Digest() != f.checksum) return Status::ChecksumMismatch("whole-file checksum mismatch");
  return Status::Ok();
}

namespace {

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

Result<const TensorEntry*> Archive::FindTensor(const std::string& name) const {
  const FileEntry& f = file();
  std::vector<std::pair<size_t, const std::string*>> close;
  for (const TensorEntry& t : f.tensors) {
    if (t.name == name) return &t;
    size_t d = std::min(EditDistance(name, t.name), EditDistance(name, t.name.substr(0, name.size())) + 1);
    if (t.name.find(name) != std::string::npos) d = std::min<size_t>(d, 1);
    if (d <= std::max<size_t>(2, name.size() / 3)) close.push_back({d, &t.name});
  }
  std::sort(close.begin(), close.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : *a.second < *b.second;
  });
  std::string msg = "no tensor named '" + name + "'";
  if (f.kind != EntryKind::kGguf) return Status::NotFound(msg + " (the archived file is not GGUF)");
  for (size_t i = 0; i < close.size() && i < 5; ++i) msg += (i == 0 ? "; did you mean: " : ", ") + *close[i].second;
  if (close.empty()) msg += " (" + std::to_string(f.tensors.size()) + " tensors; see 'sgz ls')";
  return Status::NotFound(msg);
}

Status Archive::ReadTensor(const std::string& name, uint8_t* dst, uint64_t capacity) {
  SGZ_ASSIGN_OR_RETURN(const TensorEntry* t, FindTensor(name));
  if (capacity < t->size) {
    return Status::InvalidArgument("tensor '" + name + "' has " + std::to_string(t->size) + " bytes, buffer " +
                                   std::to_string(capacity));
  }
  return ReadRange(t->offset, t->size, dst);
}

Status Archive::StreamStats(std::map<std::string, StreamTotals>* out) {
  out->clear();
  std::vector<uint8_t> buf;
  const FileEntry& f = file();
  for (size_t c = 0; c < f.chunks.size(); ++c) {
    const uint32_t i = f.chunks[c];
    const ChunkEntry& e = manifest_.chunks[i];
    const size_t len = ChunkHeader::kFixedLength + ChunkHeader::kStreamDescLength * e.stream_count;
    buf.resize(len);
    Status s = source_->Read(e.file_offset, len, buf.data());
    ChunkHeader h;
    size_t needed;
    if (s.ok()) s = ChunkHeader::DecodeFrom(buf.data(), len, &h, &needed);
    if (!s.ok()) return s.WithContext(DescribeChunk(i));
    const GgmlType* type = h.transform == Transform::kSplit ? FindGgmlType(h.type) : nullptr;
    // Untransformed chunks are named by where they lie: metadata or other.
    std::string none = "opaque";
    if (f.kind == EntryKind::kGguf) none = starts_[c] < f.data_offset ? "meta" : "other";
    const std::vector<std::string> names = StreamNames(h.transform, type, none);
    for (size_t k = 0; k < h.streams.size(); ++k) {
      StreamTotals& t = (*out)[names[k]];
      t.raw += h.streams[k].raw_size;
      t.stored += h.streams[k].stored_size;
    }
  }
  return Status::Ok();
}

Status Archive::ReadGgufHeader(std::vector<uint8_t>* header, GgufLayout* layout) {
  const FileEntry& f = file();
  if (f.kind != EntryKind::kGguf) return Status::InvalidArgument("the archived file is not GGUF");
  header->resize(f.data_offset);
  SGZ_RETURN_IF_ERROR(ReadRange(0, f.data_offset, header->data()));
  SGZ_ASSIGN_OR_RETURN(*layout, ParseGgufHeader(header->data(), header->size(), /*at_eof=*/true, nullptr));
  return Status::Ok();
}

uint64_t Archive::TensorStoredBytes(const TensorEntry& t) const {
  uint64_t total = 0;
  const FileEntry& f = file();
  if (starts_.empty()) return 0;
  // The chunks whose first byte lies in the tensor: they hold its payload.
  size_t i = static_cast<size_t>(std::lower_bound(starts_.begin(), starts_.end(), t.offset) - starts_.begin());
  for (; i < starts_.size() && starts_[i] < t.offset + t.size; ++i) total += manifest_.chunks[f.chunks[i]].stored_size;
  return total;
}

}  // namespace sgz::internal
