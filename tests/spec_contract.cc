#include "spec_contract.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>

#include "spec_code.h"

namespace sgz::internal::spec {
namespace {

using Check = std::function<void(const SpecDoc&, const SpecTable&, Report*)>;
using Rows = std::vector<std::vector<std::string>>;

const std::string kAppendix = "Appendix: the format 1.0 manifest > ";

// A field table checked against a structure the code encodes (each of them).
Check Fields(Sample (*sample)()) {
  return [sample](const SpecDoc&, const SpecTable& t, Report* r) {
    const Sample s = sample();
    CheckFieldTable(t, s.bytes, s.length, s.scope, r);
  };
}

Check FieldsEach(std::vector<Sample> (*samples)()) {
  return [samples](const SpecDoc&, const SpecTable& t, Report* r) {
    for (const Sample& s : samples()) {
      if (!s.error.empty()) {
        r->Fail(t, s.error);
        continue;
      }
      CheckFieldTable(t, s.bytes, s.length, s.scope, r);
    }
  };
}

// The root of sequential walks: for each sample, the table's rows must
// consume exactly its bytes; nested tables are reached through Sub fields.
Check Walk(std::vector<Sample> (*samples)()) {
  return [samples](const SpecDoc& doc, const SpecTable& t, Report* r) {
    for (const Sample& s : samples()) {
      if (!s.error.empty()) {
        r->Fail(t, s.error);
        continue;
      }
      size_t pos = 0;
      if (WalkTable(t, s.bytes, &pos, s.scope, doc, r) && pos != s.bytes.size()) {
        r->Fail(t, "the rows end at byte " + std::to_string(pos) + ", the code wrote " + std::to_string(s.bytes.size()));
      }
    }
  };
}

// A table checked as part of the walk that starts at another table.
Check WalkedFrom(std::vector<std::string> columns) {
  return [columns](const SpecDoc&, const SpecTable& t, Report* r) { CheckColumns(t, columns, r); };
}

// An id table: the checked columns compared both ways with the code's rows.
Check Ids(std::vector<std::string> columns, std::vector<size_t> checked, Rows (*rows)()) {
  return [=](const SpecDoc&, const SpecTable& t, Report* r) {
    if (CheckColumns(t, columns, r)) CheckRows(t, checked, rows(), r);
  };
}

// The sections table: its rows against the sections the writer writes, and
// the bodies (plain and compressed) walked section by section: each header against the section
// header table, each content against the table of the heading that names its
// tag ("Manifest > Chunk table (section `CHNK`)"), which must consume it
// exactly.
void CheckSections(const SpecDoc& doc, const SpecTable& t, Report* r) {
  if (CheckColumns(t, {"Tag", "Required", "Since", "Content"}, r)) CheckRows(t, {0, 1, 2}, SectionRows(), r);
  const SpecTable* header = Find(doc, "Manifest > Section header", 0, t, r);
  const std::vector<SectionSample> sections = SectionsSample();
  if (sections.empty()) r->Fail(t, "the writer's manifest body is not a sequence of sections");
  for (const SectionSample& s : sections) {
    if (header != nullptr) CheckFieldTable(*header, s.header, s.header.size(), s.header_scope, r);
    const std::string suffix = "(section `" + s.tag + "`)";
    const SpecTable* content = nullptr;
    for (const std::string& h : doc.headings) {
      if (h.rfind("Manifest > ", 0) == 0 && h.size() > suffix.size() &&
          h.compare(h.size() - suffix.size(), suffix.size(), suffix) == 0 && !doc.Under(h).empty()) {
        content = doc.Under(h)[0];
      }
    }
    if (content == nullptr) {
      r->Fail(t, "the writer writes section `" + s.tag + "`; no table under a heading 'Manifest > ... " + suffix + "'");
      continue;
    }
    size_t pos = 0;
    if (WalkTable(*content, s.content, &pos, s.scope, doc, r) && pos != s.content.size()) {
      r->Fail(*content, "the rows end at byte " + std::to_string(pos) + ", the section's size is " +
                            std::to_string(s.content.size()));
    }
  }
}

// No code to compare with: the columns and the number of rows are pinned.
Check Pinned(std::vector<std::string> columns, size_t rows) {
  return [=](const SpecDoc&, const SpecTable& t, Report* r) {
    CheckColumns(t, columns, r);
    if (t.rows.size() != rows) {
      r->Fail(t, std::to_string(t.rows.size()) + " rows, the contract pins " + std::to_string(rows) +
                     " (no code to compare with: review the change, then update the contract)");
    }
  };
}

// "2^26 (64 MiB)", "4096", "2^16 (65536)", "63 bytes", "2^24 each".
std::optional<uint64_t> ParseLimit(const std::string& cell) {
  static const std::regex re(R"(^(\d+)(\^(\d+))?( bytes| each| \((\d+)( MiB| GiB)?\))?$)");
  std::smatch m;
  if (!std::regex_match(cell, m, re)) return std::nullopt;
  uint64_t v = std::stoull(m[1]);
  if (m[2].matched) {
    if (v != 2 || std::stoull(m[3]) > 63) return std::nullopt;
    v = uint64_t{1} << std::stoull(m[3]);
  }
  if (m[5].matched) {
    const uint64_t unit = m[6] == " MiB" ? 1u << 20 : m[6] == " GiB" ? 1u << 30 : 1;
    if (std::stoull(m[5]) * unit != v) return std::nullopt;
  }
  return v;
}

void CheckLimits(const SpecDoc&, const SpecTable& t, Report* r) {
  if (!CheckColumns(t, {"Limit", "Value", "Applies to"}, r)) return;
  std::map<std::string, size_t> rows;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    r->Mark(t.row_lines[i], 0);
    r->Mark(t.row_lines[i], 1);
    if (t.rows[i].size() != 3 || !rows.emplace(t.rows[i][0], i).second) r->Fail(t, "row " + std::to_string(i) + " is malformed or repeated");
  }
  std::map<std::string, bool> in_code;
  for (const Limit& l : Limits()) {
    in_code[l.name] = true;
    auto it = rows.find(l.name);
    if (it == rows.end()) {
      r->Fail(t, "the code's limit " + l.name + " has no row");
      continue;
    }
    const std::string& cell = t.rows[it->second][1];
    if (!l.text.empty()) {
      if (cell != l.text) r->Fail(t, "limit " + l.name + ": '" + cell + "', the code's rule is '" + l.text + "'");
      continue;
    }
    std::optional<uint64_t> v = ParseLimit(cell);
    if (v != l.value) {
      r->Fail(t, "limit " + l.name + ": '" + cell + "' is " + (v ? std::to_string(*v) : "not a value") +
                     ", the code's is " + std::to_string(l.value));
    }
  }
  for (const auto& [name, i] : rows) {
    if (!in_code.count(name)) r->Fail(t, "limit '" + name + "' is not in the code");
  }
}

// The annotation of the minimal archive dump: rows contiguous from offset 0,
// ending with an "end" row at the dump's length. (The values are format2's:
// a test asserts that the writer produces the dump itself.)
void CheckMinimalArchive(const SpecDoc& doc, const SpecTable& t, Report* r) {
  if (!CheckColumns(t, {"Offset", "Bytes", "Structure", "Fields", "Values"}, r)) return;
  uint64_t dump = 0;
  bool in = false;
  for (const std::string& line : doc.lines) {
    if (line.find("minimal-archive-hexdump:") != std::string::npos) in = line.find(":begin") != std::string::npos;
    if (!in || line.size() < 10 || !isxdigit(static_cast<unsigned char>(line[0]))) continue;
    const std::string hex = line.substr(10, line.find('|') - 10);
    for (size_t i = 0; i + 1 < hex.size(); ++i) {
      if (isxdigit(static_cast<unsigned char>(hex[i])) && isxdigit(static_cast<unsigned char>(hex[i + 1]))) ++dump, ++i;
    }
  }
  uint64_t pos = 0;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const std::vector<std::string>& c = t.rows[i];
    r->Mark(t.row_lines[i], 0);
    r->Mark(t.row_lines[i], 1);
    if (c.size() != 5) {
      r->Fail(t, "row " + std::to_string(i) + " is malformed");
      return;
    }
    std::optional<uint64_t> off = ParseNumber(c[0]);
    if (off != pos) {
      r->Fail(t, "row " + c[0] + ": expected offset " + std::to_string(pos));
      return;
    }
    if (i + 1 == t.rows.size()) {
      r->Mark(t.row_lines[i], 2);
      if (c[2] != "end" || !c[1].empty() || pos != dump) {
        r->Fail(t, "the last row must be 'end' at the dump's length " + std::to_string(dump));
      }
      return;
    }
    std::optional<uint64_t> n = ParseNumber(c[1]);
    if (!n || *n == 0) {
      r->Fail(t, "row " + c[0] + ": bytes '" + c[1] + "'");
      return;
    }
    pos += *n;
  }
  r->Fail(t, "no 'end' row");
}

const std::vector<std::string> kFieldColumns = {"Offset", "Bytes", "Field", "Meaning"};
const std::vector<std::string> kSeqColumns = {"Bytes", "Field", "Meaning"};

}  // namespace

const std::vector<Contract>& Contracts() {
  static const std::vector<Contract> k = {
      {"File header", 0, Fields(FileHeaderSample), true},
      {"Chunks > Chunk header (fixed part)", 0, Fields(ChunkHeaderSample), true},
      {"Chunks > Stream descriptor", 0, Fields(StreamDescriptorSample), true},
      {"Member records", 0, Fields(MemberRecordSample), true},
      {"Codecs", 0, Ids({"Id", "Name", "Since", "Stored bytes"}, {0, 1, 2}, CodecRows), true},
      // The rans payload: a layout of variable-length parts, nothing to probe.
      {"Codecs > Codec 2: rans", 0, Pinned(kSeqColumns, 5), false},
      {"Transforms", 0, Ids({"Id", "Name", "Since", "Streams"}, {0, 1, 2}, TransformRows), true},
      {"Transforms > Transform 4: predict", 0, Fields(PredictParamsSample), true},
      // The estimates of ESTIMATE (2.5): tests/predict_estimate_test.cc and the
      // reference reader's sgzref/estimate.py check the formulas.
      {"Transforms > Transform 4: predict", 1, Pinned({"Type", "Sub-blocks", "Fields (bits)", "Estimate"}, 5), false},
      {"Transforms > GGML type table", 0,
       Ids({"Id", "Name", "Weights/block", "`block_bytes`", "Fields in order (name bytes layout)", "Streams"},
           {0, 1, 2, 3, 4, 5}, GgmlTypeRows),
       true},
      {"Manifest > Manifest frame", 0, Fields(ManifestFrameSample), true},
      {"Manifest > Section header", 0, Fields(SectionHeaderSample), true},
      {"Manifest > Section header", 1, Ids({"Bit", "Name", "Meaning"}, {0, 1}, SectionFlagRows), true},
      // Also walks the bodies through the tables below it.
      {"Manifest > Sections", 0, CheckSections, true},
      {"Manifest > Chunk table (section `CHNK`)", 0, WalkedFrom(kSeqColumns), true},
      {"Manifest > Chunk entry", 0, Fields(ChunkEntrySample), true},
      {"Manifest > File table (section `FILE`)", 0, WalkedFrom(kSeqColumns), true},
      {"Manifest > File entry", 0, WalkedFrom(kSeqColumns), true},
      {"Manifest > File kinds", 0, Ids({"Id", "Name", "Since", "Meaning"}, {0, 1, 2}, FileKindRows), true},
      {"Manifest > GGUF summary", 0, WalkedFrom(kSeqColumns), true},
      {"Manifest > Tensor entry", 0, WalkedFrom(kSeqColumns), true},
      {"Manifest > File attributes", 0, WalkedFrom(kSeqColumns), true},
      {"Manifest > File attributes", 1, Ids({"Bit", "Name", "Meaning"}, {0, 1}, AttributeFlagRows), true},
      {"Manifest > Members (section `MEMB`)", 0, WalkedFrom(kSeqColumns), true},
      {"Manifest > Compressed sections (section `ZSEC`)", 0, WalkedFrom(kSeqColumns), true},
      {"Footer", 0, Fields(FooterSample), true},
      {"Limits", 0, CheckLimits, true},
      {"Minimal archive", 0, CheckMinimalArchive, true},
      {kAppendix + "1.0 Manifest frame", 0, FieldsEach(ManifestFrames10Sample), true},
      {kAppendix + "1.0 Manifest frame", 1, Walk(ManifestBodies10Sample), true},
      {kAppendix + "1.0 Chunk entry", 0, WalkedFrom(kFieldColumns), true},
      {kAppendix + "1.0 File entry", 0, WalkedFrom(kSeqColumns), true},
      {kAppendix + "1.0 GGUF summary", 0, WalkedFrom(kSeqColumns), true},
      {kAppendix + "1.0 Tensor entry", 0, WalkedFrom(kSeqColumns), true},

      // Prose: nothing in the code to compare with.
      {"Checksums", 0, Pinned({"Where", "Covers"}, 3), false},
      {"What sgz 2.2 writes", 0, Pinned({"Region", "Chunks"}, 5), false},
      {"Version and compatibility", 0, Pinned({"What is added", "How", "An older reader"}, 6), false},
  };
  return k;
}

Report CheckSpec(const std::string& text) {
  const SpecDoc doc = ParseSpec(text);
  Report r;
  std::map<std::string, int> expected;
  for (const Contract& c : Contracts()) {
    expected[c.heading] = std::max(expected[c.heading], c.index + 1);
    std::vector<const SpecTable*> under = doc.Under(c.heading);
    if (c.index < static_cast<int>(under.size())) {
      c.check(doc, *under[c.index], &r);
    } else {
      r.problems.push_back("spec: no table #" + std::to_string(c.index) + " under heading '" + c.heading + "'");
    }
  }
  for (const auto& [heading, n] : expected) {
    const size_t got = doc.Under(heading).size();
    if (got != static_cast<size_t>(n)) {
      r.problems.push_back("spec: heading '" + heading + "' has " + std::to_string(got) + " tables, the contract " +
                           std::to_string(n));
    }
  }
  for (const SpecTable& t : doc.tables) {
    if (!expected.count(t.heading)) r.Fail(t, "no contract covers this table: add a line to Contracts()");
  }
  return r;
}

}  // namespace sgz::internal::spec
