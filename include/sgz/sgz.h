// The public C++ interface of the sgz library: read tensors, byte ranges and
// GGUF metadata out of .sgz archives of GGUF files without unpacking them,
// unpack, verify, and pack. The sgz command-line tool is built on this
// header alone: anything it does, a program can do.
//
// Nothing here throws: every fallible call returns an Error (or an
// ErrorOr<T> holding a value or an Error). Codes are coarse; the message
// names the structure, field, value and limit that failed.
//
// A Reader is not safe for concurrent use; open one Reader per thread (they
// may share the same archive file).
//
// The parts, each included here: sgz/error.h (Error, ErrorOr), sgz/io.h
// (sources, callbacks, OutputFile), sgz/gguf.h (tensors, metadata, plain
// GGUF files), sgz/verify.h (damage, VerifyFile) and sgz/names.h ("did you
// mean"). Programs include this header; each part also compiles alone.
//
// For C, see sgz/sgz_c.h.
#ifndef SGZ_PUBLIC_SGZ_H_
#define SGZ_PUBLIC_SGZ_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sgz/error.h"
#include "sgz/error_code.h"
#include "sgz/gguf.h"
#include "sgz/http.h"
#include "sgz/io.h"
#include "sgz/names.h"
#include "sgz/verify.h"

namespace sgz {

// The library version, "MAJOR.MINOR.PATCH".
const char* Version();

// The newest format version this library writes (it reads every 1.x and
// 2.x archive): 2.2. Each archive gets the lowest version that holds it: 2.2
// only for several GGUF members (metadata coded against another member's),
// 2.1 for one file with its mode and time; an archive that records no file
// mode or time (packed from standard input or memory) is written as 2.0,
// which 2.0 readers read.
struct FormatVersion {
  unsigned major = 0;
  unsigned minor = 0;
};
FormatVersion WrittenFormatVersion();

// zstd levels PackFileOptions accepts, and the library's defaults.
constexpr int kMinLevel = 1;
constexpr int kMaxLevel = 22;
constexpr int kDefaultLevel = 1;                       // tensor and opaque data
constexpr int kMaxPresetLevel = 19;                    // PackFileOptions::Max()
constexpr uint64_t kDefaultChunkSize = 4ull << 20;     // original bytes per chunk
constexpr uint64_t kMinChunkSize = 4096;               // smallest chunk size accepted

// The byte-shuffle code chosen for this CPU at run time: "avx2", "sse2" or
// "generic" (for diagnostics: it changes speed, never the archive).
const char* ShuffleImplementation();

// How much of the archive the Reader has touched so far.
struct ReadStats {
  uint64_t archive_size = 0;
  uint64_t bytes_read = 0;
  uint64_t read_calls = 0;
  uint64_t chunks_decoded = 0;
  uint64_t chunks_total = 0;
};

// Facts of the archive itself, from its header and manifest.
struct ArchiveInfo {
  FormatVersion format;       // of this archive
  uint64_t archive_size = 0;  // bytes (up to the footer it was opened at)
  uint64_t chunks = 0;        // chunks in the archive
  uint64_t checksum = 0;      // XXH3-64 of the whole original file
  // Bytes at the end of the file that were ignored: the file did not end in
  // a valid footer and manifest, and the archive was opened as it ends at
  // the last valid one before (as an add that was interrupted leaves it:
  // AppendFiles). 0 for an archive that ends as a writer left it.
  uint64_t ignored_bytes = 0;
};

// The archived file's permission bits and modification time as recorded at
// pack time (format 2.1; PackFile records them from the input file, nothing
// for standard input or a pipe). Each is absent (has_* false) when not
// recorded, as in every archive of format 2.0 or earlier.
struct FileAttributes {
  bool has_mode = false;
  uint32_t mode = 0;        // permission bits, at most 07777 (as in st_mode)
  bool has_mtime = false;
  int64_t mtime_sec = 0;    // seconds since 1970-01-01T00:00:00Z (may be negative)
  uint32_t mtime_nsec = 0;  // 0..999999999
};

// Original and stored bytes of one kind of stream over all chunks. Names:
// "<type>.<field>" ("Q4_K.qs"), "<type>.<field>.b<k>" for byte plane k
// ("F32.value.b3"), "<type>.tail" (bytes after the last whole block), "meta"
// (untransformed GGUF metadata) and "raw" (any other untransformed bytes).
struct StreamStat {
  std::string name;
  uint64_t original = 0;
  uint64_t stored = 0;
};

// One archived file (a member) of an archive; Reader::members() lists them.
struct MemberInfo {
  std::string name;             // a relative path, '/' between components ("zoo/x.gguf")
  uint64_t original_size = 0;   // bytes of the file
  uint64_t stored_size = 0;     // bytes of the chunks it references (headers included)
  uint64_t shared_size = 0;     // its bytes stored once, as copies of earlier chunks (format 2.1)
  uint64_t chunks = 0;          // chunks it references
  bool gguf = false;            // false: stored as opaque bytes (note says why)
  std::string note;
  uint64_t checksum = 0;        // XXH3-64 of the whole file
  FileAttributes attributes;    // as recorded at pack time
};

// How much decoded data a Reader keeps between calls (memory besides the
// chunks a call is decoding).
struct ReaderOptions {
  // Bytes of decoded chunks kept for later reads (a range's first and last
  // chunks, which the next small read of a sequential reader shares), and
  // half as much again for the parents of predicted chunks (format 2.3),
  // which every predicted member of a family reads. 0 keeps none.
  uint64_t cache_bytes = 32ull << 20;
};

// An open archive. Opening validates the header, footer and manifest
// (checksum first) and reads no chunk; every later read decodes only the
// chunks it needs and checks their checksums.
class Reader {
 public:
  // Opens the archive file at `path` ("-" is not standard input: an archive
  // is read at its end first, so it must be seekable; see UnpackTo and
  // VerifyFile for reading a stream). Errors carry `path` in path(); their
  // message names it only where the operating system's does ("x.sgz: No
  // such file or directory"), so "<path>: <message>" reads well for all.
  // An http:// or https:// URL is opened as OpenUrl(path, HttpDefaults()).
  static ErrorOr<Reader> Open(const std::string& path);
  static ErrorOr<Reader> Open(const std::string& path, const ReaderOptions& options);
  // Opens an archive held in memory. REQUIRES: data[0, size) outlives the
  // Reader.
  static ErrorOr<Reader> OpenMemory(const void* data, size_t size);
  // Opens an archive read through `source` (kInvalidArgument if null).
  static ErrorOr<Reader> Open(std::unique_ptr<Source> source);
  // Opens the archive at an http:// or https:// URL with range requests
  // (sgz/http.h): two requests, then one per read of adjacent chunks.
  static ErrorOr<Reader> OpenUrl(const std::string& url, const HttpOptions& options = HttpOptions());

  Reader(Reader&& other) noexcept;
  Reader& operator=(Reader&& other) noexcept;
  ~Reader();
  // A moved-from Reader may only be destroyed or assigned to.

  // Worker threads used to decode (0 = all cores, 1 = the calling thread).
  void set_threads(unsigned threads);

  // False when the archived file was packed as opaque bytes (it was not a
  // GGUF file the packer could parse); note() then says why, and tensors()
  // is empty. Byte ranges, Unpack and Verify work either way.
  bool is_gguf() const;
  const std::string& note() const;
  // The name recorded at pack time (the input's base name), may be empty.
  const std::string& file_name() const;
  // Bytes of the original file.
  uint64_t original_size() const;
  // Mode and modification time recorded at pack time (none before 2.1).
  const FileAttributes& file_attributes() const;
  // Format version, size, chunk count and checksum of the archive.
  ArchiveInfo archive_info() const;
  // GGUF header facts; all zero and empty when !is_gguf().
  const GgufInfo& gguf() const;
  // Tensors in the order of the GGUF header.
  const std::vector<TensorInfo>& tensors() const;
  // The tensor called `name`, or kNotFound whose message suggests close
  // names. The pointer lives as long as the Reader.
  ErrorOr<const TensorInfo*> FindTensor(const std::string& name) const;

  // The GGUF metadata key/value pairs in file order, decoded from the
  // chunks holding the GGUF header (read on the first call and kept: a few
  // small reads, memory the size of the header). kInvalidArgument when
  // !is_gguf().
  ErrorOr<std::vector<MetadataEntry>> Metadata(const MetadataLimits& limits = MetadataLimits());
  // Original and stored bytes per stream name, sorted by name, from every
  // chunk header (one small read per chunk; no payload is decoded). Names
  // whose streams held no bytes (an empty tail) are listed too.
  ErrorOr<std::vector<StreamStat>> StreamStats();

  // Copies the payload of tensor `name`, byte for byte as it stands in the
  // original file, into dst[0, size). kNotFound for an unknown name,
  // kInvalidArgument when capacity < the tensor's size.
  Error ReadTensor(const std::string& name, void* dst, size_t capacity);
  // Copies original bytes [offset, offset + length) into dst.
  // kInvalidArgument when the range is not inside the original file.
  Error ReadRange(uint64_t offset, uint64_t length, void* dst);
  // The same, handed to `write` in order, one chunk's worth at a time, so
  // memory stays bounded by the chunk size whatever the length. The range
  // is checked before `write` is first called.
  Error ReadRangeTo(uint64_t offset, uint64_t length, const WriteCallback& write);
  Error ReadTensorTo(const std::string& name, const WriteCallback& write);
  // Writes the original file to `out_path` ("-" is standard output). The
  // file appears only when complete and verified, with the recorded
  // file_attributes() (as UnpackOptions::restore_attributes); without `overwrite` an
  // existing file is an error (kInvalidArgument) and is left alone. The
  // file this reader was opened from (Open(path)) is refused as `out_path`,
  // whatever `overwrite` says (CheckOutputNotInput).
  Error Unpack(const std::string& out_path, bool overwrite, const ProgressCallback& progress = nullptr);
  // Hands the whole original file to `write` in order, verifying every
  // chunk checksum and, at the end, the whole-file checksum (so the bytes
  // already handed over are only known good when this returns ok).
  Error Unpack(const WriteCallback& write, const ProgressCallback& progress = nullptr);
  // Decodes the whole archive, checking every chunk checksum and the
  // whole-file checksum, and discards the bytes.
  Error Verify(const ProgressCallback& progress = nullptr);
  // Decodes the whole file like Unpack(write) (`write` may be null: the bytes
  // are discarded) but does not stop at a chunk that fails its checks
  // (corrupt or checksum mismatch): the chunk goes to `damaged` (may be
  // null), its bytes are not handed to `write`, and the pass goes on, so one
  // call finds every damaged chunk. `write` and `damaged` are called in file
  // order, on the calling thread. Returns ok when every chunk and the
  // whole-file checksum are intact; else, after the whole pass, the first
  // damaged chunk's error (the whole-file checksum is checked only when no
  // chunk was damaged). Errors of the source (I/O), of `write` or of
  // `damaged` stop the pass and are returned.
  Error VerifyAll(const DamageCallback& damaged, const WriteCallback& write = nullptr,
                  const ProgressCallback& progress = nullptr);

  // Every member of the archive, in the order of its file table (sgz pack
  // writes them sorted by name). An archive packed from one file has one
  // member. A Reader opened by Open() or OpenMemory() reads member 0; its
  // name is file_name().
  const std::vector<MemberInfo>& members() const;
  // A Reader of the member called `name` (exactly; kNotFound, suggesting a
  // close name, when there is none): every method above then acts on that
  // member (tensors(), ReadRange, Unpack, Verify...; archive_info().checksum
  // is the member's). It shares this Reader's archive source and chunk
  // cache, which live as long as the last Reader sharing them: stats()
  // counts the reads of all of them, and Readers sharing an archive must
  // not be used concurrently (open the archive again for another thread).
  ErrorOr<Reader> OpenMember(const std::string& name) const;

  ReadStats stats() const;

 private:
  struct Impl;
  explicit Reader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct PackFileOptions {
  int level = kDefaultLevel;              // zstd level of tensor (and opaque) data, 1..22
  int meta_level = 0;                     // zstd level of GGUF metadata; 0: max(level, 9)
  uint64_t chunk_size = kDefaultChunkSize;  // original bytes per chunk (target)
  unsigned threads = 0;                   // worker threads, 0 = all cores
  bool overwrite = false;                 // replace an existing output
  // Several members: a quantized tensor with a float parent (same name and
  // shape) in an earlier member is stored as its difference from the quants
  // predicted from the parent (format 2.3).
  bool predict = true;
  // With predict: the K types' block scales predicted too, by re-running
  // their scale search on the parent (with an importance matrix member of
  // the archive where that matches); smaller, slower to read. Scales whose
  // search is a formula (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) are always predicted.
  bool predict_scales = false;
  std::string parent;   // not empty: the member every parent is taken from
  std::string imatrix;  // not empty: the member importance is taken from
  // The newest minor version of format 2 written: 5 (predicted Q6_K blocks'
  // scales stored against an estimate), 4 (quantized blocks and float values
  // coded with what the decoder already knows: transform 5, codec 2) or 3
  // (archives that readers of format 2.3 read).
  int format_minor = 5;
  ProgressCallback progress;              // optional

  // Presets: level 1 everywhere (fastest), level 19 everywhere and every
  // predicted tensor's scales predicted too (smallest).
  static PackFileOptions Fast();
  static PackFileOptions Max();
};

// One member PackFiles wrote.
struct PackedMember {
  std::string name;
  uint64_t original_size = 0;
  uint64_t stored_size = 0;  // its chunks' bytes (the whole archive for a one-file pack)
  // Its original bytes written as copies of earlier chunks (stored once).
  uint64_t shared_size = 0;
  // Blocks of its quantized tensors stored as predicted (format 2.3); of
  // those, the blocks whose scales were predicted, whose scales the
  // prediction hit, and whose quants it hit.
  uint64_t predicted_blocks = 0;
  uint64_t scale_blocks = 0;
  uint64_t scales_hit = 0;
  uint64_t quants_hit = 0;
  bool gguf = false;
  std::string notice;        // why it was packed as opaque bytes, or empty
};

struct PackSummary {
  uint64_t original_size = 0;
  uint64_t archive_size = 0;
  uint64_t chunks = 0;
  bool gguf = false;   // false: packed as opaque bytes; notice says why
  std::string notice;
  std::vector<StreamStat> streams;  // as Reader::StreamStats() reports them
  std::vector<PackedMember> members;  // filled by PackFiles only
  uint64_t shared_size = 0;  // original bytes of all copy chunks (several members)
};

// kInvalidArgument, with the limit in the message, for options PackFile
// would refuse (level, meta_level, chunk_size out of range).
Error ValidatePackOptions(const PackFileOptions& options);

// kInvalidArgument ("refusing to write over an input", path() the output)
// when writing `out` would replace or append to the file `in`: both are the
// same regular file (same device and inode, so a hard link or a path through
// a symlink counts). "-" stands for the file open on standard input (`in`)
// or standard output (`out`). Ok otherwise, also when either does not
// exist. PackFile and UnpackFile check this before anything is written,
// whatever `overwrite` says; callers writing an OutputFile from a Reader
// (one tensor, a range) call it themselves.
Error CheckOutputNotInput(const std::string& in, const std::string& out);

// Packs the file `in` ("-" is standard input) into the archive `out` ("-" is
// standard output). The input is read once, in order (a pipe is fine); the
// output appears only when complete. Checks, in order: options
// (kInvalidArgument), the output is not the input (CheckOutputNotInput), the
// input opens, the output does not exist unless overwrite. *summary, when
// given, is filled on success. The mode and modification time of a regular
// input file (from fstat of the open file) are recorded in the archive
// (Reader::file_attributes()); standard input and pipes record none.
Error PackFile(const std::string& in, const std::string& out, const PackFileOptions& options = PackFileOptions(),
               PackSummary* summary = nullptr);

// A file to pack and the name of its member.
struct PackInput {
  std::string path;
  std::string name;
};

// The members PackFiles makes of `inputs` (files and directories), sorted
// by name (bytes): a file is named by its last path component, a directory
// by its last component followed by '/' and the path below it ("." and
// ".." by the directory's own name); directories are recursed in full
// (empty ones leave no trace). A symbolic link given in `inputs` is
// followed; one found inside a directory is not. kInvalidArgument, naming
// the path, for anything that is not a regular file or a directory (a
// symbolic link inside a directory, a pipe, a device), "-", a name that breaks the member name rules (spec:
// "Member names"), two inputs with one name, a name that is both a file and
// the directory of another ("a", "a/b"), nothing to pack, or more than
// 65536 files; kIoError for what cannot be read.
ErrorOr<std::vector<PackInput>> ListPackInputs(const std::vector<std::string>& inputs);

// Packs files and directories into the archive `out` ("-": standard
// output), one member each as ListPackInputs names them, in that order.
// One input that is not a directory (a file, "-", a pipe) is exactly
// PackFile (the same archive, byte for byte, the same errors); anything else is checked whole (ListPackInputs, then that the
// output is none of the inputs) before the output is created. *summary:
// as PackFile's, with members filled.
Error PackFiles(const std::vector<std::string>& inputs, const std::string& out,
                const PackFileOptions& options = PackFileOptions(), PackSummary* summary = nullptr);

struct AppendOptions {
  // level, meta_level, chunk_size, threads and progress as for PackFiles
  // (overwrite is unused). Chunks of the new members are shared with the
  // archive's only where they are cut alike: use the chunk size the archive
  // was packed with (the default, unless chosen otherwise).
  PackFileOptions pack;
  // A member whose name is already in the archive replaces the old one
  // (otherwise: kInvalidArgument, nothing written).
  bool replace = false;
};

struct AppendSummary {
  uint64_t old_size = 0;       // archive bytes before (a dropped tail not counted)
  uint64_t archive_size = 0;   // archive bytes after
  uint64_t dropped_bytes = 0;  // the tail of an interrupted add, removed first
  uint64_t original_size = 0;  // bytes of the members added
  uint64_t chunks = 0;         // chunks written (copies included)
  uint64_t shared_size = 0;    // original bytes of those written as copies of chunks already stored
  std::vector<PackedMember> members;  // the members added, in the order of the file table
  std::vector<std::string> replaced;  // members whose old file was dropped (AppendOptions::replace)
  std::vector<StreamStat> streams;    // of the chunks written
  FormatVersion format;               // of the archive after
};

// Adds files and directories (members named as PackFiles names them) to
// the existing archive file `archive`, without rewriting its chunks: their
// chunks, a new manifest of all members (the archive's, then the new ones)
// and a new footer are appended; a chunk equal to one already stored
// becomes a copy of it. Refused before anything is written
// (kInvalidArgument, path() the archive unless an input is at fault):
// "-" as archive or input, an archive that is not a regular file, an input
// that is the archive, a member name already in the archive (unless
// options.replace) or that is the directory of another member's ("a",
// "a/b"), a one-file archive whose file has no name (packed from standard
// input); kNotSupported for a format 1.x archive; what Reader::Open refuses.
// Safe against interruption: on an error (a full disk, a file-size limit,
// an input that cannot be read) the archive is truncated back to what it
// was; so it is on SIGINT, SIGTERM and SIGHUP once InstallOutputCleanup()
// ran; after a crash, readers open the archive as it was before the add
// (ArchiveInfo::ignored_bytes) and the next AppendFiles removes the tail
// first. The new version becomes visible at the end, once synced to disk.
// Another process adding to the same archive at the same time is refused.
Error AppendFiles(const std::string& archive, const std::vector<std::string>& inputs,
                  const AppendOptions& options = AppendOptions(), AppendSummary* summary = nullptr);

struct UnpackOptions {
  bool overwrite = false;  // replace an existing output
  unsigned threads = 0;    // worker threads, 0 = all cores
  ProgressCallback progress;
  // Gives an output file (not standard output, not a device) the recorded
  // file_attributes(): the rwx bits of the mode, applied exactly (no umask;
  // setuid, setgid and sticky are not restored, nor is the owner) and the
  // modification time, set after the last write. Archives without them
  // (format 2.0 and earlier, input packed from a pipe) leave the file as
  // created: mode 0666 less the umask, mtime now.
  bool restore_attributes = true;
  // From standard input ("-" as `in` of UnpackFile, UnpackTo): the member to
  // unpack, by name; empty: the only one. (A seekable archive's member is
  // opened with Reader::OpenMember instead.)
  std::string member;
};

struct UnpackSummary {
  bool streamed = false;  // read in one pass from standard input
  uint64_t ignored_bytes = 0;  // as ArchiveInfo::ignored_bytes (not streamed)
  // Archive reads (streamed: archive_size and read_calls are 0, bytes_read
  // is what was read in order, chunks_total == chunks_decoded).
  ReadStats reads;
  uint64_t original_size = 0;  // bytes written
  FileAttributes attributes;   // recorded in the archive (restored or not)
};

// Unpacks the archive `in` into `out`. "-" as `in` reads standard input in
// one pass (the archive need not be seekable); "-" as `out` is standard
// output. Checksums are verified; a file `out` appears only when complete.
// An `out` that is the file `in` is refused first (CheckOutputNotInput); a
// file `in` is opened before `out` is created. *summary, when given, is
// filled on success. An http(s) URL as `in` is UnpackUrl(in, out, options,
// HttpDefaults()).
Error UnpackFile(const std::string& in, const std::string& out, const UnpackOptions& options,
                 UnpackSummary* summary = nullptr);
Error UnpackFile(const std::string& in, const std::string& out, bool overwrite, unsigned threads = 0);
// Hands the original file of the archive `in` to `write` in order ("-" reads
// standard input in one pass, as UnpackFile does), verifying every chunk
// checksum as it goes and the whole-file checksum at the end: the bytes
// already handed over are only known good when this returns ok.
// options.overwrite is unused. An Error returned by `write` comes back
// unchanged; other errors carry `in` in path(). *summary, when given, is
// filled on success.
Error UnpackTo(const std::string& in, const WriteCallback& write, const UnpackOptions& options,
               UnpackSummary* summary = nullptr);
// UnpackFile from an http:// or https:// URL: range requests (http.parallel
// at a time when set), every chunk verified as it arrives; a server that
// ignores range requests has the whole body read once, in order, as from
// standard input (summary->streamed). Errors name the URL redacted.
Error UnpackUrl(const std::string& url, const std::string& out, const UnpackOptions& options,
                const HttpOptions& http, UnpackSummary* summary = nullptr);

// Restores members of the archive `in` read once, in order ("-": standard
// input; the archive need not be seekable), under the existing directory
// `dir`, creating sub-directories: all of them, or those `members` names (a
// member's name, or a directory of them: "zoo" or "zoo/"). Needs the member
// records that sgz 2.2 writes before each member's chunks (an archive of
// several members written by sgz 2.1 has none: NotSupported, give the file).
// The chunks before any record (an archive of one file, or the first file
// of one members were appended to) are one member named by the manifest at
// the end: written to a temporary file in `dir`, named (or, if not
// selected, removed) then. A stream that ends inside an interrupted append
// is Corrupt: only the archive file recovers the archive before it.
// Names are checked (relative, no '.', '..' or empty component, no NUL),
// no symbolic link below `dir` is followed, and without options.overwrite an
// existing file is never replaced. Each member is written to a temporary
// file beside its final name and renamed only once the whole archive, its
// manifest and the member's checksum have checked out; a failure removes
// them all (and the directories it created, when empty). Copies of earlier
// chunks are read back from those files, or decoded again from a spool of
// the stored chunks of members not selected (an unlinked temporary file of
// at most the archive's size). Memory: about the largest chunk per thread
// and the manifest, whatever the archive's size.
Error UnpackStreamMembers(const std::string& in, const std::string& dir, const std::vector<std::string>& members,
                          const UnpackOptions& options, UnpackSummary* summary = nullptr);

}  // namespace sgz

#endif  // SGZ_PUBLIC_SGZ_H_
