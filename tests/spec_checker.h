// Generic checks of one spec table against bytes or rows produced by the code.
// Every check appends one-line problems to a Report instead of asserting, so
// that spec_test.cc can run the whole checker on deliberately damaged copies of
// the spec and see that each damage is reported. A check also records the
// cells it compared (Report::checked), which is what the damage test mutates.
#ifndef SGZ_TESTS_SPEC_CHECKER_H_
#define SGZ_TESTS_SPEC_CHECKER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "spec_tables.h"

namespace sgz::internal::spec {

struct Report {
  std::vector<std::string> problems;
  std::set<std::pair<size_t, size_t>> checked;  // (line, column) of compared cells
  std::set<std::pair<size_t, size_t>> numbers;  // cells of which only the number is compared
  // Records a problem of table `t`; returns false, for `return r->Fail(...)`.
  bool Fail(const SpecTable& t, const std::string& what) {
    problems.push_back("spec table '" + t.heading + "' #" + std::to_string(t.index) + " (line " +
                       std::to_string(t.line + 1) + "): " + what);
    return false;
  }
  void Mark(size_t line, size_t col) { checked.insert({line, col}); }
};

struct Scope;

// What the code put in one field (a table row is looked up by its Field cell:
// the name in backticks, "(reserved)", or the plain text such as "body").
struct Expect {
  enum Kind {
    kInt,    // a little-endian integer: `value`
    kZero,   // reserved: zero bytes
    kBytes,  // literal bytes (a magic, a name); magics are also given in Meaning
    kInts,   // an array of integers (`N × count` rows)
    kRest,   // the rest of the structure (a frame's body)
    kSub,    // nested entries, each checked against the table `sub_heading`
  };
  Kind kind = kInt;
  uint64_t value = 0;
  std::string bytes;
  std::vector<uint64_t> ints;
  std::optional<uint64_t> meaning_number;  // the number the Meaning cell must state
  std::string sub_heading;
  int sub_index = 0;
  bool sub_is_field_table = false;
  int sub_prefix = 0;       // bytes of the `entry_size` before each entry (0: none)
  std::vector<Scope> subs;  // one per entry, in order
};

struct Scope {
  std::map<std::string, Expect> fields;
};

inline Expect Int(uint64_t v) { Expect e; e.kind = Expect::kInt; e.value = v; return e; }
inline Expect Zero() { Expect e; e.kind = Expect::kZero; return e; }
inline Expect Bytes(std::string b) { Expect e; e.kind = Expect::kBytes; e.bytes = std::move(b); return e; }
inline Expect Ints(std::vector<uint64_t> v) { Expect e; e.kind = Expect::kInts; e.ints = std::move(v); return e; }
inline Expect Rest() { Expect e; e.kind = Expect::kRest; return e; }
inline Expect Stated(uint64_t v, uint64_t stated) { Expect e = Int(v); e.meaning_number = stated; return e; }
inline Expect Sub(std::string heading, int index, bool field_table, std::vector<Scope> subs) {
  Expect e;
  e.kind = Expect::kSub;
  e.sub_heading = std::move(heading);
  e.sub_index = index;
  e.sub_is_field_table = field_table;
  e.subs = std::move(subs);
  return e;
}
// Entries of a sequential table, each preceded by its size in `prefix` bytes
// (the row's Meaning must say so: "`u32` `entry_size`").
inline Expect SizedSub(std::string heading, int index, int prefix, std::vector<Scope> subs) {
  Expect e = Sub(std::move(heading), index, false, std::move(subs));
  e.sub_prefix = prefix;
  return e;
}

// Distinct, all-bytes-non-zero values, so that a field read at the wrong
// offset or width never decodes to the value expected there.
class Sentinels {
 public:
  uint64_t Next(int width) {
    uint64_t v = 0;
    for (int j = 0; j < width; ++j) v |= static_cast<uint64_t>(1 + (next_++ % 255)) << (8 * j);
    return v;
  }

 private:
  uint32_t next_ = 0x40;
};

// The Field cell as a key: the text in the first backticks, else the cell.
std::string FieldKey(const std::string& cell);
// A number cell: decimal, or `0x` hex.
std::optional<uint64_t> ParseNumber(const std::string& cell);

// Field table `Offset | Bytes | Field | Meaning`: rows contiguous from 0,
// covering exactly `length` bytes of `bytes`, each row's bytes being what
// `scope` says the code wrote there; every field of `scope` has a row.
void CheckFieldTable(const SpecTable& t, const std::string& bytes, size_t length, const Scope& scope, Report* r);

// Sequential table `Bytes | Field | Meaning`: walks bytes[*pos, ...) in row
// order. A Bytes cell is N, `field`, `N × field`, `N × count` (the last
// count read) or "variable" (entries, or bytes that end the structure); N may be a field too (`entry_size` ×
// `chunk_count`). Returns false (after reporting) when the walk went astray.
bool WalkTable(const SpecTable& t, const std::string& bytes, size_t* pos, const Scope& scope, const SpecDoc& doc,
               Report* r);

// Finds the one table `index` under `heading` (reports when it is missing).
const SpecTable* Find(const SpecDoc& doc, const std::string& heading, int index, const SpecTable& from, Report* r);

// Id table: the code's rows, each as cells for the columns in `checked`
// (indices into the table's columns; the first is the key). A cell pattern
// containing `*` matches any text there (and is not counted as checked).
// Compared both ways: a row missing on either side, a duplicate key or any
// differing checked cell is a problem.
void CheckRows(const SpecTable& t, const std::vector<size_t>& checked,
               const std::vector<std::vector<std::string>>& code_rows, Report* r);

// The columns must be exactly `columns` (and are counted as checked).
bool CheckColumns(const SpecTable& t, const std::vector<std::string>& columns, Report* r);

}  // namespace sgz::internal::spec

#endif  // SGZ_TESTS_SPEC_CHECKER_H_
