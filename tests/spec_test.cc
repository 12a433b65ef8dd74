// Every table of format-spec/sgz-format.md is a contract with the code
// (spec_contract.cc), and every way of damaging a table is reported: the
// checker is run on copies of the spec with one row, cell or table changed.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <set>

#include "spec_contract.h"
#include "spec_tables.h"
#include "test_util.h"

namespace sgz::internal::spec {
namespace {

std::string SpecText() { return testing::ReadFile(testing::SourceDir() + "/format-spec/sgz-format.md"); }

std::string Problems(const Report& r) {
  std::string out;
  for (const std::string& p : r.problems) out += p + "\n";
  return out;
}

std::string Name(const SpecTable& t) { return t.heading + " #" + std::to_string(t.index); }

const SpecTable* TableAt(const SpecDoc& doc, size_t line) {
  for (const SpecTable& t : doc.tables) {
    const size_t last = t.row_lines.empty() ? t.line + 1 : t.row_lines.back();
    if (line >= t.line && line <= last) return &t;
  }
  return nullptr;
}

// Changes of one cell: its last digit, and its last letter (inside its first
// backtick span when it has one, as checks read literals from there); a cell
// with neither is replaced.
std::vector<std::string> CellVariants(const std::string& cell) {
  size_t b = 0, e = cell.size();
  const size_t tick = cell.find('`');
  if (tick != std::string::npos && cell.find('`', tick + 1) != std::string::npos) {
    b = tick + 1;
    e = cell.find('`', tick + 1);
  }
  std::vector<std::string> out;
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = e; i-- > b;) {
      const char c = cell[i];
      const bool digit = c >= '0' && c <= '9';
      const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (pass == 0 ? !digit : !letter) continue;
      std::string v = cell;
      v[i] = (c == '9' || c == 'z' || c == 'Z') ? static_cast<char>(c - 1) : static_cast<char>(c + 1);
      out.push_back(v);
      break;
    }
  }
  if (out.empty()) out.push_back(cell.empty() ? "1" : "x");
  return out;
}

struct Mutation {
  std::string table;  // the damaged table
  std::string what;
  std::string text;
};

std::vector<std::string> TableLines(const std::vector<std::string>& lines, const SpecTable& t) {
  return std::vector<std::string>(lines.begin() + t.line, lines.begin() + t.row_lines.back() + 1);
}

std::vector<Mutation> Mutations(const std::string& text) {
  const SpecDoc doc = ParseSpec(text);
  const Report base = CheckSpec(text);
  std::vector<Mutation> out;
  // Each compared cell; of a cell whose number alone is compared, the number.
  std::set<std::pair<size_t, size_t>> cells = base.checked;
  cells.insert(base.numbers.begin(), base.numbers.end());
  for (const auto& [line, col] : cells) {
    const SpecTable* t = TableAt(doc, line);
    std::vector<std::string> cells = SplitCells(doc.lines[line]);
    if (t == nullptr || col >= cells.size()) continue;
    const std::string cell = cells[col];
    std::vector<std::string> variants = CellVariants(cell);
    if (base.numbers.count({line, col})) variants.resize(1);  // the digit variant
    for (const std::string& v : variants) {
      std::vector<std::string> lines = doc.lines;
      cells[col] = v;
      lines[line] = JoinCells(cells);
      out.push_back({Name(*t), "line " + std::to_string(line + 1) + ": '" + cell + "' -> '" + v + "'", JoinLines(lines)});
    }
  }
  size_t notices = 0;
  while (notices < doc.lines.size() && doc.lines[notices] != "### Notices") ++notices;
  for (size_t k = 0; k < doc.tables.size(); ++k) {
    const SpecTable& t = doc.tables[k];
    // Each row deleted, and duplicated.
    for (size_t line : t.row_lines) {
      std::vector<std::string> lines = doc.lines;
      lines.erase(lines.begin() + line);
      out.push_back({Name(t), "line " + std::to_string(line + 1) + " deleted", JoinLines(lines)});
      lines = doc.lines;
      lines.insert(lines.begin() + line, doc.lines[line]);
      out.push_back({Name(t), "line " + std::to_string(line + 1) + " duplicated", JoinLines(lines)});
    }
    // The table moved under a heading without tables.
    const std::vector<std::string> mine = TableLines(doc.lines, t);
    std::vector<std::string> lines = doc.lines;
    lines.erase(lines.begin() + t.line, lines.begin() + t.row_lines.back() + 1);
    std::vector<std::string> block = {""};
    block.insert(block.end(), mine.begin(), mine.end());
    block.push_back("");
    lines.insert(lines.begin() + notices + 1, block.begin(), block.end());
    out.push_back({Name(t), "moved under 'Notices'", JoinLines(lines)});
    // A second copy of the table under the same heading.
    lines = doc.lines;
    block.pop_back();
    lines.insert(lines.begin() + t.row_lines.back() + 1, block.begin(), block.end());
    out.push_back({Name(t), "repeated under its heading", JoinLines(lines)});
    // The table swapped with the next one (when they differ).
    if (k + 1 < doc.tables.size()) {
      const SpecTable& u = doc.tables[k + 1];
      const std::vector<std::string> next = TableLines(doc.lines, u);
      if (next != mine) {
        lines = doc.lines;
        lines.erase(lines.begin() + u.line, lines.begin() + u.row_lines.back() + 1);
        lines.insert(lines.begin() + u.line, mine.begin(), mine.end());
        lines.erase(lines.begin() + t.line, lines.begin() + t.row_lines.back() + 1);
        lines.insert(lines.begin() + t.line, next.begin(), next.end());
        out.push_back({Name(t), "swapped with " + Name(u), JoinLines(lines)});
      }
    }
  }
  // Each heading that owns tables renamed (the setext rule is not touched).
  for (size_t h = 0; h < doc.headings.size(); ++h) {
    if (doc.Under(doc.headings[h]).empty()) continue;
    std::vector<std::string> lines = doc.lines;
    lines[doc.heading_lines[h]] += "s";
    out.push_back({Name(*doc.Under(doc.headings[h])[0]), "heading renamed", JoinLines(lines)});
  }
  return out;
}

TEST(SpecTables, EveryTableMatchesTheCode) {
  const Report r = CheckSpec(SpecText());
  EXPECT_TRUE(r.problems.empty()) << Problems(r);
}

TEST(SpecTables, TablesBelongToTheNearestHeading) {
  const SpecDoc doc = ParseSpec(
      "Title\n=====\n\nA\n---\n\n### B\n\n| x | y |\n|---|---|\n| 1 | `a|b` |\n\n```\n| not | a table |\nC\n---\n```\n"
      "\nD\n---\n\n| z |\n|---|\n| 2 |\n| 3 |\n\n| w |\n|---|\n");
  ASSERT_EQ(doc.tables.size(), 3u);
  EXPECT_EQ(doc.tables[0].heading, "A > B");
  EXPECT_EQ(doc.tables[0].rows[0], (std::vector<std::string>{"1", "`a|b`"}));
  EXPECT_EQ(doc.tables[1].heading, "D");
  EXPECT_EQ(doc.tables[1].rows.size(), 2u);
  EXPECT_EQ(doc.tables[2].heading, "D");
  EXPECT_EQ(doc.tables[2].index, 1);
  EXPECT_EQ(doc.headings, (std::vector<std::string>{"A", "A > B", "D"}));
  EXPECT_EQ(doc.heading_lines, (std::vector<size_t>{3, 6, 18}));
}

// The checks compare the cells that carry the contract: every Offset, Bytes
// and Field cell of a field table, and the compared columns of every row.
TEST(SpecTables, ChecksCoverEveryRowOfTheTablesCheckedAgainstTheCode) {
  const std::string text = SpecText();
  const SpecDoc doc = ParseSpec(text);
  const Report r = CheckSpec(text);
  int tables = 0;
  for (const Contract& c : Contracts()) {
    std::vector<const SpecTable*> under = doc.Under(c.heading);
    ASSERT_LT(c.index, static_cast<int>(under.size())) << c.heading;
    const SpecTable& t = *under[c.index];
    if (!c.against_code) continue;
    ++tables;
    const size_t cols = t.columns[0] == "Offset" ? 2 : 1;  // Offset and Bytes, or the id / Bytes
    for (size_t line : t.row_lines) {
      for (size_t col = 0; col < cols; ++col) EXPECT_TRUE(r.checked.count({line, col})) << Name(t) << " line " << line + 1;
    }
  }
  EXPECT_EQ(tables, 32);
}

TEST(SpecTables, EveryDamageIsReported) {
  const std::vector<Mutation> mutations = Mutations(SpecText());
  std::map<std::string, int> per_table, per_kind;
  int missed = 0;
  for (const Mutation& m : mutations) {
    ++per_table[m.table];
    for (const char* kind : {"->", "deleted", "duplicated", "moved", "repeated", "swapped", "heading renamed"}) {
      if (m.what.find(kind) != std::string::npos) ++per_kind[kind == std::string("->") ? "cell changed" : kind];
    }
    if (CheckSpec(m.text).problems.empty()) {
      ADD_FAILURE() << "not reported: " << m.table << ": " << m.what;
      if (++missed > 20) break;
    }
  }
  std::string counts;
  for (const auto& [table, n] : per_table) counts += "  " + table + ": " + std::to_string(n) + "\n";
  for (const auto& [kind, n] : per_kind) counts += "  (" + kind + ": " + std::to_string(n) + ")\n";
  std::cout << mutations.size() << " mutations, each reported:\n" << counts;
  EXPECT_EQ(per_table.size(), ParseSpec(SpecText()).tables.size());
}

// The damage that went unnoticed: type-table rows pasted into field tables.
TEST(SpecTables, TypeTableRowsPastedIntoOtherTablesAreReported) {
  const std::string text = SpecText();
  const SpecDoc doc = ParseSpec(text);
  const std::vector<const SpecTable*> types = doc.Under("Transforms > GGML type table");
  ASSERT_EQ(types.size(), 1u);
  const std::string f32 = doc.lines[types[0]->row_lines[0]];
  int damaged = 0;
  for (const char* heading : {"File header", "Chunks > Chunk header (fixed part)", "Chunks > Stream descriptor", "Codecs",
                              "Transforms", "Manifest > Manifest frame", "Manifest > Chunk entry", "Footer"}) {
    const std::vector<const SpecTable*> under = doc.Under(heading);
    ASSERT_EQ(under.size(), 1u) << heading;
    const SpecTable& t = *under[0];
    // The row as it is, and cut to the table's columns ("| 0 | F32 | 1 | 4 |").
    std::vector<std::string> cut = SplitCells(f32);
    cut.resize(t.columns.size());
    std::vector<std::string> inserted = doc.lines, replaced = doc.lines, fitted = doc.lines, all = doc.lines;
    inserted.insert(inserted.begin() + t.row_lines[0], f32);
    replaced[t.row_lines[0]] = f32;
    fitted[t.row_lines[0]] = JoinCells(cut);
    for (size_t i = 0; i < t.row_lines.size() && i < types[0]->rows.size(); ++i) {
      all[t.row_lines[i]] = doc.lines[types[0]->row_lines[i]];
    }
    EXPECT_FALSE(CheckSpec(JoinLines(inserted)).problems.empty()) << heading;
    EXPECT_FALSE(CheckSpec(JoinLines(replaced)).problems.empty()) << heading;
    EXPECT_FALSE(CheckSpec(JoinLines(fitted)).problems.empty()) << heading << ": " << JoinCells(cut);
    const Report r = CheckSpec(JoinLines(all));
    EXPECT_FALSE(r.problems.empty()) << heading;
    if (std::string(heading) == "File header") std::cout << "File header overwritten:\n" << Problems(r);
    damaged += 4;
  }
  EXPECT_EQ(damaged, 32);
}

}  // namespace
}  // namespace sgz::internal::spec
