// The committed fixtures are exactly what the generator writes: no fixture is
// edited by hand, and regenerating them (build/make_fixtures fixtures) is a
// no-op unless the generator changed.
#include <gtest/gtest.h>

#include "fixture_set.h"
#include "test_util.h"

namespace sgz::internal {
namespace {

TEST(Fixtures, CommittedFilesMatchTheGenerator) {
  for (const fixtures::Fixture& f : fixtures::AllFixtures()) {
    SCOPED_TRACE(f.path);
    EXPECT_TRUE(testing::ReadFile(testing::SourceDir() + "/fixtures/" + f.path) == f.bytes)
        << "regenerate with: build/make_fixtures fixtures";
  }
}

TEST(Fixtures, ErrorListMatchesTheGenerator) {
  const std::string errors = testing::ReadFile(testing::SourceDir() + "/fixtures/invalid/ERRORS.txt");
  for (const fixtures::Fixture& f : fixtures::AllFixtures()) {
    if (f.expected_error.empty()) continue;
    EXPECT_NE(errors.find(f.path.substr(8) + ": " + f.expected_error + "\n"), std::string::npos) << f.path;
  }
}

}  // namespace
}  // namespace sgz::internal
