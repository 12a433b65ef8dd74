// sgz ls: the tensors of an archive or of a plain GGUF file, optionally only
// those matching shell patterns (text or JSON).
#include <fnmatch.h>
#include <sys/stat.h>

#include <cinttypes>
#include <cstdio>

#include "cli_common.h"
#include "json.h"
#include "listing.h"
#include "members.h"

namespace sgz::cli {
namespace {

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool Matches(const std::string& name, const std::vector<std::string>& patterns) {
  if (patterns.empty()) return true;
  for (const std::string& p : patterns) {
    if (fnmatch(p.c_str(), name.c_str(), 0) == 0) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> TakeLsPatterns(std::vector<std::string>* args) {
  std::vector<std::string> archives, patterns;
  // After an archive of several members, "zoo/x.gguf" names a member.
  bool several_members = false;
  if (args->size() > 1 && (*args)[0] != "-") {
    ErrorOr<Reader> first = Reader::Open((*args)[0]);
    several_members = first.ok() && first->members().size() > 1;
  }
  for (size_t i = 0; i < args->size(); ++i) {
    const std::string& a = (*args)[i];
    if (i == 0 || a == "-" || EndsWith(a, ".sgz") || (EndsWith(a, ".gguf") && !several_members)) {
      archives.push_back(a);
    } else {
      patterns.push_back(a);
    }
  }
  *args = std::move(archives);
  return patterns;
}

int OpenListed(const std::string& in, const Common& c, const MetadataLimits& limits, Listed* out) {
  ErrorOr<Reader> reader = Reader::Open(in);
  if (reader.ok()) {
    out->reader.emplace(std::move(reader).value());
    out->reader->set_threads(c.threads);
    NoteIgnoredTail(c, in, out->reader->archive_info().ignored_bytes);
    return kExitOk;
  }
  // Only a file that is no archive at all may be something else.
  if (reader.error().code() != ErrorCode::kCorrupt) return Fail(in, reader.error());
  ErrorOr<FileKind> kind = IdentifyFile(in);
  if (!kind.ok() || *kind == FileKind::kArchive) return Fail(in, reader.error());
  if (*kind == FileKind::kOther) {
    fprintf(stderr, "sgz: %s: not an sgz archive or a GGUF file\n", InName(in).c_str());
    return kExitCorrupt;
  }
  ErrorOr<GgufFileInfo> gguf = ReadGgufFile(in, limits);
  if (!gguf.ok()) return Fail(in, gguf.error());
  if (c.verbose) fprintf(stderr, "sgz: %s: a GGUF file, not an sgz archive: listing its header\n", InName(in).c_str());
  out->gguf.emplace(std::move(gguf).value());
  return kExitOk;
}

namespace {

// The tensors of one file: a one-file archive, a member, a plain GGUF file.
// `member`: the member's name when the archive holds several, else empty.
int ListTensors(const Args& r, const Common& c, const std::string& in, const Listed& listed,
                const std::vector<std::string>& patterns, const std::string& member) {
  const bool exact = r.count("bytes") > 0;
  const bool archive = listed.reader.has_value();
  const std::vector<TensorInfo>& all = archive ? listed.reader->tensors() : listed.gguf->tensors;
  const bool is_gguf = archive ? listed.reader->is_gguf() : true;
  const GgufInfo& g = archive ? listed.reader->gguf() : listed.gguf->gguf;
  const uint64_t original = archive ? listed.reader->original_size() : listed.gguf->size;
  std::vector<const TensorInfo*> tensors;
  for (const TensorInfo& t : all) {
    if (Matches(t.name, patterns)) tensors.push_back(&t);
  }
  // Like tar for a member not in the archive: each pattern that matches
  // nothing is an error, after listing what the others matched.
  int rc = kExitOk;
  for (const std::string& p : patterns) {
    bool hit = false;
    for (const TensorInfo& t : all) hit = hit || fnmatch(p.c_str(), t.name.c_str(), 0) == 0;
    if (hit) continue;
    struct stat st;
    const bool file = stat(p.c_str(), &st) == 0;
    fprintf(stderr, "sgz: %s: no tensor%s matches '%s'%s\n", InName(in).c_str(),
            member.empty() ? "" : (" of " + member).c_str(), p.c_str(),
            file ? " (after the first, an archive must end in .sgz or .gguf)" : "");
    rc = kExitUsage;
  }
  if (c.json) {
    std::string out = "{\"file\": " + JsonString(archive ? listed.reader->file_name() : in) +
                      ", \"archive\": " + (archive ? "true" : "false") + ", \"kind\": \"" +
                      (is_gguf ? "gguf" : "opaque") + "\", \"original_size\": " + std::to_string(original) +
                      (member.empty() ? "" : ", \"member\": " + JsonString(member)) + ", \"tensors\": [";
    for (size_t i = 0; i < tensors.size(); ++i) {
      const TensorInfo& t = *tensors[i];
      out += std::string(i ? ", " : "") + "{\"name\": " + JsonString(t.name) + ", \"type\": " + JsonString(t.type) +
             ", \"shape\": " + Shape(t.shape) + ", \"offset\": " + std::to_string(t.offset) + ", \"size\": " +
             std::to_string(t.size) + ", \"stored\": " + (archive ? std::to_string(t.stored_size) : "null") +
             ", \"ratio\": " + (archive ? Fixed(Ratio(t.size, t.stored_size), 6) : "null") +
             ", \"shared\": " + (archive ? std::to_string(t.shared_size) : "null") +
             ", \"first_chunk\": " + (archive ? std::to_string(t.first_chunk) : "null") +
             ", \"chunks\": " + (archive ? std::to_string(t.chunks) : "null") + "}";
    }
    EmitJson(out + "], \"ignored_bytes\": " +
             (archive ? std::to_string(listed.reader->archive_info().ignored_bytes) : "null") + "}");
    return rc;
  }
  if (!patterns.empty() && tensors.empty()) return rc;  // nothing matched: no empty table
  if (!is_gguf) {
    printf("%s: not GGUF (%s): %s stored as opaque chunks\n", listed.reader->file_name().c_str(),
           listed.reader->note().c_str(), SizePhrase(original, exact).c_str());
    return rc;
  }
  // -v: the chunks holding each tensor (indices, as in verify's messages).
  const bool chunks = c.verbose && archive;
  printf("%-40s %-8s %-24s %12s %14s %14s %8s%s\n", "tensor", "type", "shape", "offset", "original", "stored", "ratio",
         chunks ? "  chunks" : "");
  for (const TensorInfo* t : tensors) {
    const std::string stored = archive ? SizeText(t->stored_size, exact) : "-";
    // A tensor stored as copies of another member's costs a copy's header: its
    // ratio says where its bytes are instead of a meaningless thousandfold.
    const bool copied = t->size > 0 && t->shared_size == t->size;
    const std::string ratio = !archive ? "-" : copied ? "copy" : Fixed(Ratio(t->size, t->stored_size), 4);
    printf("%-40s %-8s %-24s %12" PRIu64 " %14s %14s %8s", t->name.c_str(), t->type.c_str(),
           Shape(t->shape).c_str(), t->offset, SizeText(t->size, exact).c_str(), stored.c_str(), ratio.c_str());
    if (chunks) {  // "7", or "7-9" for three chunks ("-" for none)
      const std::string first = std::to_string(t->first_chunk), last = std::to_string(t->first_chunk + t->chunks - 1);
      printf("  %s", t->chunks == 0 ? "-" : t->chunks == 1 ? first.c_str() : (first + "-" + last).c_str());
    }
    printf("\n");
  }
  std::string shown = Plural(tensors.size(), "tensor");
  if (!patterns.empty()) shown = std::to_string(tensors.size()) + " of " + Plural(all.size(), "tensor");
  printf("%s, GGUF v%u%s, %s%s\n", shown.c_str(), g.version, g.big_endian ? " big-endian" : "",
         SizePhrase(original, exact).c_str(), archive ? "" : " (a GGUF file, not an archive)");
  return rc;
}


// An archive of several members: the member table, or, when the first
// pattern selects one member, its tensors (the other patterns select them).
int ListMembers(const Args& r, const Common& c, const std::string& in, Listed& listed,
                const std::vector<std::string>& patterns) {
  const bool exact = r.count("bytes") > 0;
  const std::vector<MemberInfo>& all = listed.reader->members();
  std::vector<const MemberInfo*> members;
  for (const MemberInfo& m : all) {
    if (patterns.empty() || fnmatch(patterns[0].c_str(), m.name.c_str(), 0) == 0) members.push_back(&m);
  }
  if (members.empty()) {
    std::optional<Reader> ignored;  // prints "no member ...", with a close name
    const int rc = OpenMemberOf(in, *listed.reader, patterns[0], &ignored);
    return rc == kExitOk ? kExitUsage : rc;
  }
  if (!patterns.empty() && members.size() == 1) {
    Listed one;
    if (const int rc = OpenMemberOf(in, *listed.reader, members[0]->name, &one.reader); rc != kExitOk) return rc;
    return ListTensors(r, c, in, one, std::vector<std::string>(patterns.begin() + 1, patterns.end()), members[0]->name);
  }
  if (patterns.size() > 1) {
    return Usage("'" + patterns[0] + "' matches " + std::to_string(members.size()) +
                 " members; tensor patterns need one member");
  }
  uint64_t original = 0, stored = 0;
  for (const MemberInfo* m : members) {
    original += m->original_size;
    stored += m->stored_size;
  }
  if (c.json) {
    std::string out = "{\"archive\": true, \"members\": [";
    for (size_t i = 0; i < members.size(); ++i) {
      const MemberInfo& m = *members[i];
      out += std::string(i ? ", " : "") + "{\"name\": " + JsonString(m.name) + ", \"kind\": \"" +
             (m.gguf ? "gguf" : "opaque") + "\", \"original_size\": " + std::to_string(m.original_size) +
             ", \"stored\": " + std::to_string(m.stored_size) + ", \"ratio\": " +
             Fixed(Ratio(m.original_size, m.stored_size), 6) + ", \"chunks\": " + std::to_string(m.chunks) +
             ", \"shared\": " + std::to_string(m.shared_size) + "}";
    }
    EmitJson(out + "], \"original_size\": " + std::to_string(original) + ", \"stored\": " + std::to_string(stored) +
             ", \"ignored_bytes\": " + std::to_string(listed.reader->archive_info().ignored_bytes) + "}");
    return kExitOk;
  }
  // shared: original bytes held as copies of earlier members' chunks; the
  // ratio is then that of what the member adds to the archive.
  printf("%-48s %-6s %14s %14s %14s %8s\n", "member", "kind", "original", "stored", "shared", "ratio");
  for (const MemberInfo* m : members) {
    printf("%-48s %-6s %14s %14s %14s %8s\n", m->name.c_str(), m->gguf ? "gguf" : "opaque",
           SizeText(m->original_size, exact).c_str(), SizeText(m->stored_size, exact).c_str(),
           SizeText(m->shared_size, exact).c_str(), Fixed(Ratio(m->original_size, m->stored_size), 4).c_str());
  }
  std::string shown = Plural(members.size(), "member");
  if (!patterns.empty()) shown = std::to_string(members.size()) + " of " + Plural(all.size(), "member");
  printf("%s, %s, stored %s\n", shown.c_str(), SizePhrase(original, exact).c_str(), SizePhrase(stored, exact).c_str());
  return kExitOk;
}

}  // namespace

int CmdLs(const Args& r, const Common& c, const std::vector<std::string>& args) {
  // main.cc has split the command line (TakeLsPatterns): ARCHIVE PATTERN...
  if (args.empty()) return Usage("ls takes an archive");
  const std::string& in = args[0];
  const std::vector<std::string> patterns(args.begin() + 1, args.end());
  MetadataLimits limits;
  limits.max_items = 0;
  limits.max_string = 0;
  Listed listed;
  if (const int rc = OpenListed(in, c, limits, &listed); rc != kExitOk) return rc;
  if (listed.reader && listed.reader->members().size() > 1) return ListMembers(r, c, in, listed, patterns);
  return ListTensors(r, c, in, listed, patterns, "");
}

}  // namespace sgz::cli
