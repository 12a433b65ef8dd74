// The stream walker behind StreamArchive: reads the header, then chunks,
// member records and manifests in order (chunks decoded on workers and
// consumed in order), keeps what each member was given, and checks the
// last manifest and footer against all of it before the target's Finish.
// The targets of UnpackStream and VerifyStream are in stream_targets.cc.
#include "container/stream_reader.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/num.h"
#include "common/checksum.h"
#include "common/coding.h"
#include "common/thread_pool.h"
#include "container/chunk_cache.h"
#include "container/format.h"
#include "container/member_names.h"
#include "container/predict_chunk.h"
#include "streams/transform.h"

namespace sgz::internal {
namespace {


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

bool SameAttributes(const FileAttributes& a, const FileAttributes& b) {
  return a.has_mode == b.has_mode && a.mode == b.mode && a.has_mtime == b.has_mtime && a.mtime_sec == b.mtime_sec &&
         a.mtime_nsec == b.mtime_nsec;
}

struct SeenChunk {
  uint64_t offset;
  uint64_t stored_size;
  uint32_t original_size;
  uint64_t checksum;
  Transform transform;
  uint32_t type;
};

struct Member {
  size_t index = 0;  // in stream order
  bool has_record = false;
  MemberRecord record;
  uint64_t offset = 0;  // of its record, or of its first chunk
  uint32_t first_chunk = 0;
  uint32_t chunks = 0;
  MemberOutput out;
  uint64_t bytes = 0;  // decoded and written
  Xxh3Stream whole;
};

struct StreamItem {
  std::string name;  // "chunk N at offset O"
  ChunkHeader header;
  std::vector<uint8_t> head, payload, decoded;
  Member* member = nullptr;
  // A predicted chunk whose parent was already consumed when it was read:
  // the parent's bytes (or why they could not be had), so that a worker
  // decodes it. Otherwise it is decoded in order, by Consume.
  bool parent_fetched = false;
  Status parent_status;
  DecodedChunk parent;
  DecodedChunk importance;  // with IMPORTANCE: its importance chunk's bytes
};

// Parent chunks kept for the predicted chunks after them: every predicted
// member of a family reads the same parents, which would otherwise be read
// back (or decoded from the spool) once per member.
constexpr size_t kParentCacheChunks = 256;
constexpr uint64_t kParentCacheBytes = 16 << 20;

class Walker {
 public:
  Walker(InputStream* in, StreamTarget* target, StreamUnpackStats* stats)
      : in_(in), target_(target), stats_(stats) {}

  Status Run(unsigned threads) {
    Status s = Walk(threads);
    if (s.ok() || complete_end_ == 0 || reached_end_ ||
        (s.code() != Status::Code::kCorrupt && s.code() != Status::Code::kChecksumMismatch)) {
      return s;
    }
    // Damage past a superseded footer: what an interrupted add leaves, which
    // a reader of the file recovers; a stream cannot go back to the
    // complete archive before it.
    return Status(s.code(), s.message() + " (the first " + Num(complete_end_) +
                                " bytes are a complete archive: if an add to it was interrupted, unpack the archive "
                                "file, whose reader recovers them)");
  }

 private:
  Status Walk(unsigned threads) {
    std::vector<uint8_t> buf;
    SGZ_RETURN_IF_ERROR(ReadExact(in_, FileHeader::kEncodedLength, "header", &buf));
    SGZ_ASSIGN_OR_RETURN(header_, FileHeader::DecodeFrom(buf.data(), buf.size()));
    log_ = std::make_unique<StreamChunkLog>(header_.version());
    threads = ResolveThreads(threads);
    OrderedPipeline<StreamItem> pipeline(
        threads > 1 ? SharedThreadPool() : nullptr, threads,
        [](StreamItem& item) {
          // Copies and referencing chunks need earlier chunks' bytes: resolved
          // in order, by Consume; so are predicted chunks whose parent had not
          // been consumed when they were read.
          const Transform t = item.header.transform;
          if (item.member->out.sink == nullptr || t == Transform::kCopy || t == Transform::kReference ||
              (t == Transform::kPredict && (!item.parent_fetched || !item.parent_status.ok()))) {
            return Status::Ok();
          }
          Status s = DecodeChunkPayload(item.header, item.payload.data(), item.payload.size(), &item.decoded,
                                        t == Transform::kPredict ? item.parent.get() : nullptr,
                                        t == Transform::kPredict ? item.importance.get() : nullptr);
          return s.ok() ? s : s.WithContext(item.name);
        },
        [this](StreamItem& item) { return Consume(&item); });
    std::vector<uint8_t> manifest;
    uint64_t manifest_offset = 0;
    bool after_footer = false;
    for (;;) {
      const uint64_t offset = in_->position();
      const uint8_t* data;
      uint64_t got;
      SGZ_RETURN_IF_ERROR(in_->Peek(4, &data, &got));
      if (got < 4 && after_footer) return Status::Corruption("footer: trailing bytes after the footer");
      if (got < 4) return Status::Corruption("archive truncated at offset " + Num(offset) + " (no manifest)");
      const uint32_t tag = LoadU32LE(data);
      if (tag == kChunkTag) {
        if (members_.empty()) SGZ_RETURN_IF_ERROR(NewMember(nullptr, offset));
        SGZ_ASSIGN_OR_RETURN(std::unique_ptr<StreamItem> item, pipeline.NewItem());
        SGZ_RETURN_IF_ERROR(ReadChunk(offset, item.get()));
        FetchParent(item.get());
        SGZ_RETURN_IF_ERROR(pipeline.Push(std::move(item)));
      } else if (tag == kRecordTag) {
        SGZ_RETURN_IF_ERROR(ReadRecord(offset));
      } else if (tag == kManifestTag) {
        bool last;
        SGZ_RETURN_IF_ERROR(ReadManifest(&manifest, &last));
        manifest_offset = offset;
        reached_end_ = last;
        if (last) break;
      } else if (after_footer) {
        return Status::Corruption("footer: trailing bytes after the footer");
      } else {
        // Chunks and records run up to the manifest: these bytes are none of
        // them, whichever one was damaged.
        return Status::Corruption("offset " + Num(offset) + ": neither chunk " + Num(seen_.size()) +
                                  " (tag SGZC), a member record (SGZR) nor the manifest (SGZM)");
      }
      after_footer = tag == kManifestTag;
    }
    SGZ_RETURN_IF_ERROR(pipeline.Finish());
    target_->Written(members_.size());
    stats_->spooled_bytes = log_->spooled_bytes();
    if (members_.empty()) SGZ_RETURN_IF_ERROR(NewMember(nullptr, manifest_offset));  // an archive of no chunks
    return Check(manifest, manifest_offset);
  }

  Status NewMember(const MemberRecord* record, uint64_t offset) {
    auto m = std::make_unique<Member>();
    m->has_record = record != nullptr;
    if (record != nullptr) m->record = *record;
    m->offset = offset;
    m->first_chunk = static_cast<uint32_t>(seen_.size());
    m->index = members_.size();
    SGZ_ASSIGN_OR_RETURN(m->out, target_->Begin(members_.size(), record, offset));
    members_.push_back(std::move(m));
    return Status::Ok();
  }

  Status ReadRecord(uint64_t offset) {
    const std::string rw = "member record at offset " + Num(offset);
    std::vector<uint8_t> buf;
    SGZ_RETURN_IF_ERROR(ReadExact(in_, RecordHeader::kEncodedLength, rw, &buf));
    Result<RecordHeader> h = RecordHeader::DecodeFrom(buf.data());
    if (!h.ok()) return h.status().WithContext(rw);
    SGZ_RETURN_IF_ERROR(ReadExact(in_, h->size, rw, &buf));
    if (h->kind != RecordHeader::kMember) {
      // A kind of a later version: it says nothing this reader needs.
      if (!ChecksumMatches(Xxh3(buf.data(), buf.size()), h->checksum)) {
        return Status::ChecksumMismatch(rw + ": checksum does not match its bytes");
      }
      return Status::Ok();
    }
    Result<MemberRecord> r = MemberRecord::DecodeContent(*h, buf.data());
    if (!r.ok()) return r.status().WithContext(rw);
    if (r->first_chunk != seen_.size()) {
      return Status::Corruption(rw + ": says its member's first chunk is " + Num(r->first_chunk) + ", the stream is at chunk " +
                                Num(seen_.size()));
    }
    Status s = CheckMemberName(r->name);
    if (!s.ok()) return Status::Corruption(rw + ": member name '" + r->name + "' " + s.message());
    return NewMember(&r.value(), offset);
  }

  Status ReadChunk(uint64_t offset, StreamItem* item) {
    item->header = ChunkHeader();
    item->name = "chunk " + Num(seen_.size()) + " at offset " + Num(offset);
    item->member = members_.back().get();
    const std::string& cw = item->name;
    const uint8_t* data;
    uint64_t got;
    size_t needed = ChunkHeader::kFixedLength;
    for (int pass = 0; pass < 2; ++pass) {
      const size_t want = needed;
      SGZ_RETURN_IF_ERROR(in_->Peek(want, &data, &got));
      if (got < want) return Status::Corruption(cw + ": archive truncated in the chunk header");
      Status s = ChunkHeader::DecodeFrom(data, got, header_.version(), &item->header, &needed);
      if (!s.ok()) return s.WithContext(cw);
      if (needed <= got) break;
    }
    const ChunkHeader& h = item->header;
    if (h.transform == Transform::kCopy) {
      // The chunk table's copy rules, checked now: the target's bytes are
      // about to be used.
      const uint32_t t = h.type;
      if (t >= seen_.size() || seen_[t].transform == Transform::kCopy || seen_[t].original_size != h.original_size ||
          seen_[t].checksum != h.checksum) {
        return Status::Corruption(cw + ": a copy of chunk " + Num(t) +
                                  ", which is not an earlier chunk of the same size and checksum that is no copy");
      }
    }
    if (h.transform == Transform::kReference) {
      // The chunk table's reference rules, likewise.
      const uint32_t t = h.type;
      if (t >= seen_.size() || seen_[t].transform == Transform::kCopy || seen_[t].transform == Transform::kReference) {
        return Status::Corruption(cw + ": coded against chunk " + Num(t) +
                                  ", which is not an earlier chunk that is neither a copy nor referencing");
      }
    }
    item->head.assign(data, data + needed);
    in_->Consume(needed);
    SGZ_RETURN_IF_ERROR(ReadExact(in_, h.PayloadSize(), cw, &item->payload));
    if (h.transform == Transform::kPredict) {
      // The parent rules (as a reference's), from the parameter stream, for
      // the parent and the importance chunk.
      PredictSources sources;
      Status s = PredictSourcesOf(h, item->payload.data(), item->payload.size(), &sources);
      if (!s.ok()) return s.WithContext(cw);
      for (int k = 0; k < sources.count; ++k) {
        // As ChunkStore::PredictSourcesFor words them.
        const uint32_t t = sources.chunks[k];
        const std::string what = k == 0 ? ": parent chunk " : ": importance chunk ";
        if (t >= seen_.size()) return Status::Corruption(cw + what + Num(t) + " does not precede it");
        if (!DecodesAlone(seen_[t].transform)) {
          return Status::Corruption(cw + what + Num(t) + " has transform " +
                                    Num(static_cast<uint8_t>(seen_[t].transform)) + " (0, 1 or 5 only)");
        }
      }
    }
    seen_.push_back({offset, needed + h.PayloadSize(), h.original_size, h.checksum, h.transform, h.type});
    ++item->member->chunks;
    return Status::Ok();
  }

  // A predicted chunk to be decoded whose parent (and importance chunk) have
  // been consumed (noted in log_) gets their bytes now, on the reading thread
  // (log_ is not shared), so that a worker can decode it; a failure is kept
  // for its turn.
  void FetchParent(StreamItem* item) {
    item->parent_fetched = false;
    item->parent_status = Status::Ok();
    item->parent.reset();  // items are reused: no parent kept alive by a spare
    item->importance.reset();
    const ChunkHeader& h = item->header;
    if (h.transform != Transform::kPredict || item->member->out.sink == nullptr) return;
    PredictSources p;
    if (!PredictSourcesOf(h, item->payload.data(), item->payload.size(), &p).ok()) return;
    for (int k = 0; k < p.count; ++k) {
      if (p.chunks[k] >= consumed_) return;
    }
    item->parent_fetched = true;
    item->parent_status = Fetched(p.chunks[0], &item->parent);
    if (item->parent_status.ok() && p.count > 1) item->parent_status = Fetched(p.chunks[1], &item->importance);
  }

  // Chunk `index`'s bytes from the parent cache, else read from log_ and kept.
  Status Fetched(uint32_t index, DecodedChunk* out) {
    *out = parents_.Get(index);
    if (*out) return Status::Ok();
    auto bytes = std::make_shared<std::vector<uint8_t>>();
    SGZ_RETURN_IF_ERROR(log_->Read(index, bytes.get()));
    *out = bytes;
    parents_.Put(index, *out);
    return Status::Ok();
  }

  // In stream order, on the reading thread.
  Status Consume(StreamItem* item) {
    ++consumed_;  // every path below notes the chunk in log_ or fails
    Member& m = *item->member;
    if (m.index > 0) target_->Written(m.index);  // the stream has moved past the members before it
    const ChunkHeader& h = item->header;
    const bool copy = h.transform == Transform::kCopy;
    if (m.out.sink == nullptr) {
      if (copy) {
        log_->NoteCopy(h.type);
        return Status::Ok();
      }
      return log_->NoteStored(item->head, item->payload, h.original_size, h.checksum);
    }
    if (copy) {
      Status s = log_->Read(h.type, &item->decoded);
      if (!s.ok()) return s.WithContext(item->name);
    } else if (h.transform == Transform::kReference) {
      // Here, in order, rather than on a worker: the reference must have
      // been noted. Metadata chunks, a small share of a pack.
      std::vector<uint8_t> reference;
      Status s = log_->Read(h.type, &reference);
      if (s.ok()) s = DecodeChunkPayload(h, item->payload.data(), item->payload.size(), &item->decoded, &reference);
      if (!s.ok()) return s.WithContext(item->name);
    } else if (h.transform == Transform::kPredict && item->parent_fetched) {
      // Decoded by a worker against the parent fetched when it was read.
      if (!item->parent_status.ok()) return item->parent_status.WithContext(item->name);
    } else if (h.transform == Transform::kPredict) {
      // Likewise: its parent and importance chunk (transform 0 or 1, checked
      // when met) are noted.
      std::vector<uint8_t> parent, importance;
      PredictSources p;
      Status s = PredictSourcesOf(h, item->payload.data(), item->payload.size(), &p);
      if (s.ok()) s = log_->Read(p.chunks[0], &parent);
      if (s.ok() && p.count > 1) s = log_->Read(p.chunks[1], &importance);
      if (s.ok()) {
        s = DecodeChunkPayload(h, item->payload.data(), item->payload.size(), &item->decoded, &parent,
                               p.count > 1 ? &importance : nullptr);
      }
      if (!s.ok()) return s.WithContext(item->name);
    }
    if (m.out.readback != nullptr) {
      log_->NoteWritten(m.out.readback, m.bytes, h.original_size, h.checksum);
    } else if (copy) {
      log_->NoteCopy(h.type);
    } else if (m.out.only) {
      log_->NoteUnkept();
    } else {
      SGZ_RETURN_IF_ERROR(log_->NoteStored(item->head, item->payload, h.original_size, h.checksum));
    }
    m.whole.Update(item->decoded.data(), item->decoded.size());
    m.bytes += item->decoded.size();
    stats_->original_bytes += item->decoded.size();
    ++stats_->chunks;
    return m.out.sink->Write(item->decoded.data(), item->decoded.size());
  }

  // The manifest frame and footer at the input's position; *last when the
  // input ends there, else they were superseded by an append.
  Status ReadManifest(std::vector<uint8_t>* manifest, bool* last) {
    std::vector<uint8_t> buf;
    const uint64_t manifest_offset = in_->position();
    SGZ_RETURN_IF_ERROR(ReadExact(in_, kManifestFrameHeader, "manifest", &buf));
    const uint64_t body = LoadU64LE(buf.data() + 8);
    if (body > kMaxManifestSize - kManifestFrameHeader) {
      return Status::ResourceExhausted("manifest: size " + Num(body + kManifestFrameHeader) + " exceeds the limit " +
                                       Num(kMaxManifestSize));
    }
    *manifest = buf;
    SGZ_RETURN_IF_ERROR(ReadExact(in_, body, "manifest", &buf));
    manifest->insert(manifest->end(), buf.begin(), buf.end());
    SGZ_RETURN_IF_ERROR(ReadExact(in_, Footer::kEncodedLength, "footer", &buf));
    SGZ_ASSIGN_OR_RETURN(Footer footer, Footer::DecodeFrom(buf.data(), buf.size()));
    if (footer.manifest_offset != manifest_offset || footer.manifest_size != manifest->size()) {
      return Status::Corruption("footer: manifest position disagrees with the archive");
    }
    if (!ChecksumMatches(Xxh3(manifest->data(), manifest->size()), footer.manifest_checksum)) {
      return Status::ChecksumMismatch("manifest: checksum does not match its bytes");
    }
    const uint8_t* data;
    uint64_t got;
    SGZ_RETURN_IF_ERROR(in_->Peek(1, &data, &got));
    *last = got == 0;
    if (*last) {
      stats_->archive_bytes = in_->position();
      return CheckVersionsAgree(header_, footer);
    }
    // Superseded: `sgz add` rewrites the header's minor after the new
    // footer, so a dead footer may declare a lower one (spec: Appending).
    if (header_.major >= 2 && (footer.major != header_.major || footer.minor > header_.minor)) {
      return Status::Corruption("footer at offset " + Num(in_->position() - Footer::kEncodedLength) +
                                " (superseded): format version " + Num(footer.major) + "." + Num(footer.minor) +
                                " is not the header's " + Num(header_.major) + "." + Num(header_.minor) +
                                " or an earlier minor");
    }
    complete_end_ = in_->position();
    return Status::Ok();
  }

  // The member holding file entry `f`: the last one whose record names it
  // (a member replaced by an append has an earlier record of the same name)
  // and whose chunks are exactly the entry's.
  Result<size_t> MemberOf(const FileEntry& f, size_t index) const {
    for (size_t k = members_.size(); k-- > 0;) {
      const Member& m = *members_[k];
      if (m.has_record && m.record.name != f.name) continue;
      if (m.chunks != f.chunks.size()) continue;
      bool same = true;
      for (uint32_t i = 0; i < m.chunks && same; ++i) same = f.chunks[i] == m.first_chunk + i;
      if (!same) continue;
      if (m.has_record && !SameAttributes(m.record.attributes, f.attributes)) {
        return Status::Corruption("member record at offset " + Num(m.offset) + ": attributes disagree with file entry " +
                                  Num(index) + " of the manifest");
      }
      return k;
    }
    return Status::Corruption("manifest: file entry " + Num(index) + " ('" + f.name +
                              "') is no member of the stream (no member record with its name and chunks)");
  }

  Status Check(const std::vector<uint8_t>& bytes, uint64_t manifest_offset) {
    SGZ_ASSIGN_OR_RETURN(Manifest m, Manifest::DecodeFrom(bytes.data(), bytes.size(), manifest_offset,
                                                            header_.version()));
    SGZ_RETURN_IF_ERROR(CheckMemberNames(m));
    stats_->members = m.files.size();
    if (m.files.size() > 1 && members_.size() == 1 && !members_[0]->has_record) {
      // Its chunks were the members' back to back; where one ends is only in
      // the manifest, which comes last.
      return Status::NotSupported("the archive holds " + Num(m.files.size()) +
                                  " members and no member records (sgz 2.1 wrote none): unpacking it from a stream "
                                  "needs the archive file; give its name");
    }
    if (m.chunks.size() != seen_.size()) {
      return Status::Corruption("manifest: lists " + Num(m.chunks.size()) + " chunks, the archive holds " +
                                Num(seen_.size()));
    }
    for (size_t i = 0; i < seen_.size(); ++i) {
      const ChunkEntry& e = m.chunks[i];
      const SeenChunk& c = seen_[i];
      if (e.file_offset != c.offset || e.stored_size != c.stored_size || e.original_size != c.original_size ||
          e.checksum != c.checksum || e.transform != c.transform || e.type != c.type) {
        return Status::Corruption("manifest: chunk " + Num(i) + " disagrees with the chunk read at offset " + Num(c.offset));
      }
    }
    std::vector<size_t> member_of(m.files.size());
    for (size_t i = 0; i < m.files.size(); ++i) {
      const FileEntry& f = m.files[i];
      SGZ_ASSIGN_OR_RETURN(member_of[i], MemberOf(f, i));
      const Member& mb = *members_[member_of[i]];
      if (mb.out.sink == nullptr) continue;  // not decoded
      const std::string fw = m.files.size() > 1 ? "member '" + f.name + "': " : "";
      if (mb.bytes != f.original_size) {
        return Status::Corruption(fw + "manifest: original size " + Num(f.original_size) + ", decoded " + Num(mb.bytes));
      }
      Status s = CheckWholeFileChecksum(mb.whole.Digest(), f.checksum);
      if (!s.ok()) return fw.empty() ? s : s.WithContext(fw.substr(0, fw.size() - 2));
    }
    return target_->Finish(m, member_of);
  }

  InputStream* in_;
  StreamTarget* target_;
  StreamUnpackStats* stats_;
  FileHeader header_;
  std::unique_ptr<StreamChunkLog> log_;
  std::vector<SeenChunk> seen_;
  uint64_t consumed_ = 0;  // chunks consumed, i.e. noted in log_
  ChunkCache parents_{kParentCacheChunks, kParentCacheBytes};
  std::vector<std::unique_ptr<Member>> members_;
  uint64_t complete_end_ = 0;  // where the last superseded footer ends
  bool reached_end_ = false;   // the last manifest and footer were read
};

}  // namespace

Status StreamArchive(InputStream* in, StreamTarget* target, StreamUnpackStats* stats, unsigned threads) {
  *stats = StreamUnpackStats();
  Walker walker(in, target, stats);
  return walker.Run(threads);
}

}  // namespace sgz::internal
