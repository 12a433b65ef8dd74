// sgz verify: decode everything, check every checksum, optionally compare
// with the original file (text or JSON). Damaged chunks do not stop the
// check: every damaged tensor is reported.
#include <chrono>
#include <cinttypes>
#include <algorithm>
#include <cstdio>
#include <map>

#include "cli_common.h"
#include "json.h"

namespace sgz::cli {
namespace {

// Chunks (or tensors) named in one line before "and N more".
constexpr size_t kPerLine = 3;

std::string What(const Damage& d) {
  return d.code == ErrorCode::kChecksumMismatch ? "checksum mismatch" : "corrupt: " + d.message;
}

std::string ChunkText(const Damage& d) {
  return "chunk " + std::to_string(d.chunk) + " [" + std::to_string(d.offset) + ", +" + std::to_string(d.length) +
         "): " + What(d);
}

std::string ChunksText(const std::vector<const Damage*>& list) {
  std::string s;
  for (size_t i = 0; i < list.size() && i < kPerLine; ++i) s += (i ? "; " : "") + ChunkText(*list[i]);
  if (list.size() > kPerLine) s += "; and " + std::to_string(list.size() - kPerLine) + " more chunks";
  return s;
}

// One line per damaged tensor (in the order damage was found), one for the
// metadata, one per damaged chunk holding no tensor (padding, opaque bytes).
void PrintDamage(const std::string& in, const std::vector<Damage>& damaged) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Damage*>> by_tensor;
  std::vector<const Damage*> metadata;
  for (const Damage& d : damaged) {
    for (const std::string& t : d.tensors) {
      if (by_tensor[t].empty()) order.push_back(t);
      by_tensor[t].push_back(&d);
    }
    if (d.metadata) metadata.push_back(&d);
  }
  const std::string in_name = InName(in);
  const char* name = in_name.c_str();
  if (!metadata.empty()) fprintf(stderr, "sgz: %s: metadata damaged: %s\n", name, ChunksText(metadata).c_str());
  for (const std::string& t : order) {
    fprintf(stderr, "sgz: %s: tensor '%s' damaged: %s\n", name, t.c_str(), ChunksText(by_tensor[t]).c_str());
  }
  for (const Damage& d : damaged) {
    if (d.tensors.empty() && !d.metadata) {
      fprintf(stderr, "sgz: %s: bytes outside tensors damaged: %s\n", name, ChunkText(d).c_str());
    }
  }
}

std::string DamageJson(const std::vector<Damage>& damaged) {
  std::string out = "[";
  for (size_t i = 0; i < damaged.size(); ++i) {
    const Damage& d = damaged[i];
    std::string tensors;
    for (size_t k = 0; k < d.tensors.size(); ++k) tensors += (k ? ", " : "") + JsonString(d.tensors[k]);
    out += std::string(i ? ", " : "") + "{\"chunk\": " + std::to_string(d.chunk) + ", \"offset\": " +
           std::to_string(d.offset) + ", \"length\": " + std::to_string(d.length) + ", \"error\": \"" +
           ErrorCodeName(d.code) + "\", \"message\": " + JsonString(d.message) + ", \"tensors\": [" + tensors +
           "], \"metadata\": " + (d.metadata ? "true" : "false") + "}";
  }
  return out + "]";
}

// " (tensors 'a', 'b' and 3 more; bytes outside tensors)" or "".
std::string DifferingText(const VerifyResult& result) {
  std::string s;
  const std::vector<std::string>& t = result.differing_tensors;
  for (size_t i = 0; i < t.size() && i < kPerLine; ++i) s += (i ? ", '" : "tensors '") + t[i] + "'";
  if (t.size() > kPerLine) s += " and " + std::to_string(t.size() - kPerLine) + " more";
  if (result.differs_outside_tensors) s += std::string(s.empty() ? "" : "; ") + "bytes outside tensors";
  return s.empty() ? s : " (" + s + ")";
}

// "matches": false once a difference is found, even in an archive with
// damage; true only when every byte was compared; else null (unknown).
std::string MatchesJson(bool compared, bool matches, bool intact) {
  if (!compared) return "null";
  if (!matches) return "false";
  return intact ? "true" : "null";
}

// A tail after the last valid footer is damage to the file, if to no member.
void ReportIgnored(const std::string& in, uint64_t ignored) {
  fprintf(stderr, "sgz: %s: damaged: %s after the last complete manifest, ignored (an interrupted add?); the "
                  "members were checked as they were before it\n", InName(in).c_str(), Plural(ignored, "byte").c_str());
}

// An archive of several members: each member verified in turn (and, with
// --against DIR, compared with DIR/NAME); text: the damage and differences
// of each, then one line; JSON: one object with an object per member.
int VerifyMembers(const Args& r, const Common& c, const std::string& in, const std::vector<MemberInfo>& members,
                  uint64_t ignored) {
  const std::string against = r.count("against") ? r["against"].as<std::string>() : "";
  if (!against.empty() && !NamesDirectory(against)) {
    return Fail(against, Error(ErrorCode::kInvalidArgument, "the archive holds " + Plural(members.size(), "member") +
                                                                ": --against takes the directory holding them"));
  }
  int worst = kExitOk;
  uint64_t original = 0, chunks = 0;
  size_t failed = 0;
  std::string objects;
  for (const MemberInfo& m : members) {
    VerifyOptions options;
    options.member = m.name;
    options.threads = c.threads;
    if (!against.empty()) options.against = against + (against.back() == '/' ? "" : "/") + m.name;
    VerifyResult result;
    const Error e = VerifyFile(in, options, &result);
    const std::string label = InName(in) + ": " + m.name;
    original += result.original_size;
    chunks += result.chunks_checked;
    int rc = kExitOk;
    if (!against.empty() && !result.against_opened) {
      rc = c.json ? ExitFor(e) : Fail(options.against, e);
    } else if (!e.ok() && !result.damaged.empty()) {
      if (!c.json) PrintDamage(label, result.damaged);
      rc = ExitFor(e);
    } else if (!e.ok()) {
      rc = c.json ? ExitFor(e) : Fail(label, e);
    } else if (!result.matches) {
      if (!c.json) {
        fprintf(stderr, "sgz: %s: differs from %s at byte %" PRIu64 "%s\n", label.c_str(), options.against.c_str(),
                result.first_difference, DifferingText(result).c_str());
      }
      rc = kExitCorrupt;
    }
    if (rc != kExitOk) ++failed;
    worst = std::max(worst, rc);
    const bool compared = !against.empty() && result.against_opened && (e.ok() || !result.damaged.empty());
    objects += std::string(objects.empty() ? "" : ", ") + "{\"member\": " + JsonString(m.name) + ", \"ok\": " +
               (rc == kExitOk ? "true" : "false") + ", \"error\": " + (e.ok() ? "null" : JsonString(ErrorText(e))) +
               ", \"original_size\": " + std::to_string(result.original_size) + ", \"chunks_checked\": " +
               std::to_string(result.chunks_checked) + ", \"against\": " +
               (against.empty() ? "null" : JsonString(options.against)) + ", \"matches\": " +
               MatchesJson(compared, result.matches, e.ok()) + ", \"damaged\": " + DamageJson(result.damaged) +
               ", \"first_difference\": " +
               (compared && !result.matches ? std::to_string(result.first_difference) : "null") + "}";
  }
  if (c.json) {
    EmitJson("{\"archive\": " + JsonString(RedactUrl(in)) + ", \"ok\": " + (worst == kExitOk && ignored == 0 ? "true" : "false") +
             ", \"original_size\": " + std::to_string(original) + ", \"chunks_checked\": " + std::to_string(chunks) +
             ", \"against\": " + (against.empty() ? "null" : JsonString(against)) + ", \"members\": [" + objects +
             "], \"ignored_bytes\": " + std::to_string(ignored) + "}");
    return ignored > 0 ? std::max<int>(worst, kExitCorrupt) : worst;
  }
  if (ignored > 0) {
    ReportIgnored(in, ignored);
    worst = std::max<int>(worst, kExitCorrupt);
  }
  if (worst != kExitOk) {
    fprintf(stderr, "sgz: %s: %s of %s failed\n", InName(in).c_str(), std::to_string(failed).c_str(),
            Plural(members.size(), "member").c_str());
    return worst;
  }
  if (!c.quiet) {
    printf("%s: OK (%s, %s, %s, every checksum verified%s)\n", InName(in).c_str(), Plural(members.size(), "member").c_str(),
           SizePhrase(original, r.count("bytes") > 0).c_str(), Plural(chunks, "chunk").c_str(),
           against.empty() ? "" : (", identical to the files in " + against).c_str());
  }
  return kExitOk;
}

}  // namespace

int CmdVerify(const Args& r, const Common& c, const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("verify takes one archive");
  const std::string in = args[0];
  if (in != "-") {
    ErrorOr<Reader> reader = Reader::Open(in);
    if (reader.ok() && reader->members().size() > 1) {
      return VerifyMembers(r, c, in, reader->members(), reader->archive_info().ignored_bytes);
    }
  }
  const std::string against = r.count("against") ? r["against"].as<std::string>() : "";
  ProgressLine progress(c, "verifying");
  VerifyOptions options;
  options.against = against;
  options.threads = c.threads;
  options.progress = progress.Callback();
  VerifyResult result;
  const auto start = std::chrono::steady_clock::now();
  const Error e = VerifyFile(in, options, &result);
  progress.Done();
  // A file to compare with that cannot be opened is a plain error, even
  // with --json: there is no archive result to report yet.
  if (!against.empty() && !result.against_opened) return Fail(against, e);
  const bool matches = result.matches;
  // Damaged chunks leave the rest compared: a difference found there counts.
  const bool compared = !against.empty() && (e.ok() || !result.damaged.empty());
  if (c.json) {
    std::string differing;
    for (size_t i = 0; i < result.differing_tensors.size(); ++i) {
      differing += (i ? ", " : "") + JsonString(result.differing_tensors[i]);
    }
    EmitJson("{\"archive\": " + JsonString(RedactUrl(in)) + ", \"ok\": " + (e.ok() && matches && result.ignored_bytes == 0 ? "true" : "false") +
             ", \"error\": " + (e.ok() ? "null" : JsonString(ErrorText(e))) + ", \"original_size\": " +
             std::to_string(result.original_size) + ", \"chunks_checked\": " + std::to_string(result.chunks_checked) +
             ", \"against\": " + (against.empty() ? "null" : JsonString(against)) + ", \"matches\": " +
             MatchesJson(compared, matches, e.ok()) + ", \"damaged\": " +
             DamageJson(result.damaged) + ", \"first_difference\": " +
             (compared && !matches ? std::to_string(result.first_difference) : "null") +
             ", \"differing_tensors\": [" + differing + "], \"differs_outside_tensors\": " +
             (result.differs_outside_tensors ? "true" : "false") + ", \"ignored_bytes\": " +
             std::to_string(result.ignored_bytes) + "}");
  }
  // Checked first, and reported with whatever else is wrong.
  if (result.ignored_bytes > 0) {
    if (!c.json) ReportIgnored(in, result.ignored_bytes);
    if (e.ok() && matches) return kExitCorrupt;
  }
  if (!c.json && compared && !matches) {
    fprintf(stderr, "sgz: %s: differs from %s at byte %" PRIu64 "%s\n", InName(in).c_str(), InName(against).c_str(),
            result.first_difference, DifferingText(result).c_str());
  }
  if (!e.ok() && !result.damaged.empty()) {
    if (!c.json) {
      PrintDamage(in, result.damaged);
      fprintf(stderr, "sgz: %s: %zu of %s damaged\n", InName(in).c_str(), result.damaged.size(),
              Plural(result.chunks_checked, "chunk").c_str());
    }
    return ExitFor(e);
  }
  if (!e.ok()) return c.json ? ExitFor(e) : Fail(in, e);
  if (!matches) return kExitCorrupt;
  if (!c.json && !c.quiet) {
    printf("%s: OK (%s, %s, every checksum verified%s)\n", InName(in).c_str(),
           SizePhrase(result.original_size, r.count("bytes") > 0).c_str(), Plural(result.chunks_checked, "chunk").c_str(),
           against.empty() ? "" : (", identical to " + against).c_str());
  }
  if (c.verbose) {
    PrintVerboseLine(in, result.archive_bytes, "", result.original_size, result.chunks_checked,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return kExitOk;
}

}  // namespace sgz::cli
