// Pieces of the manifest shared by the format 1.0 manifest (manifest_v1.cc),
// the format 2 tables (manifest.cc) and the sections around them
// (manifest_sections.cc). Internal to src/container.
#ifndef SGZ_CONTAINER_MANIFEST_INTERNAL_H_
#define SGZ_CONTAINER_MANIFEST_INTERNAL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/coding.h"
#include "common/status.h"
#include "container/format.h"

namespace sgz::internal {

// Corruption "manifest: <what>".
Status ManifestError(const std::string& what);

// Decodes and validates the first 32 bytes of chunk entry `index` from p
// (the rules of the spec's "Chunk entry"; in format 2 also the upper bound
// on stored_size). `prev` is the entry before it, or nullptr.
Status DecodeChunkEntry(const uint8_t* p, uint32_t index, FormatVersion version, uint64_t limit_offset,
                        const ChunkEntry* prev, ChunkEntry* out);

// Decodes file entry `index` from *r: in format 1 the rest of the body (the
// entry's end is where its fields end), in format 2 exactly the entry's
// entry_size bytes (bytes after the known fields are left unread for the
// caller to skip). `chunks` is the decoded chunk table.
Status DecodeFileEntry(ByteReader* r, uint32_t index, FormatVersion version, const std::vector<ChunkEntry>& chunks,
                       FileEntry* out);

// Content of section CHNK (the chunk table): encoded as the 2.0 writer
// writes it, and decoded by the rules of the spec's "Chunk table" into
// m->chunks.
void EncodeChunkTable(const Manifest& m, std::string* dst);
Status DecodeChunkTable(const uint8_t* p, uint64_t n, uint64_t limit_offset, FormatVersion version, Manifest* m);

// Content of section FILE (the file table) into m->files; m->chunks must be
// decoded already (file entries reference chunks).
void EncodeFileTable(const Manifest& m, std::string* dst);
Status DecodeFileTable(const uint8_t* p, uint64_t n, FormatVersion version, Manifest* m);

// A section tag for messages: its four bytes in quotes, escaped when not
// printable ("'CHNK'").
std::string TagName(uint32_t tag);

// The body of a format 1.0 manifest (after the 16-byte frame header).
Result<Manifest> DecodeManifestV1(const uint8_t* p, size_t n, uint64_t limit_offset, FormatVersion version);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_MANIFEST_INTERNAL_H_
