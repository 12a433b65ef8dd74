// The contract between format-spec/sgz-format.md and the code: one line per
// table of the spec (heading, index under the heading, check). CheckSpec runs
// all of them on a spec text and returns the problems; an empty list means
// every table agrees with the code.
#ifndef SGZ_TESTS_SPEC_CONTRACT_H_
#define SGZ_TESTS_SPEC_CONTRACT_H_

#include <functional>
#include <string>
#include <vector>

#include "spec_checker.h"

namespace sgz::internal::spec {

struct Contract {
  std::string heading;
  int index;
  std::function<void(const SpecDoc&, const SpecTable&, Report*)> check;
  // Checked against the code (false: prose, of which only the columns and
  // the number of rows are pinned).
  bool against_code;
};

const std::vector<Contract>& Contracts();

// Runs every contract on `text`. Also fails a heading whose number of tables
// differs from the contracts', and any table no contract covers.
Report CheckSpec(const std::string& text);

}  // namespace sgz::internal::spec

#endif  // SGZ_TESTS_SPEC_CONTRACT_H_
