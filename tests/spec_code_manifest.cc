// The code's side of the spec's manifest tables (format 2.0 and the 1.0
// appendix): see spec_code.h.
#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>

#include "container/format.h"
#include "manifest_builder.h"
#include "spec_code.h"
#include "test_util.h"

namespace sgz::internal::spec {
namespace {

const std::string kAppendix = "Appendix: the format 1.0 manifest > ";

// Where the walks of one manifest version go, and how its entries are sized.
struct Layout {
  std::string chunk_entry, file_entry, summary, tensor_entry, attributes;  // headings ("": none)
  int file_prefix, tensor_prefix;  // bytes of the entry_size before each entry (0: none)
};

const Layout kLayout10 = {kAppendix + "1.0 Chunk entry", kAppendix + "1.0 File entry", kAppendix + "1.0 GGUF summary",
                          kAppendix + "1.0 Tensor entry", "", 0, 0};
const Layout kLayout20 = {"Manifest > Chunk entry", "Manifest > File entry", "Manifest > GGUF summary",
                          "Manifest > Tensor entry", "Manifest > File attributes", 4, 2};

Expect Entries(const std::string& heading, int prefix, std::vector<Scope> subs) {
  return prefix > 0 ? SizedSub(heading, 0, prefix, std::move(subs)) : Sub(heading, 0, false, std::move(subs));
}

Scope ChunkScope(const ChunkEntry& c) {
  Scope e;
  e.fields = {SGZ_FIELD(c, file_offset), SGZ_FIELD(c, stored_size),  SGZ_FIELD(c, original_size),
              SGZ_FIELD(c, transform),   SGZ_FIELD(c, stream_count), {"flags", Zero()},
              SGZ_FIELD(c, type),        SGZ_FIELD(c, checksum)};
  return e;
}

Scope FileScope(const FileEntry& f, const Layout& l) {
  std::vector<Scope> summary;
  if (f.kind == EntryKind::kGguf) {
    std::vector<Scope> tensors;
    for (const TensorEntry& te : f.tensors) {
      Scope ts;
      ts.fields = {{"name_len", Int(te.name.size())}, SGZ_FIELD_BYTES(te, name), SGZ_FIELD(te, type),
                   SGZ_FIELD(te, n_dims), {"ne", Ints(std::vector<uint64_t>(te.ne, te.ne + te.n_dims))},
                   SGZ_FIELD(te, offset), SGZ_FIELD(te, size)};
      tensors.push_back(ts);
    }
    Scope s;
    s.fields = {SGZ_FIELD(f, gguf_version),
                SGZ_FIELD(f, big_endian),
                {"(reserved)", Zero()},
                SGZ_FIELD(f, alignment),
                SGZ_FIELD(f, data_offset),
                SGZ_FIELD(f, kv_count),
                {"tensor_count", Int(f.tensors.size())},
                {"tensors", Entries(l.tensor_entry, l.tensor_prefix, tensors)}};
    summary.push_back(s);
  }
  Scope fs;
  fs.fields = {{"name_len", Int(f.name.size())},
               SGZ_FIELD_BYTES(f, name),
               SGZ_FIELD(f, original_size),
               SGZ_FIELD(f, checksum),
               SGZ_FIELD(f, kind),
               {"flags", Zero()},
               {"note_len", Int(f.note.size())},
               SGZ_FIELD_BYTES(f, note),
               {"chunk_ref_count", Int(f.chunks.size())},
               {"chunk_refs", Ints(std::vector<uint64_t>(f.chunks.begin(), f.chunks.end()))},
               {"GGUF summary", Sub(l.summary, 0, false, summary)}};
  if (!l.attributes.empty()) {
    std::vector<Scope> attributes;
    const FileAttributes& a = f.attributes;
    if (a.any()) {
      Scope s;
      s.fields = {{"attr_flags", Int((a.has_mode ? FileAttributes::kHasMode : 0) |
                                     (a.has_mtime ? FileAttributes::kHasMtime : 0))},
                  SGZ_FIELD(a, mode), SGZ_FIELD(a, mtime_sec), SGZ_FIELD(a, mtime_nsec)};
      attributes.push_back(s);
    }
    fs.fields["file attributes"] = Sub(l.attributes, 0, false, attributes);
  }
  return fs;
}

std::vector<Scope> ChunkScopes(const Manifest& m) {
  std::vector<Scope> out;
  for (const ChunkEntry& c : m.chunks) out.push_back(ChunkScope(c));
  return out;
}

std::vector<Scope> FileScopes(const Manifest& m, const Layout& l) {
  std::vector<Scope> out;
  for (const FileEntry& f : m.files) out.push_back(FileScope(f, l));
  return out;
}

// Three chunks; file 0 GGUF with two tensors, file 1 opaque with a note;
// every field a distinct sentinel (lengths too: 0x0102 bytes of name), and
// no two counts equal where a layout could swap them.
Manifest SentinelManifest() {
  Sentinels s;
  Manifest m;
  for (int i = 0; i < 3; ++i) {
    ChunkEntry c;
    c.file_offset = s.Next(8);
    c.stored_size = static_cast<uint32_t>(s.Next(4));
    c.original_size = static_cast<uint32_t>(s.Next(4));
    c.transform = static_cast<Transform>(s.Next(1));
    c.stream_count = static_cast<uint8_t>(s.Next(1));
    c.type = static_cast<uint32_t>(s.Next(4));
    c.checksum = s.Next(8);
    m.chunks.push_back(c);
  }
  for (int i = 0; i < 2; ++i) {
    FileEntry f;
    f.name = std::string(0x0102 + i, static_cast<char>('a' + i));
    f.original_size = s.Next(8);
    f.checksum = s.Next(8);
    f.kind = i == 0 ? EntryKind::kGguf : EntryKind::kOpaque;
    if (i == 1) f.note = std::string(0x0203, 'n');
    for (int k = 0; k < 3 - i; ++k) f.chunks.push_back(static_cast<uint32_t>(s.Next(4)));
    if (i == 0) {
      f.attributes.has_mode = f.attributes.has_mtime = true;
      f.attributes.mode = static_cast<uint32_t>(s.Next(2));
      f.attributes.mtime_sec = static_cast<int64_t>(s.Next(8));
      f.attributes.mtime_nsec = static_cast<uint32_t>(s.Next(4));
      f.gguf_version = static_cast<uint32_t>(s.Next(4));
      f.big_endian = true;
      f.alignment = s.Next(8);
      f.data_offset = s.Next(8);
      f.kv_count = s.Next(8);
      for (int t = 0; t < 2; ++t) {
        TensorEntry te;
        te.name = std::string(0x0104 + t, static_cast<char>('A' + t));
        te.type = static_cast<uint32_t>(s.Next(4));
        te.n_dims = 3;
        for (uint32_t d = 0; d < te.n_dims; ++d) te.ne[d] = static_cast<int64_t>(s.Next(8));
        te.offset = s.Next(8);
        te.size = s.Next(8);
        f.tensors.push_back(te);
      }
    }
    m.files.push_back(f);
  }
  return m;
}

// The smallest manifest the decoder accepts: no chunks, one empty file.
Manifest ValidManifest() {
  Manifest m;
  m.files.emplace_back();
  return m;
}

std::string Encode(const Manifest& m) {
  std::string b;
  m.EncodeTo(&b);
  return b;
}

bool Decodes(const std::string& frame) {
  return Manifest::DecodeFrom(U8(frame), frame.size(), uint64_t{1} << 40, FormatVersion()).ok();
}

struct RawSection {
  SectionHeader header;
  std::string bytes;  // header and content
};

// The sections of a 2.x frame as the code's SectionHeader reads them; empty
// when they do not tile the body.
std::vector<RawSection> SplitSections(const std::string& frame) {
  std::vector<RawSection> out;
  size_t pos = kManifestFrameHeader;
  while (pos < frame.size()) {
    if (frame.size() - pos < SectionHeader::kEncodedLength) return {};
    const SectionHeader h = SectionHeader::DecodeFrom(U8(frame) + pos);
    if (h.size > frame.size() - pos - SectionHeader::kEncodedLength) return {};
    out.push_back({h, frame.substr(pos, SectionHeader::kEncodedLength + h.size)});
    pos += out.back().bytes.size();
  }
  return out;
}

std::string JoinSections(const std::vector<RawSection>& sections) {
  std::string body;
  for (const RawSection& s : sections) body += s.bytes;
  return testing::Frame(body);
}

std::string TagText(uint32_t tag) { return Le(tag, 4); }

// 1.0 archives written by sgz 0.1.0.
std::vector<std::string> Fixtures10() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(testing::SourceDir() + "/fixtures/format-1.0")) {
    if (e.path().extension() == ".sgz") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A fixture's manifest frame and the manifest the code's 1.0 decoder reads
// from it; `error` when it does not.
struct Fixture10 {
  std::string name, frame, error;
  Manifest m;
};

const std::vector<Fixture10>& Fixtures() {
  static const std::vector<Fixture10> all = [] {
    std::vector<Fixture10> out;
    for (const std::string& path : Fixtures10()) {
      Fixture10 f;
      f.name = std::filesystem::path(path).filename().string();
      const std::string a = testing::ReadFile(path);
      Result<FileHeader> h = FileHeader::DecodeFrom(U8(a), a.size());
      Result<Footer> ft = a.size() < Footer::kEncodedLength
                              ? Result<Footer>(Status::Corruption("short"))
                              : Footer::DecodeFrom(U8(a) + a.size() - Footer::kEncodedLength, Footer::kEncodedLength);
      if (!h.ok() || !ft.ok() || h->major != 1 || ft->manifest_offset + ft->manifest_size > a.size()) {
        f.error = "fixture " + f.name + " is not a readable 1.0 archive";
      } else {
        f.frame = a.substr(ft->manifest_offset, ft->manifest_size);
        Result<Manifest> m = Manifest::DecodeFrom(U8(f.frame), f.frame.size(), ft->manifest_offset, h->version());
        if (m.ok()) f.m = *m;
        else f.error = "fixture " + f.name + ": " + m.status().ToString();
      }
      out.push_back(f);
    }
    if (out.empty()) out.push_back({"", "", "no fixtures in fixtures/format-1.0", Manifest()});
    return out;
  }();
  return all;
}

Scope Body10Scope(const Manifest& m) {
  Scope s;
  s.fields = {{"chunk_count", Int(m.chunks.size())},
              {"file_count", Int(m.files.size())},
              {"chunk table", Sub(kLayout10.chunk_entry, 0, true, ChunkScopes(m))},
              {"file table", Entries(kLayout10.file_entry, kLayout10.file_prefix, FileScopes(m, kLayout10))}};
  return s;
}

Scope FrameScope(const std::string& frame) {
  Scope s;
  s.fields = {{"tag", Bytes(Le(kManifestTag, 4))},
              {"flags", Zero()},
              {"body_size", Int(frame.size() - kManifestFrameHeader)},
              {"body", Rest()}};
  return s;
}

}  // namespace

Sample ManifestFrameSample() {
  Sample out;
  out.bytes = Encode(SentinelManifest());
  out.length = out.bytes.size();
  out.scope = FrameScope(out.bytes);
  return out;
}

Sample ChunkEntrySample() {
  const Manifest m = SentinelManifest();
  const std::string frame = Encode(m);
  // Located by its first field's sentinel; a misplaced field still shows, as
  // every other row is read relative to it.
  const size_t at = frame.find(Le(m.chunks[0].file_offset, 8));
  Sample out;
  out.bytes = at == std::string::npos ? "" : frame.substr(at, ChunkEntry::kEncodedLength);
  out.length = ChunkEntry::kEncodedLength;
  out.scope = ChunkScope(m.chunks[0]);
  return out;
}

Sample SectionHeaderSample() {
  Sentinels s;
  SectionHeader h;
  h.tag = static_cast<uint32_t>(s.Next(4));
  h.flags = static_cast<uint16_t>(s.Next(2));
  h.since_minor = static_cast<uint16_t>(s.Next(2));
  h.size = s.Next(8);
  Sample out;
  h.EncodeTo(&out.bytes);
  out.length = SectionHeader::kEncodedLength;
  out.scope.fields = {SGZ_FIELD(h, tag), SGZ_FIELD(h, flags), SGZ_FIELD(h, since_minor), SGZ_FIELD(h, size)};
  return out;
}

std::vector<SectionSample> SectionsSample() {
  const Manifest m = SentinelManifest();
  std::string compressed;
  if (!m.EncodeCompressedTo(9, &compressed)) return {};
  std::vector<SectionSample> out;
  for (const std::string& frame : {Encode(m), compressed}) {
    for (const RawSection& raw : SplitSections(frame)) {
      SectionSample s;
      const SectionHeader& h = raw.header;
      s.tag = TagText(h.tag);
      s.header = raw.bytes.substr(0, SectionHeader::kEncodedLength);
      s.header_scope.fields = {SGZ_FIELD(h, tag), SGZ_FIELD(h, flags), SGZ_FIELD(h, since_minor), SGZ_FIELD(h, size)};
      s.content = raw.bytes.substr(SectionHeader::kEncodedLength);
      if (h.tag == kChunkTableTag) {
        s.scope.fields = {{"chunk_count", Int(m.chunks.size())},
                          {"entry_size", Int(ChunkEntry::kEncodedLength)},
                          {"(reserved)", Zero()},
                          {"entries", Sub(kLayout20.chunk_entry, 0, true, ChunkScopes(m))}};
      } else if (h.tag == kFileTableTag) {
        s.scope.fields = {{"file_count", Int(m.files.size())},
                          {"entries", Entries(kLayout20.file_entry, kLayout20.file_prefix, FileScopes(m, kLayout20))}};
      } else if (h.tag == kMembersTag) {
        // 2.1 defines no per-member field: each entry is its entry_size, 0.
        s.scope.fields = {{"member_count", Int(m.files.size())},
                          {"entries", Bytes(std::string(4 * m.files.size(), '\0'))}};
      } else if (h.tag == kCompressedSectionsTag && s.content.size() >= 8) {
        // What the frame decodes to must be the plain body (CHNK, FILE, MEMB).
        const std::string plain = Encode(m).substr(kManifestFrameHeader);
        const std::string frame = s.content.substr(8);
        std::string decoded;
        const bool same = DecodeFrameGrowing(U8(frame), frame.size(), plain.size(), &decoded).ok() && decoded == plain;
        s.scope.fields = {{"decoded_size", Int(same ? plain.size() : 0)}, {"frame", Bytes(frame)}};
      }  // else no fields: the walk reports the section
      out.push_back(s);
    }
  }
  return out;
}

std::vector<Sample> ManifestFrames10Sample() {
  std::vector<Sample> out;
  for (const Fixture10& f : Fixtures()) {
    Sample s;
    s.error = f.error;
    s.bytes = f.frame;
    s.length = f.frame.size();
    s.scope = FrameScope(f.frame);
    out.push_back(s);
  }
  return out;
}

std::vector<Sample> ManifestBodies10Sample() {
  std::vector<Sample> out;
  // The sentinel manifest as tests/manifest_builder.h writes 1.0 (distinct
  // values show any misplaced row), and each fixture as the code reads it.
  const Manifest m = SentinelManifest();
  Sample b;
  b.bytes = testing::ManifestV1(m).substr(kManifestFrameHeader);
  b.length = b.bytes.size();
  b.scope = Body10Scope(m);
  out.push_back(b);
  for (const Fixture10& f : Fixtures()) {
    Sample s;
    s.error = f.error;
    s.bytes = f.error.empty() ? f.frame.substr(kManifestFrameHeader) : "";
    s.length = s.bytes.size();
    s.scope = Body10Scope(f.m);
    out.push_back(s);
  }
  return out;
}

std::vector<std::vector<std::string>> SectionRows() {
  // The smallest valid manifest, with a name long enough to compress.
  Manifest m = ValidManifest();
  m.files[0].name = std::string(512, 'n');
  std::string compressed;
  if (!m.EncodeCompressedTo(9, &compressed)) return {{"(the compressed manifest is not written)", "", ""}};
  // Two files: the writer adds MEMB.
  Manifest two = ValidManifest();
  two.files.emplace_back();
  two.files[1].name = "b";
  // And with ESTM (2.5).
  Manifest estimated = two;
  estimated.estimated_scales = true;
  std::vector<std::vector<std::string>> rows;
  std::set<uint32_t> tags;
  for (const std::string& frame : {Encode(m), compressed, Encode(two), Encode(estimated)}) {
    const std::vector<RawSection> sections = SplitSections(frame);
    if (!Decodes(JoinSections(sections))) return {{"(the writer's manifest does not decode)", "", ""}};
    for (size_t i = 0; i < sections.size(); ++i) {
      if (!tags.insert(sections[i].header.tag).second) continue;
      std::vector<RawSection> without = sections;
      without.erase(without.begin() + i);
      const bool flag = (sections[i].header.flags & kSectionRequired) != 0;
      // ESTM announces what chunks may hold: flagged so that older readers
      // refuse it, though a manifest without it decodes.
      const bool needed = !Decodes(JoinSections(without)) || sections[i].header.tag == kEstimateTag;
      const std::string required = flag && needed     ? "yes"
                                   : !flag && !needed ? "no"
                                   : flag             ? "(flagged required, yet the decoder accepts its absence)"
                                                      : "(not flagged required, yet the decoder refuses its absence)";
      rows.push_back({"`" + TagText(sections[i].header.tag) + "`", required,
                      VersionString({kFormatMajor, sections[i].header.since_minor})});
    }
  }
  return rows;
}

namespace {

// The rows of a 16-bit flag table: for each bit the decoder accepts when it
// alone is set, its name (`name(bit)`; "?" when no constant names it, which
// no spec row matches); runs of refused bits as one reserved row "a-b".
std::vector<std::vector<std::string>> FlagRows(const std::function<bool(int)>& accepts,
                                               const std::function<std::string(int)>& name) {
  std::vector<std::vector<std::string>> rows;
  int gap = -1;
  for (int bit = 0; bit <= 16; ++bit) {
    const bool accepted = bit < 16 && accepts(bit);
    if (!accepted && bit < 16) {
      if (gap < 0) gap = bit;
      continue;
    }
    if (gap >= 0) {
      rows.push_back({gap == bit - 1 ? std::to_string(gap) : std::to_string(gap) + "-" + std::to_string(bit - 1), "—"});
      gap = -1;
    }
    if (bit == 16) break;
    rows.push_back({std::to_string(bit), name(bit)});
  }
  return rows;
}

}  // namespace

std::vector<std::vector<std::string>> SectionFlagRows() {
  struct Named { std::string constant; uint16_t bits; };
  const Named named[] = {{"kSectionRequired", kSectionRequired}};
  const std::vector<RawSection> sections = SplitSections(Encode(ValidManifest()));
  return FlagRows(
      [&](int bit) {
        if (sections.empty()) return false;
        std::vector<RawSection> flagged = sections;
        SectionHeader h = flagged[0].header;
        h.flags = static_cast<uint16_t>(1u << bit);
        std::string header;
        h.EncodeTo(&header);
        flagged[0].bytes.replace(0, header.size(), header);
        return Decodes(JoinSections(flagged));
      },
      [&](int bit) {
        for (const Named& n : named) {
          // "kSectionRequired" -> `required`
          if (n.bits == (1u << bit)) {
            return "`" + std::string(1, static_cast<char>(tolower(n.constant[8]))) + n.constant.substr(9) + "`";
          }
        }
        return std::string("?");
      });
}

std::vector<std::vector<std::string>> AttributeFlagRows() {
  // One empty file with attributes (mode and time 0, valid under any flag);
  // they are the frame's last 16 bytes, attr_flags first.
  Manifest m = ValidManifest();
  m.files[0].attributes.has_mode = true;
  const std::string frame = Encode(m);
  const size_t at = frame.size() - FileAttributes::kEncodedLength;
  struct Named { std::string name; uint16_t bits; };
  const Named named[] = {{"has_mode", FileAttributes::kHasMode}, {"has_mtime", FileAttributes::kHasMtime}};
  if (!Decodes(frame)) return {{"(the writer's manifest does not decode)", ""}};
  return FlagRows(
      [&](int bit) {
        std::string flagged = frame;
        flagged.replace(at, 2, Le(1u << bit, 2));
        return Decodes(flagged);
      },
      [&](int bit) {
        for (const Named& n : named) {
          if (n.bits == (1u << bit)) return "`" + n.name + "`";
        }
        return std::string("?");
      });
}

}  // namespace sgz::internal::spec
