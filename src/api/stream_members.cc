// Unpacking the members of an archive read once, in order (standard input),
// under a directory: internal::StreamArchive with a target that writes each
// selected member to a temporary file beside its final name and renames it
// only when the whole stream has checked out.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>

#include "api/api_internal.h"
#include "container/member_names.h"
#include "container/output_file.h"
#include "container/stream_reader.h"

namespace sgz {

using namespace internal::api;  // NOLINT
using internal::Manifest;
using internal::MemberOutput;
using internal::MemberRecord;
using internal::Result;
using internal::Status;

namespace {

// One member's temporary file, readable back for copies of its chunks.
class StagedMember : public internal::ReadableOutput {
 public:
  explicit StagedMember(std::unique_ptr<internal::OutputFile> file) : file_(std::move(file)) {}
  Status ReadAt(uint64_t offset, void* buf, size_t n) override { return file_->ReadAt(offset, buf, n); }
  internal::OutputFile* file() { return file_.get(); }

 private:
  std::unique_ptr<internal::OutputFile> file_;
};

class DirectoryTarget : public internal::StreamTarget {
 public:
  DirectoryTarget(const std::string& dir, const std::vector<std::string>& wanted, const UnpackOptions& options)
      : base_(dir.back() == '/' ? dir : dir + "/"), options_(options) {
    for (std::string w : wanted) {
      while (w.size() > 1 && w.back() == '/') w.pop_back();
      wanted_.push_back(w);
    }
    matched_.assign(wanted_.size(), false);
  }
  ~DirectoryTarget() override {
    staged_.clear();  // removes the temporaries not renamed
    if (finished_) return;
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) rmdir(it->c_str());  // only if empty
  }

  Result<MemberOutput> Begin(size_t, const MemberRecord* record, uint64_t) override {
    if (record == nullptr) {
      // Chunks before any record (an archive of one file, or the first file
      // of one that members were appended to): the name comes with the
      // manifest. Written under DIR to a temporary, named at Finish (or
      // dropped there if not selected).
      SGZ_ASSIGN_OR_RETURN(std::unique_ptr<internal::OutputFile> file,
                           internal::OutputFile::Create(base_ + ".sgz-unnamed", true));
      staged_.push_back(std::make_unique<StagedMember>(std::move(file)));
      unnamed_ = staged_.size() - 1;
      return MemberOutput{staged_.back()->file(), staged_.back().get()};
    }
    const std::string& name = record->name;
    // The reader checked it; an unpacker checks again what it builds paths from.
    Status unsafe = internal::CheckMemberName(name);
    if (!unsafe.ok()) return Status::Corruption("member name '" + name + "' " + unsafe.message());
    if (!Selected(name)) {
      staged_.emplace_back();
      return MemberOutput();
    }
    for (size_t slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1)) {
      SGZ_RETURN_IF_ERROR(MakeParent(base_ + name.substr(0, slash)));
    }
    const std::string path = base_ + name;
    struct stat st;
    if (lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + ": is a directory");
    SGZ_ASSIGN_OR_RETURN(std::unique_ptr<internal::OutputFile> file,
                         internal::OutputFile::Create(path, options_.overwrite));
    staged_.push_back(std::make_unique<StagedMember>(std::move(file)));
    return MemberOutput{staged_.back()->file(), staged_.back().get()};
  }

  // A descriptor per member waiting for its rename would limit a stream to
  // RLIMIT_NOFILE members: members written are parked (closed) until a copy
  // reads them back or the rename.
  void Written(size_t end) override {
    for (; parked_ < end && parked_ < staged_.size(); ++parked_) {
      if (staged_[parked_] != nullptr) staged_[parked_]->file()->Park();
    }
  }

  Status Finish(const Manifest& m, const std::vector<size_t>& member_of) override {
    for (size_t w = 0; w < wanted_.size(); ++w) {
      bool hit = false;
      for (const internal::FileEntry& f : m.files) hit = hit || Matches(f.name, wanted_[w]);
      if (!hit) return Status::NotFound("no member '" + wanted_[w] + "' in the archive");
    }
    for (size_t i = 0; i < m.files.size(); ++i) {
      if (member_of[i] != unnamed_) continue;
      // The unnamed member's name, checked as a record's is in Begin, before
      // anything is renamed.
      const std::string& name = m.files[i].name;
      Status unsafe = internal::CheckMemberName(name);
      if (!unsafe.ok()) return Status::Corruption("member name '" + name + "' " + unsafe.message());
      if (!Selected(name)) {
        staged_[unnamed_].reset();  // its temporary goes
        continue;
      }
      for (size_t slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1)) {
        SGZ_RETURN_IF_ERROR(MakeParent(base_ + name.substr(0, slash)));
      }
      SGZ_RETURN_IF_ERROR(staged_[unnamed_]->file()->Retarget(base_ + name, options_.overwrite));
    }
    for (size_t i = 0; i < m.files.size(); ++i) {
      StagedMember* s = staged_[member_of[i]].get();
      if (s == nullptr) continue;
      // Again before the rename: nothing on the way became a link meanwhile.
      const std::string& name = m.files[i].name;
      for (size_t slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1)) {
        SGZ_RETURN_IF_ERROR(MakeParent(base_ + name.substr(0, slash)));
      }
      SGZ_RETURN_IF_ERROR(s->file()->Commit(options_.restore_attributes ? &m.files[i].attributes : nullptr));
      ++committed_;
    }
    finished_ = true;
    return Status::Ok();
  }

  uint64_t committed() const { return committed_; }

 private:
  static bool Matches(const std::string& name, const std::string& w) {
    return name == w || (name.size() > w.size() && name.compare(0, w.size(), w) == 0 && name[w.size()] == '/');
  }
  bool Selected(const std::string& name) {
    if (wanted_.empty()) return true;
    bool hit = false;
    for (size_t w = 0; w < wanted_.size(); ++w) {
      if (Matches(name, wanted_[w])) hit = matched_[w] = true;
    }
    return hit;
  }
  // An existing directory on the way must be a real one: following a
  // symbolic link could lead out of the target directory.
  Status MakeParent(const std::string& path) {
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) {
      if (errno != ENOENT) return Status::IOError(path + ": " + strerror(errno));
      if (mkdir(path.c_str(), 0777) != 0) return Status::IOError(path + ": cannot create directory: " + strerror(errno));
      created_.push_back(path);
      if (lstat(path.c_str(), &st) != 0) return Status::IOError(path + ": " + strerror(errno));
    }
    if (S_ISLNK(st.st_mode)) {
      return Status::InvalidArgument(path + ": is a symbolic link; not following it to unpack members");
    }
    if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + ": exists and is not a directory");
    return Status::Ok();
  }

  std::string base_;
  UnpackOptions options_;
  std::vector<std::string> wanted_;
  std::vector<bool> matched_;
  std::vector<std::unique_ptr<StagedMember>> staged_;  // per member in stream order; null: not selected
  std::vector<std::string> created_;
  bool finished_ = false;
  uint64_t committed_ = 0;
  size_t parked_ = 0;
  size_t unnamed_ = SIZE_MAX;  // in staged_: the member before any record
};

}  // namespace

Error UnpackStreamMembers(const std::string& in, const std::string& dir, const std::vector<std::string>& members,
                          const UnpackOptions& options, UnpackSummary* summary) {
  return Guarded([&]() -> Error {
    struct stat st;
    if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Error(ErrorCode::kInvalidArgument, errno == ENOENT ? "no such directory" : "not a directory").set_path(dir);
    }
    Result<std::unique_ptr<internal::InputStream>> input = internal::OpenInputStream(in);
    if (!input.ok()) return ToError(input.status()).set_path(in);
    internal::StreamUnpackStats stats;
    DirectoryTarget target(dir, members, options);
    Status s = internal::StreamArchive(input->get(), &target, &stats, options.threads);
    if (!s.ok()) {
      // Errors about an output name it first ("DIR/x: already exists").
      const std::string& msg = s.message();
      const size_t colon = msg.find(": ");
      if (msg.compare(0, dir.size(), dir) == 0 && colon != std::string::npos) {
        return Error(s.code(), msg.substr(colon + 2)).set_path(msg.substr(0, colon));
      }
      return ToError(s).set_path(in);
    }
    if (summary != nullptr) FillStreamedSummary(stats, summary);
    return Error();
  });
}

}  // namespace sgz
