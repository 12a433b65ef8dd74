// Decode-only target for the GGUF reader: whatever the bytes, ParseGguf and
// ParseGgufHeader (input possibly incomplete) return a Status, never crash,
// never allocate more than the input justifies, and what they accept is
// self-consistent.
#include <cstddef>
#include <cstdint>

#include "streams/gguf_reader.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

// The regions of an accepted file are ordered, contiguous and cover it.
void CheckLayout(const sgz::internal::GgufLayout& layout, uint64_t size) {
  uint64_t pos = 0;
  for (const sgz::internal::Region& r : layout.regions) {
    Check(r.offset == pos);
    Check(r.size <= size - pos);
    if (r.kind == sgz::internal::RegionKind::kTensor || r.kind == sgz::internal::RegionKind::kPadding) {
      Check(r.tensor < layout.tensors.size());
    }
    pos += r.size;
  }
  Check(pos == size);
  Check(layout.header_size <= layout.data_offset);
  Check(layout.data_offset <= layout.data_end);
  Check(layout.data_end <= size);
  for (const sgz::internal::GgufTensor& t : layout.tensors) {
    Check(t.offset >= layout.data_offset);
    Check(t.size <= size && t.offset <= size - t.size);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sgz::internal::Result<sgz::internal::GgufLayout> whole = sgz::internal::ParseGguf(data, size);
  if (whole.ok()) CheckLayout(*whole, size);

  bool need_more = false;
  sgz::internal::Result<sgz::internal::GgufLayout> prefix = sgz::internal::ParseGgufHeader(data, size, /*at_eof=*/false, &need_more);
  // A header that parses as a whole file parses as a prefix too, and the
  // same way: the prefix parse only differs in asking for more bytes.
  if (whole.ok()) {
    Check(prefix.ok());
    Check(prefix->header_size == whole->header_size);
    Check(prefix->tensors.size() == whole->tensors.size());
  }
  if (prefix.ok()) Check(!need_more);
  return 0;
}
