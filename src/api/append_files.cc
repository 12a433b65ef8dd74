// Adding members to an existing archive (AppendFiles): the inputs are
// gathered and named as PackFiles does; container/appender.cc writes.
#include <sys/stat.h>

#include "api/api_internal.h"
#include "container/appender.h"

namespace sgz {

using namespace internal::api;  // NOLINT
using internal::Status;

Error AppendFiles(const std::string& archive, const std::vector<std::string>& inputs, const AppendOptions& options,
                  AppendSummary* summary) {
  return Guarded([&]() -> Error {
    Error e = ValidatePackOptions(options.pack);
    if (!e.ok()) return e;
    if (archive == "-") {
      return Error(ErrorCode::kInvalidArgument, "cannot add to standard input or output: give the archive's file name")
          .set_path("-");
    }
    for (const std::string& in : inputs) {
      if (in == "-") {
        return Error(ErrorCode::kInvalidArgument, "standard input has no name to give a member: add files by name")
            .set_path("<stdin>");
      }
    }
    ErrorOr<std::vector<PackInput>> listed = ListPackInputs(inputs);
    if (!listed.ok()) return listed.error();
    uint64_t total_size = 0;
    for (const PackInput& in : *listed) {
      // Reading the archive while appending to it would never end.
      Error same = CheckOutputNotInput(in.path, archive);
      if (!same.ok()) {
        return Error(ErrorCode::kInvalidArgument, "refusing to add the archive to itself").set_path(in.path);
      }
      struct stat st;
      if (stat(in.path.c_str(), &st) == 0) total_size += static_cast<uint64_t>(st.st_size);
    }
    const internal::PackOptions internal_options = ToInternal(options.pack, total_size);
    internal::AppendStats stats;
    Status s = internal::AppendToArchive(archive, MemberInputsOf(*listed), options.replace, internal_options, &stats);
    if (!s.ok()) {
      // An input's error already names it (as "PATH: ..."); the rest are the archive's.
      bool input = false;
      for (const PackInput& in : *listed) input = input || s.message().compare(0, in.path.size() + 2, in.path + ": ") == 0;
      return input ? ToError(s) : ToError(s).set_path(archive);
    }
    if (summary != nullptr) {
      *summary = AppendSummary();
      summary->old_size = stats.old_size;
      summary->archive_size = stats.total.archive_size;
      summary->dropped_bytes = stats.dropped_bytes;
      summary->original_size = stats.total.original_size;
      summary->chunks = stats.total.chunks;
      summary->shared_size = stats.total.shared_bytes;
      for (size_t i = 0; i < stats.members.size(); ++i) {
        PackedMember m;
        m.name = (*listed)[i].name;
        m.original_size = stats.members[i].original_size;
        m.stored_size = stats.members[i].archive_size;
        m.shared_size = stats.members[i].shared_bytes;
        m.gguf = stats.members[i].gguf;
        m.notice = stats.members[i].notice;
        summary->members.push_back(std::move(m));
      }
      summary->replaced = stats.replaced;
      for (const auto& [name, t] : stats.total.streams) summary->streams.push_back({name, t.raw, t.stored});
      summary->format.major = internal::kFormatMajor;
      summary->format.minor = stats.new_minor;
    }
    return Error();
  });
}

}  // namespace sgz
