// The code's side of the spec's tables: every on-disk structure encoded by the
// real encoders with a distinct sentinel in each field (and what each field
// must read back as), and the id tables as the code knows them (found by
// probing the decoders, so an id counts as known only if the code accepts it).
#ifndef SGZ_TESTS_SPEC_CODE_H_
#define SGZ_TESTS_SPEC_CODE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "spec_checker.h"

namespace sgz::internal::spec {

// An encoded structure and the expected content of each of its fields.
struct Sample {
  std::string bytes;  // what the encoder wrote (may run past the structure)
  size_t length = 0;  // the structure's length, from the code's constants
  Scope scope;
  std::string error;  // set when the code could not give the sample (a fixture it cannot read)
};

// The version the spec must state in the header's and footer's major/minor rows.
uint16_t SpecMajor();
uint16_t SpecMinor();

Sample FileHeaderSample();
Sample FooterSample();
Sample PredictParamsSample();     // EncodePredictParams (transform 4's stream 0)
Sample ChunkHeaderSample();       // the fixed part
Sample StreamDescriptorSample();  // descriptor 0
Sample MemberRecordSample();      // MemberRecord::EncodeTo: the 20-byte header, then the content

// The manifest (spec_code_manifest.cc). The sample manifest has three chunks, a
// GGUF file with two tensors and an opaque file, each field a sentinel.
Sample ManifestFrameSample();   // tag, flags, body_size, body: Manifest::EncodeTo
Sample ChunkEntrySample();      // the first chunk entry Manifest::EncodeTo writes
Sample SectionHeaderSample();   // SectionHeader::EncodeTo
// Each section of the manifests the code writes, in body order: the plain
// one (Manifest::EncodeTo: CHNK, FILE, MEMB: the sample has two files), then the compressed one
// (EncodeCompressedTo: ZSEC): its header (fields as SectionHeader::DecodeFrom
// reads them) and content (fields as the sample manifest has them).
struct SectionSample {
  std::string tag;     // the four bytes
  std::string header;  // 16 bytes
  Scope header_scope;
  std::string content;
  Scope scope;
};
std::vector<SectionSample> SectionsSample();
// The 1.0 manifest: each archive of fixtures/format-1.0 (sgz 0.1.0's output)
// with the values the code's 1.0 decoder reads from it; the bodies also begin
// with the sample manifest as tests/manifest_builder.h writes it in 1.0.
std::vector<Sample> ManifestFrames10Sample();
std::vector<Sample> ManifestBodies10Sample();  // the bodies: chunk and file tables

// Id tables as rows of cells, first cell the id. Unassigned ids are given as
// ranges ("2-255", name "—").
std::vector<std::vector<std::string>> CodecRows();        // Id, Name, Since
std::vector<std::vector<std::string>> TransformRows();    // Id, Name, Since
std::vector<std::vector<std::string>> FileKindRows();     // Id, Name, Since
std::vector<std::vector<std::string>> GgmlTypeRows();     // every column
// Sections the writer writes: Tag, Required (the flag, and the decoder refuses
// the manifest without it), Since.
std::vector<std::vector<std::string>> SectionRows();
// Section flag bits: Bit, Name; a bit is reserved when the decoder refuses it.
std::vector<std::vector<std::string>> SectionFlagRows();
// File attribute flag bits (attr_flags): Bit, Name; a bit is reserved when
// the decoder refuses it in a 2.1 archive.
std::vector<std::vector<std::string>> AttributeFlagRows();
// The Limits table's rows: the Limit cell and the code's value.
struct Limit {
  std::string name;
  uint64_t value;
  std::string text;  // for a rule rather than a number: the exact Value cell
};
std::vector<Limit> Limits();

// For spec_code*.cc.
std::string Le(uint64_t v, int width);  // v as `width` little-endian bytes
inline const uint8_t* U8(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// A field named by the code's member, so that the name the spec must use is
// the member's (a renamed member renames the expectation).
#define SGZ_FIELD(obj, member) \
  { #member, Int(static_cast<uint64_t>((obj).member)) }
#define SGZ_FIELD_BYTES(obj, member) \
  { #member, Bytes((obj).member) }
#define SGZ_FIELD_STATED(obj, member, stated) \
  { #member, Stated(static_cast<uint64_t>((obj).member), stated) }

}  // namespace sgz::internal::spec

#endif  // SGZ_TESTS_SPEC_CODE_H_
