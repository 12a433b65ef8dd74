// The public spelling helpers of sgz/names.h, in the lowest layer so that
// the container (tensor names) and the command line share one distance.
#include "sgz/names.h"

#include <algorithm>

namespace sgz {

size_t EditDistance(std::string_view a, std::string_view b) {
  // One row of the dynamic-programming table, updated in place.
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::vector<std::string> ClosestNames(std::string_view name, const std::vector<std::string>& candidates,
                                      size_t max_distance) {
  std::vector<std::pair<size_t, const std::string*>> close;
  for (const std::string& c : candidates) {
    const size_t d = EditDistance(name, c);
    if (d <= max_distance) close.push_back({d, &c});
  }
  std::stable_sort(close.begin(), close.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  out.reserve(close.size());
  for (const auto& c : close) out.push_back(*c.second);
  return out;
}

}  // namespace sgz
