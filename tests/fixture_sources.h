// The committed fixtures (fixtures/) and their SOURCES.txt, for the tests that
// check that every later release reads them.
#ifndef SGZ_TESTS_FIXTURE_SOURCES_H_
#define SGZ_TESTS_FIXTURE_SOURCES_H_

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace sgz::internal::testing {

// The bytes of fixtures/PATH.
inline std::string Fixture(const std::string& path) { return ReadFile(SourceDir() + "/fixtures/" + path); }

// The lines of fixtures/DIR/SOURCES.txt that are not comments, split into
// their whitespace-separated fields.
inline std::vector<std::vector<std::string>> SourceLines(const std::string& dir) {
  std::istringstream sources(Fixture(dir + "/SOURCES.txt"));
  std::vector<std::vector<std::string>> out;
  std::string line;
  while (std::getline(sources, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string w; fields >> w;) f.push_back(w);
    out.push_back(std::move(f));
  }
  return out;
}

// Checks that each member of `archive`, in order, has the name and the
// bytes its line of DIR/SOURCES.txt ("ARCHIVE MEMBER SOURCE") gives; returns
// the number of lines.
inline uint32_t ExpectMembersAsSources(Archive& archive, const std::string& dir) {
  const Manifest& m = archive.manifest();
  uint32_t index = 0;
  for (const std::vector<std::string>& f : SourceLines(dir)) {
    const std::string member = f.size() > 1 ? f[1] : "", source = f.size() > 2 ? f[2] : "";
    if (index >= m.files.size()) {
      ADD_FAILURE() << dir << ": more sources than members";
      break;
    }
    EXPECT_EQ(m.files[index].name, member);
    Result<FileView*> v = archive.view(index);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    if (v.ok()) {
      StringSink sink;
      EXPECT_TRUE((*v)->Unpack(&sink).ok()) << member;
      EXPECT_TRUE(sink.out == Fixture(source)) << member;
    }
    ++index;
  }
  return index;
}

}  // namespace sgz::internal::testing

#endif  // SGZ_TESTS_FIXTURE_SOURCES_H_
