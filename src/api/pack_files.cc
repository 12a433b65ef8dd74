// Packing many files and directories into one archive of members
// (PackFiles): gathering the inputs, naming the members, checking the names.
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "api/api_internal.h"
#include "container/input_stream.h"
#include "container/member_names.h"
#include "container/output_file.h"
#include "container/writer.h"

namespace sgz {

using namespace internal::api;  // NOLINT
using internal::Status;

namespace {

std::string StripTrailingSlashes(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

std::string LastComponent(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Error OsError(const std::string& path, const std::string& what) {
  return Error(ErrorCode::kIoError, what + ": " + std::strerror(errno)).set_path(path);
}

// What the member of an input argument is called: its last component, or,
// for "." and "..", the directory's own name.
ErrorOr<std::string> ArgumentName(const std::string& arg) {
  std::string name = LastComponent(StripTrailingSlashes(arg));
  if (name == "." || name == ".." || name.empty() || name == "/") {
    char resolved[PATH_MAX];
    if (realpath(arg.c_str(), resolved) == nullptr) return OsError(arg, "cannot resolve");
    name = LastComponent(resolved);
    if (name.empty()) {
      return Error(ErrorCode::kInvalidArgument, "the root directory has no name to give its members; pack the "
                                                "directories under it").set_path(arg);
    }
  }
  return name;
}

Error AddPackInput(const std::string& path, const std::string& name, std::vector<PackInput>* out, int depth);

// Adds the regular files under directory `dir` (named `prefix` in the
// archive) to *out, recursing; symbolic links and special files are refused.
Error Walk(const std::string& dir, const std::string& prefix, std::vector<PackInput>* out, int depth) {
  if (depth > 256) return Error(ErrorCode::kInvalidArgument, "directories nested too deep").set_path(dir);
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return OsError(dir, "cannot open directory");
  std::vector<std::string> entries;
  errno = 0;
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != "..") entries.push_back(n);
  }
  const int read_errno = errno;
  closedir(d);
  if (read_errno != 0) {
    errno = read_errno;
    return OsError(dir, "cannot read directory");
  }
  std::sort(entries.begin(), entries.end());
  for (const std::string& n : entries) {
    PackInput in{dir + "/" + n, prefix + "/" + n};
    Error e = AddPackInput(in.path, in.name, out, depth + 1);
    if (!e.ok()) return e;
  }
  return Error();
}

// Adds `path` as member `name` (a directory: the files under it).
Error AddPackInput(const std::string& path, const std::string& name, std::vector<PackInput>* out, int depth) {
  struct stat st;
  // A link named on the command line is followed, as by tar -H and cp -R:
  // the user chose it. Links found inside a directory are not.
  if ((depth == 0 ? stat(path.c_str(), &st) : lstat(path.c_str(), &st)) != 0) return OsError(path, "cannot read");
  if (S_ISDIR(st.st_mode)) return Walk(path, name, out, depth);
  if (!S_ISREG(st.st_mode)) {
    const char* what = S_ISLNK(st.st_mode) ? "a symbolic link" : S_ISFIFO(st.st_mode) ? "a pipe"
                       : S_ISSOCK(st.st_mode) ? "a socket" : "a device or special file";
    return Error(ErrorCode::kInvalidArgument,
                 std::string("not a regular file or directory (") + what + "); sgz packs files and directories only")
        .set_path(path);
  }
  out->push_back({path, name});
  return Error();
}

}  // namespace

std::vector<internal::MemberInput> internal::api::MemberInputsOf(const std::vector<PackInput>& listed) {
  std::vector<internal::MemberInput> members;
  for (const PackInput& in : listed) {
    const std::string path = in.path;
    members.push_back({in.name, [path]() -> internal::Result<std::unique_ptr<internal::InputStream>> {
                         internal::Result<std::unique_ptr<internal::InputStream>> s = internal::OpenInputStream(path);
                         if (!s.ok()) return Status(s.status().code(), path + ": " + s.status().message());
                         return s;
                       }});
  }
  return members;
}

ErrorOr<std::vector<PackInput>> ListPackInputs(const std::vector<std::string>& args) {
  return Guarded([&]() -> ErrorOr<std::vector<PackInput>> {
    std::vector<PackInput> out;
    for (const std::string& arg : args) {
      if (arg == "-") {
        return Error(ErrorCode::kInvalidArgument, "standard input can only be packed alone").set_path("<stdin>");
      }
      ErrorOr<std::string> name = ArgumentName(arg);
      if (!name.ok()) return name.error();
      Error e = AddPackInput(arg, *name, &out, 0);
      if (!e.ok()) return e;
    }
    std::sort(out.begin(), out.end(), [](const PackInput& a, const PackInput& b) { return a.name < b.name; });
    for (size_t i = 0; i < out.size(); ++i) {
      Status s = internal::CheckMemberName(out[i].name);
      if (!s.ok()) {
        return Error(ErrorCode::kInvalidArgument, "member name '" + out[i].name + "' " + s.message()).set_path(out[i].path);
      }
      if (i > 0 && out[i].name == out[i - 1].name) {
        return Error(ErrorCode::kInvalidArgument, "member name '" + out[i].name + "' given twice (also " +
                                                      out[i - 1].path + ")").set_path(out[i].path);
      }
      // "a" and "a/b" cannot both be restored: one is a file, the other needs a directory.
      if (i > 0 && out[i].name.compare(0, out[i - 1].name.size() + 1, out[i - 1].name + "/") == 0) {
        return Error(ErrorCode::kInvalidArgument, "member '" + out[i - 1].name + "' is a file and also the directory of '" +
                                                      out[i].name + "'").set_path(out[i].path);
      }
    }
    if (out.empty()) return Error(ErrorCode::kInvalidArgument, "no files to pack (empty directories only)");
    if (out.size() > internal::kMaxFiles) {
      return Error(ErrorCode::kInvalidArgument, std::to_string(out.size()) + " files; an archive holds at most " +
                                                    std::to_string(internal::kMaxFiles));
    }
    return out;
  });
}

Error PackFiles(const std::vector<std::string>& inputs, const std::string& out, const PackFileOptions& options,
                PackSummary* summary) {
  return Guarded([&]() -> Error {
    struct stat st;
    // One file (or standard input): exactly what PackFile writes.
    if (inputs.size() == 1 && (inputs[0] == "-" || stat(inputs[0].c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
      Error e = PackFile(inputs[0], out, options, summary);
      if (e.ok() && summary != nullptr) {
        summary->members.assign(1, PackedMember());
        PackedMember& m = summary->members[0];
        m.name = inputs[0] == "-" ? "" : LastComponent(inputs[0]);
        m.original_size = summary->original_size;
        m.stored_size = summary->archive_size;
        m.gguf = summary->gguf;
        m.notice = summary->notice;
      }
      return e;
    }
    Error e = ValidatePackOptions(options);
    if (!e.ok()) return e;
    ErrorOr<std::vector<PackInput>> listed = ListPackInputs(inputs);
    if (!listed.ok()) return listed.error();
    for (const PackInput& in : *listed) {
      Error same = CheckOutputNotInput(in.path, out);
      if (!same.ok()) return same;
    }
    std::vector<internal::MemberInput> members = MemberInputsOf(*listed);
    uint64_t total_size = 0;
    for (const PackInput& in : *listed) {
      if (stat(in.path.c_str(), &st) == 0) total_size += static_cast<uint64_t>(st.st_size);
    }
    internal::PackOptions internal_options = internal::api::ToInternal(options, total_size);
    const std::string out_name = out == "-" ? "<stdout>" : out;
    internal::Result<std::unique_ptr<internal::OutputFile>> file = internal::OutputFile::Create(out, options.overwrite);
    if (!file.ok()) return ToError(file.status()).set_path(out_name);
    CountingSink sink(file->get(), nullptr, 0);
    internal::PackStats total;
    std::vector<internal::PackStats> stats;
    Status s = internal::PackMembers(members, internal_options, &sink, &total, &stats);
    // An input's error already names it; only the output's needs a path.
    if (!s.ok()) return sink.failed() ? ToError(s).set_path(out_name) : ToError(s);
    s = (*file)->Commit();
    if (!s.ok()) return ToError(s).set_path(out_name);
    if (summary != nullptr) {
      *summary = PackSummary();
      FillPackSummary(total, summary);  // the totals carry no notice: each member's is below
      for (size_t i = 0; i < stats.size(); ++i) {
        PackedMember m;
        m.name = (*listed)[i].name;
        m.original_size = stats[i].original_size;
        m.stored_size = stats[i].archive_size;
        m.shared_size = stats[i].shared_bytes;
        m.predicted_blocks = stats[i].predicted_blocks;
        m.scale_blocks = stats[i].scale_blocks;
        m.scales_hit = stats[i].scales_hit;
        m.quants_hit = stats[i].quants_hit;
        m.gguf = stats[i].gguf;
        m.notice = stats[i].notice;
        summary->members.push_back(std::move(m));
      }
    }
    return Error();
  });
}

}  // namespace sgz
