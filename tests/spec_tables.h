// The tables of format-spec/sgz-format.md as data: each table belongs to the
// nearest heading above it (`###` or setext `---`), identified by its heading
// path ("Chunks > Stream descriptor"; the document title is left out). Text in
// fenced code blocks is not parsed. Used by spec_test.cc, which checks every
// table against the code.
#ifndef SGZ_TESTS_SPEC_TABLES_H_
#define SGZ_TESTS_SPEC_TABLES_H_

#include <cstddef>
#include <string>
#include <vector>

namespace sgz::internal::spec {

struct SpecTable {
  std::string heading;  // heading path
  int index = 0;        // 0 for the first table under the heading
  size_t line = 0;      // 0-based line of the column-header row
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // trimmed cells
  std::vector<size_t> row_lines;               // 0-based line of each row
};

struct SpecDoc {
  std::vector<std::string> lines;
  std::vector<std::string> headings;  // every heading path, in document order
  std::vector<size_t> heading_lines;  // 0-based line of each heading's title
  std::vector<SpecTable> tables;      // in document order
  // Tables under `heading`, in order.
  std::vector<const SpecTable*> Under(const std::string& heading) const {
    std::vector<const SpecTable*> out;
    for (const SpecTable& t : tables) {
      if (t.heading == heading) out.push_back(&t);
    }
    return out;
  }
};

inline std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

inline std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

inline std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) out += (i ? "\n" : "") + lines[i];
  return out;
}

// Cells of a table line; a `|` inside backticks or escaped does not split.
inline std::vector<std::string> SplitCells(const std::string& line) {
  std::string s = Trim(line);
  if (!s.empty() && s.front() == '|') s.erase(0, 1);
  if (!s.empty() && s.back() == '|' && (s.size() < 2 || s[s.size() - 2] != '\\')) s.pop_back();
  std::vector<std::string> cells;
  std::string cur;
  bool code = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '`') code = !code;
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '|') {
      cur += '|';
      ++i;
    } else if (s[i] == '|' && !code) {
      cells.push_back(Trim(cur));
      cur.clear();
    } else {
      cur += s[i];
    }
  }
  cells.push_back(Trim(cur));
  return cells;
}

inline std::string JoinCells(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const std::string& c : cells) out += " " + c + " |";
  return out;
}

inline bool IsTableLine(const std::string& line) { return !Trim(line).empty() && Trim(line)[0] == '|'; }

inline bool IsRule(const std::string& line, char c) {
  const std::string t = Trim(line);
  return t.size() >= 3 && t.find_first_not_of(c) == std::string::npos;
}

inline SpecDoc ParseSpec(const std::string& text) {
  SpecDoc doc;
  doc.lines = SplitLines(text);
  const std::vector<std::string>& L = doc.lines;
  std::vector<std::string> stack;  // stack[k]: heading of level k + 2
  auto enter = [&](int level, const std::string& title, size_t line) {
    if (level < 2) {
      stack.clear();
      return;
    }
    stack.resize(level - 2);  // a skipped level leaves an empty path element
    stack.push_back(title);
    std::string path;
    for (const std::string& h : stack) path += (path.empty() ? "" : " > ") + h;
    doc.headings.push_back(path);
    doc.heading_lines.push_back(line);
  };
  auto current = [&] {
    std::string path;
    for (const std::string& h : stack) path += (path.empty() ? "" : " > ") + h;
    return path;
  };
  bool fenced = false;
  for (size_t i = 0; i < L.size(); ++i) {
    const std::string t = Trim(L[i]);
    if (t.rfind("```", 0) == 0) {
      fenced = !fenced;
      continue;
    }
    if (fenced) continue;
    if (t.rfind("#", 0) == 0) {
      size_t level = t.find_first_not_of('#');
      if (level != std::string::npos && t[level] == ' ') {
        enter(static_cast<int>(level), Trim(t.substr(level)), i);
        continue;
      }
    }
    if (!t.empty() && !IsTableLine(t) && i + 1 < L.size() && (IsRule(L[i + 1], '-') || IsRule(L[i + 1], '='))) {
      enter(IsRule(L[i + 1], '=') ? 1 : 2, t, i);
      ++i;
      continue;
    }
    if (!IsTableLine(t)) continue;
    SpecTable table;
    table.heading = current();
    table.index = static_cast<int>(doc.Under(table.heading).size());
    table.line = i;
    table.columns = SplitCells(L[i]);
    size_t j = i + 1;
    if (j < L.size() && IsTableLine(L[j])) ++j;  // the delimiter row
    for (; j < L.size() && IsTableLine(L[j]); ++j) {
      table.rows.push_back(SplitCells(L[j]));
      table.row_lines.push_back(j);
    }
    doc.tables.push_back(table);
    i = j - 1;
  }
  return doc;
}

}  // namespace sgz::internal::spec

#endif  // SGZ_TESTS_SPEC_TABLES_H_
