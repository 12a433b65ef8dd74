// sgz unpack: an archive (or standard input, in one pass) back into the
// original file.
#include <cinttypes>
#include <cstdio>

#include "cli_common.h"
#include "members.h"

namespace sgz::cli {
namespace {

// IN without .sgz; of a URL, the last component of its path (written in
// the current directory).
std::string DefaultUnpackName(const std::string& url_or_path) {
  std::string in = url_or_path;
  if (IsUrl(in)) {
    in = in.substr(0, in.find_first_of("?#"));
    in = in.substr(in.find_last_of('/') + 1);
  }
  const std::string ext = ".sgz";
  if (in.size() > ext.size() && in.compare(in.size() - ext.size(), ext.size(), ext) == 0) {
    return in.substr(0, in.size() - ext.size());
  }
  return "";
}

}  // namespace

int CmdUnpack(const Args& r, const Common& c, const std::vector<std::string>& args) {
  if (args.empty()) return Usage("unpack takes an archive");
  const std::string in = args[0];
  const std::vector<std::string> wanted(args.begin() + 1, args.end());
  const bool to_dir = r.count("directory") > 0;
  const bool one_out = r.count("output") || r.count("stdout");
  if (in == "-" && (to_dir || (!wanted.empty() && !one_out))) {
    // In one pass, in bounded memory: members as their records announce them.
    UnpackOptions options;
    options.overwrite = c.force;
    options.threads = c.threads;
    UnpackSummary summary;
    const Error e = UnpackStreamMembers(in, to_dir ? r["directory"].as<std::string>() : ".", wanted, options, &summary);
    if (!e.ok()) return Fail(e.path(), e);
    if (r.count("stats")) {
      fprintf(stderr, "read %s sequentially, decoded %s, wrote %s\n", Plural(summary.reads.bytes_read, "archive byte").c_str(),
              Plural(summary.reads.chunks_decoded, "chunk").c_str(), Plural(summary.original_size, "byte").c_str());
    }
    return kExitOk;
  }
  if (in == "-" && wanted.size() > 1) return Usage("-o and -c write one member; give one MEMBER, or -C DIR for several");
  // As before members: an archive without -o whose name gives no output
  // name is a usage error before it is opened.
  const bool as_before = !to_dir && wanted.empty() && !one_out && DefaultUnpackName(in).empty();
  if (in != "-" && !as_before) {
    ErrorOr<Reader> reader = Reader::Open(in);
    // A server that ignores range requests: the archive is read once, in
    // order, by UnpackFile below.
    const bool stream_url = !reader.ok() && IsUrl(in) && !to_dir && wanted.empty() &&
                            reader.error().message().find("ignores range requests") != std::string::npos;
    if (!reader.ok() && !stream_url) return Fail(in, reader.error());
    if (reader.ok()) {
      NoteIgnoredTail(c, in, reader->archive_info().ignored_bytes);
      const size_t n = reader->members().size();
      if (to_dir || (!one_out && (n > 1 || !wanted.empty()))) {
        std::vector<size_t> selected;
        if (const int rc = SelectMembers(in, *reader, wanted, &selected); rc != kExitOk) return rc;
        return UnpackMembers(in, *reader, selected, to_dir ? r["directory"].as<std::string>() : ".", c,
                             r.count("stats") > 0);
      }
      if (wanted.size() > 1) return Usage("-o and -c write one member; give one MEMBER, or -C DIR for several");
      // A URL is unpacked through the Reader already open (one request
      // for the tail, not two).
      if (wanted.size() == 1 || n > 1 || IsUrl(in)) {
        if (wanted.empty() && n > 1) return OnlyMember(in, *reader, "unpack -o");
        std::optional<Reader> member;
        std::string default_name;
        if (wanted.empty()) {
          default_name = DefaultUnpackName(in);
          member.emplace(std::move(reader).value());
        } else {
          if (const int rc = OpenMemberOf(in, *reader, wanted[0], &member); rc != kExitOk) return rc;
          const std::string& name = member->file_name();
          default_name = name.substr(name.find_last_of('/') + 1);
        }
        const std::string out = ChooseOutput(r, in, "unpacking", default_name);
        if (out.empty()) return kExitUsage;
        member->set_threads(c.threads);
        ProgressLine progress(c, "unpacking");
        const Error e = member->Unpack(out, c.force, progress.Callback());
        progress.Done();
        if (!e.ok()) return Fail(e.path().empty() ? in : e.path(), e);
        if (r.count("stats")) PrintReadStats(member->stats());
        return kExitOk;
      }
    }
  }
  const std::string out = ChooseOutput(r, in, "unpacking", DefaultUnpackName(in));
  if (out.empty()) return kExitUsage;
  ProgressLine progress(c, "unpacking");
  UnpackOptions options;
  options.overwrite = c.force;
  options.threads = c.threads;
  options.progress = progress.Callback();
  if (in == "-" && !wanted.empty()) options.member = wanted[0];
  UnpackSummary summary;
  const auto start = std::chrono::steady_clock::now();
  const Error e = UnpackFile(in, out, options, &summary);
  progress.Done();
  if (!e.ok()) return Fail(e.path().empty() ? in : e.path(), e);
  NoteIgnoredTail(c, in, summary.ignored_bytes);
  if (c.verbose) {
    PrintVerboseLine(in, summary.streamed ? summary.reads.bytes_read : summary.reads.archive_size, OutName(out),
                     summary.original_size, summary.reads.chunks_decoded,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (r.count("stats")) {
    if (summary.streamed) {
      fprintf(stderr, "read %s sequentially, decoded %s, wrote %s\n", Plural(summary.reads.bytes_read, "archive byte").c_str(),
              Plural(summary.reads.chunks_decoded, "chunk").c_str(), Plural(summary.original_size, "byte").c_str());
      PrintHttpStats();
    } else {
      PrintReadStats(summary.reads);
    }
  }
  return kExitOk;
}

}  // namespace sgz::cli
