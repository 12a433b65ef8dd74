// sgz cat: one tensor or a byte range of the original, decoding only the
// chunks that hold it, streamed to a file or standard output.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "cli_common.h"
#include "members.h"

namespace sgz::cli {
namespace {

// One number of --range: decimal digits, or hex digits after "0x"; a K, M
// or G suffix multiplies by 1024, 1024^2 or 1024^3. A leading zero does not
// mean octal: people write offsets as they read them. Empty on success, else
// why the number is refused.
std::string ParseRangeNumber(const std::string& text, uint64_t* value) {
  if (text.empty()) return "is empty";
  size_t end = text.size();
  uint64_t scale = 1;
  switch (text.back()) {
    case 'K': scale = uint64_t{1} << 10; --end; break;
    case 'M': scale = uint64_t{1} << 20; --end; break;
    case 'G': scale = uint64_t{1} << 30; --end; break;
    default: break;
  }
  const bool hex = end >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const size_t begin = hex ? 2 : 0;
  if (begin >= end) return "has no digits";
  const uint64_t base = hex ? 16 : 10;
  uint64_t v = 0;
  for (size_t i = begin; i < end; ++i) {
    const char ch = text[i];
    uint64_t digit;
    if (ch >= '0' && ch <= '9') {
      digit = static_cast<uint64_t>(ch - '0');
    } else if (hex && ch >= 'a' && ch <= 'f') {
      digit = static_cast<uint64_t>(ch - 'a' + 10);
    } else if (hex && ch >= 'A' && ch <= 'F') {
      digit = static_cast<uint64_t>(ch - 'A' + 10);
    } else {
      return std::string("has '") + ch + "', not a " + (hex ? "hex" : "decimal") + " digit";
    }
    if (v > (UINT64_MAX - digit) / base) return "exceeds 2^64-1";
    v = v * base + digit;
  }
  if (v > UINT64_MAX / scale) return "exceeds 2^64-1";
  *value = v * scale;
  return "";
}

// "OFFSET:LENGTH" or "OFFSET:" (to the end: *to_end is set). Empty on
// success, else a one-line reason naming the option and the value.
std::string ParseRange(const std::string& text, uint64_t* offset, uint64_t* length, bool* to_end) {
  const std::string prefix = "--range '" + text + "': ";
  const size_t colon = text.find(':');
  if (colon == std::string::npos) return prefix + "wants OFFSET:LENGTH or OFFSET: (to the end)";
  const std::string a = text.substr(0, colon), b = text.substr(colon + 1);
  std::string why = ParseRangeNumber(a, offset);
  if (!why.empty()) return prefix + "offset '" + a + "' " + why;
  *to_end = b.empty();
  if (*to_end) return "";
  why = ParseRangeNumber(b, length);
  if (!why.empty()) return prefix + "length '" + b + "' " + why;
  return "";
}
// cat - --range: the archive read once, in order, from standard input (it
// cannot be seeked). The range is written as it is decoded; the stream is
// read to its end all the same, so that every checksum is checked. A range
// reaching past the end is found only there: -o FILE is then not created,
// standard output has had the bytes that exist.
int CatStdin(const Common& c, const std::string& out, uint64_t offset, uint64_t length, bool to_end, bool stats) {
  ErrorOr<OutputFile> file = OutputFile::Create(out, out == "-" || c.force);
  if (!file.ok()) return Fail(OutName(out), file.error());
  const uint64_t end = to_end || length > UINT64_MAX - offset ? UINT64_MAX : offset + length;
  uint64_t pos = 0;  // original bytes decoded so far
  bool out_failed = false;
  UnpackOptions options;
  options.threads = c.threads;
  UnpackSummary summary;
  Error e = UnpackTo(
      "-",
      [&](const void* data, size_t n) -> Error {
        const uint64_t at = pos, from = std::max(at, offset), to = std::min(at + n, end);
        pos += n;
        if (from >= to) return Error();
        Error w = file->Write(static_cast<const uint8_t*>(data) + (from - at), to - from);
        out_failed = !w.ok();
        return w;
      },
      options, &summary);
  if (!e.ok()) return Fail(out_failed ? OutName(out) : "-", e);
  if (offset > pos || (!to_end && end > pos)) {
    return Fail("-", Error(ErrorCode::kInvalidArgument, "range [" + std::to_string(offset) + ", +" +
                                                           std::to_string(length) + ") outside the original file (" +
                                                           Plural(pos, "byte") + ")"));
  }
  e = file->Commit();
  if (!e.ok()) return Fail(OutName(out), e);
  if (stats) {
    fprintf(stderr, "read %s sequentially, decoded %s\n", Plural(summary.reads.bytes_read, "archive byte").c_str(),
            Plural(summary.reads.chunks_decoded, "chunk").c_str());
  }
  return kExitOk;
}

}  // namespace

int CmdCat(const Args& r, const Common& c, const std::vector<std::string>& args) {
  const bool by_range = r.count("range") > 0;
  const size_t plain = by_range ? 1u : 2u;  // arguments without a MEMBER
  if (args.size() != plain && args.size() != plain + 1) {
    return Usage("cat takes an archive, a MEMBER if it holds several, and a tensor name or --range OFFSET:LENGTH");
  }
  const bool named = args.size() == plain + 1;
  if (named && args[0] == "-") {
    return Fail("-", Error(ErrorCode::kInvalidArgument, "cat MEMBER needs the archive file (a stream is not "
                                                        "supported yet); give the file's name"));
  }
  uint64_t offset = 0, length = 0;
  bool to_end = false;
  if (by_range) {
    const std::string why = ParseRange(r["range"].as<std::string>(), &offset, &length, &to_end);
    if (!why.empty()) return Usage(why);
  }
  const std::string in = args[0];
  const std::string out = r.count("output") ? r["output"].as<std::string>() : "-";
  // A tensor or a range has no file name of its own to put in a directory.
  if (out != "-" && NamesDirectory(out)) {
    return Fail(out, Error(ErrorCode::kInvalidArgument, "is a directory; cat writes one file: -o DIR/FILE"));
  }
  // Before anything is written, whatever -f says: replacing the archive
  // with one of its tensors would destroy it.
  Error same = CheckOutputNotInput(in, out);
  if (!same.ok()) return Fail(same.path(), same);
  const bool stats = r.count("stats") || c.verbose;
  if (in == "-") return CatStdin(c, out, offset, length, to_end, stats);  // main() refuses - without --range
  ErrorOr<Reader> archive = Reader::Open(in);
  if (!archive.ok()) return Fail(in, archive.error());
  NoteIgnoredTail(c, in, archive->archive_info().ignored_bytes);
  std::optional<Reader> reader;
  if (named) {
    if (const int rc = OpenMemberOf(in, *archive, args[1], &reader); rc != kExitOk) return rc;
  } else {
    if (const int rc = OnlyMember(in, *archive, "cat"); rc != kExitOk) return rc;
    reader.emplace(std::move(archive).value());
  }
  reader->set_threads(c.threads);
  if (!by_range) {
    ErrorOr<const TensorInfo*> t = reader->FindTensor(args.back());
    if (!t.ok()) {
      const Error& e = t.error();
      const bool suggested = e.message().find("did you mean") != std::string::npos;
      return Fail(in, suggested ? e : Error(e.code(), e.message() + "; see 'sgz ls " + in + "'"));
    }
    offset = (*t)->offset;
    length = (*t)->size;
  } else if (to_end) {
    // An offset past the end keeps length 0, and the reader refuses it.
    length = offset <= reader->original_size() ? reader->original_size() - offset : 0;
  }
  ErrorOr<OutputFile> file = OutputFile::Create(out, out == "-" || c.force);
  if (!file.ok()) return Fail(OutName(out), file.error());
  bool out_failed = false;
  Error e = reader->ReadRangeTo(offset, length, [&](const void* data, size_t n) {
    Error w = file->Write(data, n);
    out_failed = !w.ok();
    return w;
  });
  if (!e.ok()) return Fail(out_failed ? OutName(out) : in, e);
  e = file->Commit();
  if (!e.ok()) return Fail(OutName(out), e);
  if (stats) PrintReadStats(reader->stats());
  return kExitOk;
}

}  // namespace sgz::cli
