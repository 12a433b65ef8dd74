#include "container/appender.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "container/chunk_dedup.h"
#include "container/meta_reference.h"
#include "container/member_names.h"
#include "container/output_cleanup.h"
#include "container/reader.h"

namespace sgz::internal {
namespace {

Status OsError(const std::string& what) { return Status::IOError(what + ": " + strerror(errno)); }

// Writes the appended bytes at the archive's end, in blocks of 1 MiB (the
// writer emits chunk headers and payloads separately).
class AppendSink : public ByteSink {
 public:
  AppendSink(int fd, uint64_t offset) : fd_(fd), offset_(offset) {}
  Status Write(const void* data, size_t n) override {
    buf_.append(static_cast<const char*>(data), n);
    return buf_.size() >= kBlock ? Flush() : Status::Ok();
  }
  Status Flush() {
    const char* p = buf_.data();
    size_t n = buf_.size();
    while (n > 0) {
      const ssize_t w = pwrite(fd_, p, n, static_cast<off_t>(offset_));
      if (w < 0) {
        if (errno == EINTR) continue;
        return OsError("writing");
      }
      p += w;
      n -= static_cast<size_t>(w);
      offset_ += static_cast<uint64_t>(w);
    }
    buf_.clear();
    return Status::Ok();
  }

 private:
  static constexpr size_t kBlock = 1 << 20;
  int fd_;
  uint64_t offset_;
  std::string buf_;
};

// The archive file, open for reading and writing and locked; closed (and
// unlocked) when it goes.
struct OpenArchive {
  int fd = -1;
  ~OpenArchive() {
    if (fd >= 0) close(fd);
  }
};

// The file entries the appended archive keeps (without the replaced ones),
// after checking the new names against the old.
Status PlanFiles(const Manifest& old, const std::vector<MemberInput>& inputs, bool replace, Manifest* out,
                 std::vector<std::string>* replaced) {
  if (old.files.size() == 1 && old.files[0].name.empty()) {
    return Status::InvalidArgument("its file has no name (it was packed from standard input), and the members of an "
                                   "archive need names: unpack it and pack the file by name");
  }
  std::set<std::string> adding;
  for (const MemberInput& in : inputs) {
    if (!adding.insert(in.name).second) return Status::InvalidArgument("member '" + in.name + "' given twice");
  }
  out->chunks = old.chunks;
  out->files.clear();
  for (const FileEntry& f : old.files) {
    if (adding.count(f.name) == 0) {
      out->files.push_back(f);
    } else if (replace) {
      replaced->push_back(f.name);
    } else {
      return Status::InvalidArgument("member '" + f.name + "' is already in the archive");
    }
  }
  std::vector<std::string> names(adding.begin(), adding.end());
  for (const FileEntry& f : out->files) names.push_back(f.name);
  std::sort(names.begin(), names.end());
  for (size_t i = 1; i < names.size(); ++i) {
    // "a" and "a/b" cannot both be restored: one is a file, the other needs a directory.
    if (names[i].compare(0, names[i - 1].size() + 1, names[i - 1] + "/") == 0) {
      return Status::InvalidArgument("member '" + names[i - 1] + "' would be a file and also the directory of '" +
                                     names[i] + "'");
    }
  }
  if (names.size() > kMaxFiles) {
    return Status::InvalidArgument(std::to_string(names.size()) + " members; an archive holds at most " +
                                   std::to_string(kMaxFiles));
  }
  return Status::Ok();
}

// Puts the file back as it was: its old size, and its old header when
// `header` is not null. Best effort: it runs after another error.
void Restore(int fd, uint64_t size, const std::string* header) {
  if (header != nullptr) (void)pwrite(fd, header->data(), header->size(), 0);
  (void)ftruncate(fd, static_cast<off_t>(size));
  (void)fdatasync(fd);
}

}  // namespace

Status AppendToArchive(const std::string& path, const std::vector<MemberInput>& inputs, bool replace,
                       const PackOptions& options, AppendStats* stats) {
  *stats = AppendStats();
  SGZ_RETURN_IF_ERROR(ValidatePackOptions(options));
  if (inputs.empty()) return Status::InvalidArgument("no files to add");
  for (const MemberInput& in : inputs) {
    Status s = CheckMemberName(in.name);
    if (!s.ok()) return Status::InvalidArgument("member name '" + in.name + "' " + s.message());
  }
  OpenArchive file;
  file.fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (file.fd < 0) return OsError("cannot open");
  struct stat st;
  if (fstat(file.fd, &st) != 0) return OsError("cannot read");
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument("not a regular file; sgz adds to archive files only");
  if (flock(file.fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return Status::InvalidArgument("another process is adding to this archive");
    return OsError("cannot lock");
  }
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  ChunkStoreOptions open_options;
  open_options.recover = true;  // the archive as the last complete add left it
  SGZ_ASSIGN_OR_RETURN(std::unique_ptr<Archive> archive,
                       Archive::Open(NewFdSource(file.fd, file_size, path), open_options));
  archive->set_threads(1);  // decodes copy candidates from the writer's consumer
  ChunkStore& store = archive->store();
  // The header is checked now whatever the archive's size: it is rewritten below.
  uint8_t head_bytes[FileHeader::kEncodedLength];
  SGZ_RETURN_IF_ERROR(store.source().Read(0, sizeof head_bytes, head_bytes));
  SGZ_ASSIGN_OR_RETURN(FileHeader header, FileHeader::DecodeFrom(head_bytes, sizeof head_bytes));
  SGZ_RETURN_IF_ERROR(CheckVersionsAgree(header, store.footer()));
  if (header.major != kFormatMajor) {
    return Status::NotSupported("a format " + VersionString(header.version()) +
                                " archive; sgz adds to format 2 archives only (unpack it and pack it again)");
  }
  const uint64_t old_size = store.source().Size();
  stats->old_size = old_size;
  stats->dropped_bytes = store.ignored_bytes();
  stats->old_minor = header.minor;

  Manifest manifest;
  SGZ_RETURN_IF_ERROR(PlanFiles(archive->manifest(), inputs, replace, &manifest, &stats->replaced));
  SGZ_ASSIGN_OR_RETURN(std::unique_ptr<ChunkDedup> dedup, ChunkDedup::Create());
  dedup->set_existing([&archive](uint32_t index, std::vector<uint8_t>* out) {
    return archive->DecodeChunk(index, out);
  });
  for (uint32_t i = 0; i < manifest.chunks.size(); ++i) {
    if (manifest.chunks[i].transform != Transform::kCopy) dedup->AddExisting(i, manifest.chunks[i]);
  }
  // Metadata of new GGUF members coded against the kept members' (and the
  // new ones'): old chunks decoded from the archive, new ones from the spill.
  std::unique_ptr<MetaReferences> refs;
  if (options.metadata_references) {
    const uint32_t old_chunks = static_cast<uint32_t>(manifest.chunks.size());
    refs = std::make_unique<MetaReferences>([&archive, d = dedup.get(), old_chunks](uint32_t index,
                                                                                     std::vector<uint8_t>* out) {
      return index < old_chunks ? archive->DecodeChunk(index, out) : d->Decoded(index, out);
    });
    refs->AddManifest(manifest);
  }

  // From here on the file changes: every failure puts it back.
  const std::string old_header(reinterpret_cast<const char*>(head_bytes), sizeof head_bytes);
  const int slot = RegisterTruncate(file.fd, old_size);
  auto fail = [&](Status s) {
    Restore(file.fd, old_size, nullptr);
    UnregisterTruncate(slot);
    return s;
  };
  // The dead tail of an interrupted add goes first.
  if (stats->dropped_bytes > 0 && ftruncate(file.fd, static_cast<off_t>(old_size)) != 0) {
    return fail(OsError("removing the tail of an interrupted add"));
  }
  AppendSink sink(file.fd, old_size);
  uint16_t minor = header.minor;
  Status s = AppendMembers(inputs, options, header, old_size, dedup.get(), refs.get(), &manifest, &sink, &stats->total,
                           &stats->members, &minor);
  if (s.ok()) s = sink.Flush();
  if (s.ok() && fdatasync(file.fd) != 0) s = OsError("syncing");
  if (!s.ok()) return fail(s);
  // The new end is on disk. A signal from now on leaves it: readers open the
  // old archive until the header agrees with the new footer, the new one after.
  UnregisterTruncate(slot);
  stats->new_minor = minor;
  if (minor != header.minor) {
    FileHeader h = header;
    h.minor = minor;
    std::string bytes;
    h.EncodeTo(&bytes);
    if (pwrite(file.fd, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size()) ||
        fdatasync(file.fd) != 0) {
      Status e = OsError("rewriting the header");
      Restore(file.fd, old_size, &old_header);
      return e;
    }
  }
  return Status::Ok();
}

}  // namespace sgz::internal
