// The code's side of the spec's tables: every on-disk structure encoded by the
// real encoders with a distinct sentinel in each field (and what each field
// must read back as), and the id tables as the code knows them (found by
// probing the decoders, so an id counts as known only if the code accepts it).
#ifndef SGZ_TESTS_SPEC_CODE_H_
#define SGZ_TESTS_SPEC_CODE_H_

#include <string>
#include <vector>

#include "spec_checker.h"

namespace sgz::internal::spec {

// An encoded structure and the expected content of each of its fields.
struct Sample {
  std::string bytes;  // what the encoder wrote (may run past the structure)
  size_t length = 0;  // the structure's length, from the code's constants
  Scope scope;
};

// The version the spec must state in the header's and footer's major/minor
// rows. TODO(lead, after merging format2): once kFormatMajor is 2 this is
// kFormatMajor itself (the expression below already yields it); then replace
// the expression by kFormatMajor.
uint16_t SpecMajor();
uint16_t SpecMinor();

Sample FileHeaderSample();
Sample FooterSample();
Sample ChunkHeaderSample();       // the fixed part
Sample StreamDescriptorSample();  // descriptor 0
Sample ManifestFrameSample();     // tag, flags, body_size, body
Sample ChunkEntrySample();        // the first chunk entry of the manifest
// The 1.0 manifest body (chunk and file tables) as the walk over the 1.0
// appendix tables expects it: `bytes` is the body, `scope` its fields.
Sample ManifestBody10Sample();

// Id tables as rows of cells, first cell the id. Unassigned ids are given as
// ranges ("2-255", name "—").
std::vector<std::vector<std::string>> CodecRows();        // Id, Name, Since
std::vector<std::vector<std::string>> TransformRows();    // Id, Name, Since
std::vector<std::vector<std::string>> FileKindRows();     // Id, Name, Since
std::vector<std::vector<std::string>> GgmlTypeRows();     // every column
// The Limits table's rows: the Limit cell and the code's value.
struct Limit {
  std::string name;
  uint64_t value;
  std::string text;  // for a rule rather than a number: the exact Value cell
};
std::vector<Limit> Limits();

}  // namespace sgz::internal::spec

#endif  // SGZ_TESTS_SPEC_CODE_H_
