// The stream targets behind UnpackStream (one file to one sink: the only
// member, or the one named) and VerifyStream (every member decoded, nothing
// kept); the walk itself is StreamArchive (stream_reader.cc).
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/num.h"
#include "container/stream_reader.h"

namespace sgz::internal {
namespace {

// Decoded bytes kept aside in an unlinked temporary file, readable back.
class TempOutput : public ByteSink, public ReadableOutput {
 public:
  ~TempOutput() override {
    if (f_ != nullptr) std::fclose(f_);
  }
  Status Write(const void* data, size_t n) override {
    if (f_ == nullptr && (f_ = std::tmpfile()) == nullptr) return Error("cannot create");
    if (fseeko(f_, 0, SEEK_END) != 0 || std::fwrite(data, 1, n, f_) != n) return Error("cannot write");
    size_ += n;
    return Status::Ok();
  }
  Status ReadAt(uint64_t offset, void* buf, size_t n) override {
    if (n == 0) return Status::Ok();
    if (f_ == nullptr || fseeko(f_, static_cast<off_t>(offset), SEEK_SET) != 0 || std::fread(buf, 1, n, f_) != n) {
      return Error("cannot read");
    }
    return Status::Ok();
  }
  Status CopyTo(ByteSink* out) {
    std::vector<uint8_t> buf(1 << 20);
    for (uint64_t at = 0; at < size_;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), size_ - at));
      SGZ_RETURN_IF_ERROR(ReadAt(at, buf.data(), n));
      SGZ_RETURN_IF_ERROR(out->Write(buf.data(), n));
      at += n;
    }
    return Status::Ok();
  }

 private:
  static Status Error(const char* what) {
    return Status::IOError(std::string("stream temporary file: ") + what + ": " + std::strerror(errno));
  }
  std::FILE* f_ = nullptr;
  uint64_t size_ = 0;
};

// One file to one sink: the only one, or the member named `member`.
class SinkTarget : public StreamTarget {
 public:
  SinkTarget(ByteSink* out, const std::string& member, StreamUnpackStats* stats)
      : out_(out), member_(member), stats_(stats) {}
  Result<MemberOutput> Begin(size_t index, const MemberRecord* record, uint64_t offset) override {
    if (member_.empty()) {
      if (index > 0) {
        return Status::NotSupported("offset " + Num(offset) +
                                    ": the archive holds several members: name the one to unpack, or unpack them all under a directory");
      }
      written_ = index;
      return MemberOutput{out_, nullptr, true};
    }
    if (record == nullptr) {
      // Chunks before any record (a file that members were appended to):
      // only the manifest says which member they are. Kept aside, and read
      // back for copies meanwhile; copied to the output if they are the one.
      unnamed_ = std::make_unique<TempOutput>();
      unnamed_index_ = index;
      return MemberOutput{unnamed_.get(), unnamed_.get()};
    }
    if (record->name == member_) {
      if (written_ != SIZE_MAX) {
        return Status::NotSupported("offset " + Num(offset) + ": member '" + member_ +
                                    "' may be this one or an earlier one (members were appended); give the archive file");
      }
      written_ = index;
      return MemberOutput{out_, nullptr};
    }
    return MemberOutput();
  }
  Status Finish(const Manifest& m, const std::vector<size_t>& member_of) override {
    for (size_t i = 0; i < m.files.size(); ++i) {
      if (!member_.empty() && m.files[i].name != member_) continue;
      if (unnamed_ != nullptr && member_of[i] == unnamed_index_) {
        // A record of that name whose bytes went out already is not it.
        if (written_ != SIZE_MAX) {
          return Status::Corruption("member '" + member_ + "': a member record of its name is not its chunks");
        }
        SGZ_RETURN_IF_ERROR(unnamed_->CopyTo(out_));
      } else if (member_of[i] != written_) {
        break;
      }
      stats_->attributes = m.files[i].attributes;
      stats_->original_bytes = m.files[i].original_size;  // not the unnamed member's if kept aside
      return Status::Ok();
    }
    if (member_.empty()) return Status::Corruption("manifest: the file written is not in the manifest");
    return Status::NotFound("no member '" + member_ + "' in the archive");
  }

 private:
  ByteSink* out_;
  std::string member_;
  StreamUnpackStats* stats_;
  size_t written_ = SIZE_MAX;
  std::unique_ptr<TempOutput> unnamed_;
  size_t unnamed_index_ = SIZE_MAX;
};

// Every member decoded, nothing kept.
class CheckTarget : public StreamTarget {
 public:
  Result<MemberOutput> Begin(size_t, const MemberRecord*, uint64_t) override { return MemberOutput{&discard_, nullptr}; }
  Status Finish(const Manifest&, const std::vector<size_t>&) override { return Status::Ok(); }

 private:
  class Discard : public ByteSink {
   public:
    Status Write(const void*, size_t) override { return Status::Ok(); }
  } discard_;
};

}  // namespace

Status VerifyStream(InputStream* in, StreamUnpackStats* stats, unsigned threads) {
  CheckTarget target;
  return StreamArchive(in, &target, stats, threads);
}

Status UnpackStream(InputStream* in, ByteSink* out, StreamUnpackStats* stats, unsigned threads,
                    const std::string& member) {
  SinkTarget target(out, member, stats);
  return StreamArchive(in, &target, stats, threads);
}

}  // namespace sgz::internal
