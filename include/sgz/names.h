// "Did you mean": the names closest to one a person typed. The library uses
// it for unknown tensor names (Reader::FindTensor's message), the sgz
// command line for mistyped commands and options.
#ifndef SGZ_PUBLIC_NAMES_H_
#define SGZ_PUBLIC_NAMES_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sgz {

// The Levenshtein distance of a and b: the fewest single-byte insertions,
// deletions and substitutions that turn one into the other.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidates within max_distance edits of name, nearest first; equally
// near ones keep the order they were given in. Empty when none is that near.
std::vector<std::string> ClosestNames(std::string_view name, const std::vector<std::string>& candidates,
                                      size_t max_distance);

}  // namespace sgz

#endif  // SGZ_PUBLIC_NAMES_H_
