// sgz/names.h: the edit distance and the "did you mean" list that the
// library's tensor messages and the command line's suggestions share.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sgz/sgz.h"

namespace {

TEST(Names, EditDistanceCountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(sgz::EditDistance("", ""), 0u);
  EXPECT_EQ(sgz::EditDistance("pack", "pack"), 0u);
  EXPECT_EQ(sgz::EditDistance("", "pack"), 4u);
  EXPECT_EQ(sgz::EditDistance("pack", ""), 4u);
  EXPECT_EQ(sgz::EditDistance("unpak", "unpack"), 1u);   // insertion
  EXPECT_EQ(sgz::EditDistance("lss", "ls"), 1u);         // deletion
  EXPECT_EQ(sgz::EditDistance("verfy", "verify"), 1u);
  EXPECT_EQ(sgz::EditDistance("cat", "cot"), 1u);        // substitution
  EXPECT_EQ(sgz::EditDistance("pakc", "pack"), 2u);      // a swap is two edits
  EXPECT_EQ(sgz::EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(sgz::EditDistance("sitting", "kitten"), 3u);
  EXPECT_EQ(sgz::EditDistance(std::string("a\0b", 3), std::string("a\0c", 3)), 1u);  // bytes, not C strings
}

TEST(Names, ClosestNamesAreTheNearOnesNearestFirstInTheGivenOrderOnTies) {
  const std::vector<std::string> commands = {"pack", "unpack", "ls", "cat", "info", "verify"};
  EXPECT_EQ(sgz::ClosestNames("unpak", commands, 2), (std::vector<std::string>{"unpack"}));  // "pack": 3
  EXPECT_EQ(sgz::ClosestNames("upack", commands, 1), (std::vector<std::string>{"pack", "unpack"}));
  EXPECT_EQ(sgz::ClosestNames("pakc", commands, 2), (std::vector<std::string>{"pack"}));
  EXPECT_EQ(sgz::ClosestNames("pakc", commands, 1), std::vector<std::string>());
  EXPECT_EQ(sgz::ClosestNames("frobnicate", commands, 2), std::vector<std::string>());
  EXPECT_EQ(sgz::ClosestNames("pack", commands, 0), (std::vector<std::string>{"pack"}));
  // Equally near names keep the candidates' order; "ac" is two edits from "ca".
  EXPECT_EQ(sgz::ClosestNames("xs", commands, 1), (std::vector<std::string>{"ls"}));
  EXPECT_EQ(sgz::ClosestNames("ca", {"cb", "ac", "ca_"}, 1), (std::vector<std::string>{"cb", "ca_"}));
  EXPECT_EQ(sgz::ClosestNames("ca", {"ca_", "cb"}, 1), (std::vector<std::string>{"ca_", "cb"}));
  EXPECT_EQ(sgz::ClosestNames("x", {}, 5), std::vector<std::string>());
}

}  // namespace
