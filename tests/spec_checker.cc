#include "spec_checker.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace sgz::internal::spec {
namespace {

const std::string kTimes = " \xC3\x97 ";  // " × "

std::string Str(uint64_t v) { return std::to_string(v); }

std::string Hex(uint64_t v) {
  char b[24];
  snprintf(b, sizeof b, "0x%llX", static_cast<unsigned long long>(v));
  return b;
}

uint64_t LoadLE(const std::string& bytes, size_t pos, size_t width) {
  uint64_t v = 0;
  for (size_t j = 0; j < width; ++j) v |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[pos + j])) << (8 * j);
  return v;
}

std::vector<std::string> BacktickSpans(const std::string& cell) {
  std::vector<std::string> spans;
  size_t at = 0;
  while ((at = cell.find('`', at)) != std::string::npos) {
    size_t end = cell.find('`', at + 1);
    if (end == std::string::npos) break;
    spans.push_back(cell.substr(at + 1, end - at - 1));
    at = end + 1;
  }
  return spans;
}

std::optional<uint64_t> FirstInteger(const std::string& s) {
  size_t b = s.find_first_of("0123456789");
  if (b == std::string::npos) return std::nullopt;
  size_t e = s.find_first_not_of("0123456789", b);
  return ParseNumber(s.substr(b, e == std::string::npos ? std::string::npos : e - b));
}

// Hex byte list "89 53 47 5A" as bytes; nullopt when the span is not one.
std::optional<std::string> ParseHexBytes(const std::string& span) {
  std::string out;
  for (size_t i = 0; i < span.size(); i += 3) {
    if (i + 2 > span.size() || !isxdigit(span[i]) || !isxdigit(span[i + 1])) return std::nullopt;
    if (i + 2 < span.size() && span[i + 2] != ' ') return std::nullopt;
    out += static_cast<char>(std::stoul(span.substr(i, 2), nullptr, 16));
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// "(reserved)", or a Meaning "all 16 bits reserved"; not "bit 0 `required`;
// bits 1-15 reserved", a field with a meaning of which some bits are reserved.
bool SaysReserved(const std::string& key, const std::string& meaning) {
  return key == "(reserved)" || (meaning.rfind("all ", 0) == 0 && meaning.find("reserved") != std::string::npos);
}

// Checks the Meaning cell of a literal row: every span that is a hex byte
// list or a 0x number must give the bytes the code wrote; at least one must.
void CheckLiteralMeaning(const SpecTable& t, const std::string& key, const std::string& meaning,
                         const std::string& slice, Report* r) {
  int found = 0;
  for (const std::string& span : BacktickSpans(meaning)) {
    if (std::optional<std::string> b = ParseHexBytes(span)) {
      ++found;
      if (*b != slice) r->Fail(t, "field '" + key + "': Meaning gives bytes `" + span + "`, the code writes others");
    } else if (span.rfind("0x", 0) == 0) {
      ++found;
      std::optional<uint64_t> v = ParseNumber(span);
      if (!v || slice.size() > 8 || *v != LoadLE(slice, 0, slice.size())) {
        r->Fail(t, "field '" + key + "': Meaning gives " + span + ", the code writes " +
                       Hex(LoadLE(slice, 0, std::min<size_t>(slice.size(), 8))));
      }
    }
  }
  if (found == 0) r->Fail(t, "field '" + key + "': Meaning does not give the literal bytes the code writes");
}

}  // namespace

std::string FieldKey(const std::string& cell) {
  if (!cell.empty() && cell[0] == '`') {
    std::vector<std::string> spans = BacktickSpans(cell);
    if (!spans.empty()) return spans[0];
  }
  return cell;
}

std::optional<uint64_t> ParseNumber(const std::string& cell) {
  if (cell.empty()) return std::nullopt;
  const bool hex = cell.rfind("0x", 0) == 0;
  const std::string digits = hex ? cell.substr(2) : cell;
  if (digits.empty() || digits.size() > (hex ? 16u : 19u)) return std::nullopt;
  for (char c : digits) {
    if (hex ? !isxdigit(static_cast<unsigned char>(c)) : !isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return std::stoull(digits, nullptr, hex ? 16 : 10);
}

bool CheckColumns(const SpecTable& t, const std::vector<std::string>& columns, Report* r) {
  for (size_t c = 0; c < t.columns.size(); ++c) r->Mark(t.line, c);
  if (t.columns == columns) return true;
  std::string want, got;
  for (const std::string& c : columns) want += (want.empty() ? "" : " | ") + c;
  for (const std::string& c : t.columns) got += (got.empty() ? "" : " | ") + c;
  r->Fail(t, "columns are '" + got + "', expected '" + want + "'");
  return false;
}

const SpecTable* Find(const SpecDoc& doc, const std::string& heading, int index, const SpecTable& from, Report* r) {
  std::vector<const SpecTable*> under = doc.Under(heading);
  if (static_cast<int>(under.size()) > index) return under[index];
  r->Fail(from, "refers to table #" + Str(index) + " under heading '" + heading + "', which is missing");
  return nullptr;
}

void CheckFieldTable(const SpecTable& t, const std::string& bytes, size_t length, const Scope& scope, Report* r) {
  if (!CheckColumns(t, {"Offset", "Bytes", "Field", "Meaning"}, r)) return;
  size_t end = 0;
  std::set<std::string> seen;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const std::vector<std::string>& c = t.rows[i];
    const size_t line = t.row_lines[i];
    for (size_t k = 0; k < 3; ++k) r->Mark(line, k);
    if (c.size() != 4) {
      r->Fail(t, "row " + Str(i) + " has " + Str(c.size()) + " cells, expected 4");
      continue;
    }
    const std::string key = FieldKey(c[2]);
    std::optional<uint64_t> off = ParseNumber(c[0]);
    std::optional<uint64_t> width = ParseNumber(c[1]);
    auto it = scope.fields.find(key);
    if (!width && c[1].size() > 2 && c[1][0] == '`') {
      auto ref = scope.fields.find(FieldKey(c[1]));
      if (ref != scope.fields.end() && ref->second.kind == Expect::kInt) width = ref->second.value;
    }
    if (!off || !width || *width == 0) {
      r->Fail(t, "field '" + key + "': offset '" + c[0] + "' or width '" + c[1] + "' is not a positive number");
      continue;
    }
    if (*off != end) {
      r->Fail(t, "field '" + key + "' at offset " + Str(*off) + ", expected " + Str(end) +
                     " (rows must be contiguous, without gaps or overlap)");
    }
    end = *off + *width;
    if (it == scope.fields.end()) {
      r->Fail(t, "field '" + key + "' is not a field the code writes in this structure");
      continue;
    }
    if (!seen.insert(key).second && key != "(reserved)") r->Fail(t, "field '" + key + "' has two rows");
    if (end > length || end > bytes.size()) {
      r->Fail(t, "field '" + key + "' [" + Str(*off) + ", +" + Str(*width) + ") runs past the structure's " +
                     Str(length) + " bytes");
      continue;
    }
    const Expect& e = it->second;
    const std::string slice = bytes.substr(*off, *width);
    if (SaysReserved(key, c[3]) != (e.kind == Expect::kZero)) {
      r->Fail(t, "field '" + key + "': the spec " + (SaysReserved(key, c[3]) ? "says" : "does not say") +
                     " it is reserved, the code " + (e.kind == Expect::kZero ? "writes zero" : "writes a value"));
    }
    switch (e.kind) {
      case Expect::kInt: {
        const uint64_t got = *width <= 8 ? LoadLE(slice, 0, *width) : ~e.value;
        if (got != e.value) {
          r->Fail(t, "field '" + key + "' [" + Str(*off) + ", +" + Str(*width) + ") reads " + Hex(got) +
                         " from the code's encoding, expected the field's value " + Hex(e.value));
        }
        if (e.meaning_number) {
          r->numbers.insert({line, 3});
          std::optional<uint64_t> stated = FirstInteger(c[3]);
          if (stated != e.meaning_number) {
            r->Fail(t, "field '" + key + "': Meaning states " + (stated ? Str(*stated) : "no number") +
                           ", the code's value is " + Str(*e.meaning_number));
          }
        }
        break;
      }
      case Expect::kZero:
        if (slice.find_first_not_of('\0') != std::string::npos) {
          r->Fail(t, "reserved field '" + key + "' [" + Str(*off) + ", +" + Str(*width) + ") is not zero in the code's encoding");
        }
        break;
      case Expect::kBytes:
        if (slice != e.bytes) r->Fail(t, "field '" + key + "': the code writes other bytes at [" + Str(*off) + ", +" + Str(*width) + ")");
        r->Mark(line, 3);
        CheckLiteralMeaning(t, key, c[3], slice, r);
        break;
      case Expect::kRest:
        if (end != length) r->Fail(t, "field '" + key + "' must run to the end of the structure (" + Str(length) + ")");
        break;
      default:
        r->Fail(t, "field '" + key + "' cannot be checked in a field table");
    }
  }
  if (end != length) r->Fail(t, "rows cover " + Str(end) + " bytes, the code's structure is " + Str(length));
  for (const auto& [key, e] : scope.fields) {
    if (!seen.count(key)) r->Fail(t, "the code's field '" + key + "' has no row");
  }
}

bool WalkTable(const SpecTable& t, const std::string& bytes, size_t* pos, const Scope& scope, const SpecDoc& doc,
               Report* r) {
  if (!CheckColumns(t, {"Bytes", "Field", "Meaning"}, r)) return false;
  std::map<std::string, uint64_t> read;
  std::string last_count;
  std::set<std::string> seen;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const std::vector<std::string>& c = t.rows[i];
    r->Mark(t.row_lines[i], 0);
    r->Mark(t.row_lines[i], 1);
    if (c.size() != 3) return r->Fail(t, "row " + Str(i) + " has " + Str(c.size()) + " cells, expected 3");
    const std::string key = FieldKey(c[1]);
    const std::string at = "field '" + key + "' at byte " + Str(*pos) + ": ";
    auto it = scope.fields.find(key);
    if (it == scope.fields.end()) return r->Fail(t, "field '" + key + "' is not a field the code writes here");
    if (!seen.insert(key).second && key != "(reserved)") return r->Fail(t, "field '" + key + "' has two rows");
    const Expect& e = it->second;
    if (SaysReserved(key, c[2]) != (e.kind == Expect::kZero)) {
      return r->Fail(t, at + "the spec and the code disagree on whether it is reserved");
    }
    // The Bytes cell: N, `field`, N × `field`, N × count, or variable.
    std::optional<uint64_t> width, elem, count;
    auto value_of = [&](const std::string& ref) -> std::optional<uint64_t> {
      const std::string name = ref == "count" ? last_count : FieldKey(ref);
      auto v = read.find(name);
      if (v == read.end()) return std::nullopt;
      return v->second;
    };
    const size_t times = c[0].find(kTimes);
    if (times != std::string::npos) {
      const std::string n = c[0].substr(0, times);
      elem = n[0] == '`' ? value_of(n) : ParseNumber(n);
      count = value_of(c[0].substr(times + kTimes.size()));
      if (!elem || !count) return r->Fail(t, at + "cannot read the size '" + c[0] + "'");
      width = *elem * *count;
    } else if (c[0] != "variable") {
      width = c[0][0] == '`' ? value_of(c[0]) : ParseNumber(c[0]);
      if (!width) return r->Fail(t, at + "cannot read the size '" + c[0] + "'");
    }
    if (width && *pos + *width > bytes.size()) return r->Fail(t, at + "runs past the code's encoding");
    switch (e.kind) {
      case Expect::kInt: {
        if (!width || elem || *width > 8) return r->Fail(t, at + "the code writes an integer, not '" + c[0] + "'");
        const uint64_t got = LoadLE(bytes, *pos, *width);
        if (got != e.value) {
          return r->Fail(t, at + "reads " + Hex(got) + " (" + c[0] + " bytes), the code wrote " + Hex(e.value));
        }
        read[key] = got;
        if (key.size() >= 5 && key.compare(key.size() - 5, 5, "count") == 0) last_count = key;
        break;
      }
      case Expect::kZero:
        if (!width || bytes.substr(*pos, *width).find_first_not_of('\0') != std::string::npos) {
          return r->Fail(t, at + "reserved bytes are not zero in the code's encoding");
        }
        break;
      case Expect::kBytes:
        // "variable": the code's bytes, which must run to the end (a frame).
        if (!width && !elem && c[0] == "variable" && *pos + e.bytes.size() == bytes.size()) width = e.bytes.size();
        if (!width || elem || bytes.compare(*pos, *width, e.bytes) != 0) {
          return r->Fail(t, at + "the code wrote other bytes (" + Str(e.bytes.size()) + ")");
        }
        break;
      case Expect::kInts:
        if (!elem || *count != e.ints.size() || *elem > 8) {
          return r->Fail(t, at + "the code writes " + Str(e.ints.size()) + " integers, not '" + c[0] + "'");
        }
        for (size_t k = 0; k < e.ints.size(); ++k) {
          if (LoadLE(bytes, *pos + k * *elem, *elem) != e.ints[k]) {
            return r->Fail(t, at + "element " + Str(k) + " differs from the code's");
          }
        }
        break;
      case Expect::kSub: {
        const SpecTable* sub = Find(doc, e.sub_heading, e.sub_index, t, r);
        if (sub == nullptr) return false;
        if (e.sub_is_field_table) {
          if (!elem || *count != e.subs.size()) return r->Fail(t, at + "cannot size the entries '" + c[0] + "'");
          for (size_t k = 0; k < e.subs.size(); ++k) {
            CheckFieldTable(*sub, bytes.substr(*pos + k * *elem, *elem), *elem, e.subs[k], r);
          }
        } else {
          if (width) return r->Fail(t, at + "entries of varying size are 'variable', not '" + c[0] + "'");
          const std::string prefix = "`u" + Str(8 * e.sub_prefix) + "` `entry_size`";
          if (e.sub_prefix > 0 && c[2].find(prefix) == std::string::npos) {
            return r->Fail(t, at + "the code writes each entry after its size, Meaning must say '" + prefix + "'");
          }
          size_t p = *pos;
          for (size_t k = 0; k < e.subs.size(); ++k) {
            std::string entry = bytes;
            uint64_t size = 0;
            if (e.sub_prefix > 0) {
              if (p + e.sub_prefix > bytes.size()) return r->Fail(t, at + "entry " + Str(k) + " runs past the code's encoding");
              size = LoadLE(bytes, p, e.sub_prefix);
              p += e.sub_prefix;
              if (p + size > bytes.size()) return r->Fail(t, at + "entry " + Str(k) + " runs past the code's encoding");
              entry = bytes.substr(0, p + size);  // the entry's rows may not read past its size
            }
            const size_t begin = p;
            if (!WalkTable(*sub, entry, &p, e.subs[k], doc, r)) return false;
            if (e.sub_prefix > 0 && p - begin != size) {
              return r->Fail(*sub, "entry " + Str(k) + " (from '" + t.heading + "'): the rows cover " + Str(p - begin) +
                                       " bytes, the code's entry_size is " + Str(size));
            }
          }
          width = p - *pos;
        }
        break;
      }
      default:
        return r->Fail(t, at + "cannot be checked in a sequential table");
    }
    *pos += *width;
  }
  for (const auto& [key, e] : scope.fields) {
    if (!seen.count(key)) return r->Fail(t, "the code's field '" + key + "' has no row");
  }
  return true;
}

void CheckRows(const SpecTable& t, const std::vector<size_t>& checked,
               const std::vector<std::vector<std::string>>& code_rows, Report* r) {
  const size_t key_col = checked[0];
  std::map<std::string, size_t> spec_rows;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    if (t.rows[i].size() != t.columns.size()) {
      r->Fail(t, "row " + Str(i) + " has " + Str(t.rows[i].size()) + " cells, expected " + Str(t.columns.size()));
      continue;
    }
    for (size_t col : checked) r->Mark(t.row_lines[i], col);
    if (!spec_rows.emplace(t.rows[i][key_col], i).second) r->Fail(t, "row '" + t.rows[i][key_col] + "' appears twice");
  }
  std::set<std::string> in_code;
  for (const std::vector<std::string>& want : code_rows) {
    in_code.insert(want[0]);
    auto it = spec_rows.find(want[0]);
    if (it == spec_rows.end()) {
      r->Fail(t, "the code's row '" + want[0] + "' is missing");
      continue;
    }
    const std::vector<std::string>& got = t.rows[it->second];
    for (size_t k = 1; k < checked.size(); ++k) {
      const std::string& cell = got[checked[k]];
      const size_t star = want[k].find('*');
      if (star != std::string::npos) {
        r->checked.erase({t.row_lines[it->second], checked[k]});
        const std::string head = want[k].substr(0, star), tail = want[k].substr(star + 1);
        if (cell.size() < head.size() + tail.size() + 1 || cell.compare(0, head.size(), head) != 0 ||
            cell.compare(cell.size() - tail.size(), tail.size(), tail) != 0) {
          r->Fail(t, "row '" + want[0] + "', column '" + t.columns[checked[k]] + "': '" + cell + "', expected '" + want[k] + "'");
        }
      } else if (cell != want[k]) {
        r->Fail(t, "row '" + want[0] + "', column '" + t.columns[checked[k]] + "': '" + cell + "', the code says '" +
                       want[k] + "'");
      }
    }
  }
  for (const auto& [key, i] : spec_rows) {
    if (!in_code.count(key)) r->Fail(t, "row '" + key + "' is not in the code");
  }
}

}  // namespace sgz::internal::spec
