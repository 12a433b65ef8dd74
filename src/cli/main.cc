// sgz command-line tool: a thin layer over the sgz library.
#include <cxxopts.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "container/io.h"
#include "container/reader.h"
#include "container/stream_reader.h"
#include "container/writer.h"
#include "streams/ggml_types.h"

namespace sgz {
namespace {

constexpr const char* kVersion = "0.1.0";

enum ExitCode { kExitOk = 0, kExitUsage = 1, kExitCorrupt = 2, kExitIO = 3, kExitUnsupported = 4 };

int ExitFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk: return kExitOk;
    case Status::Code::kInvalidArgument: case Status::Code::kNotFound: return kExitUsage;
    case Status::Code::kCorruption: case Status::Code::kChecksumMismatch: return kExitCorrupt;
    case Status::Code::kNotSupported: return kExitUnsupported;
    case Status::Code::kIOError: case Status::Code::kResourceExhausted: return kExitIO;
  }
  return kExitIO;
}

int Fail(const std::string& file, const Status& s) {
  fprintf(stderr, "sgz: %s: %s\n", file.c_str(), s.ToString().c_str());
  return ExitFor(s);
}

int Usage(const std::string& message) {
  fprintf(stderr, "sgz: %s (see 'sgz --help')\n", message.c_str());
  return kExitUsage;
}

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string Shape(const TensorEntry& t) {
  std::string s = "[";
  for (uint32_t d = 0; d < t.n_dims; ++d) s += (d ? ", " : "") + std::to_string(t.ne[d]);
  return s + "]";
}

double Ratio(uint64_t a, uint64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); }

int CmdPack(const cxxopts::ParseResult& r, const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("pack takes one input file");
  const std::string in = args[0];
  std::string out;
  if (r.count("stdout")) {
    out = "-";
  } else if (r.count("output")) {
    out = r["output"].as<std::string>();
  } else if (in == "-") {
    return Usage("packing standard input needs -o OUT or -c");
  } else {
    out = in + ".sgz";
  }
  PackOptions options;
  if (r.count("fast") + r.count("max") + r.count("level") > 1) return Usage("give one of -l, --fast, --max");
  options.level = r["level"].as<int>();
  options.meta_level = std::max(options.level, kDefaultMetaLevel);
  if (r.count("fast")) options.level = options.meta_level = kMinLevel;
  if (r.count("max")) options.level = options.meta_level = kMaxPresetLevel;
  if (options.level < kMinLevel || options.level > kMaxLevel) options.meta_level = options.level;  // reported below
  options.chunk_size = r["chunk-size"].as<uint64_t>() * 1024;
  options.name = in == "-" ? "" : BaseName(in);
  options.threads = r["threads"].as<unsigned>();
  Status s = ValidatePackOptions(options);
  if (!s.ok()) return Usage(s.message());
  Result<std::unique_ptr<InputStream>> input = OpenInputStream(in);
  if (!input.ok()) return Fail(in, input.status());
  Result<std::unique_ptr<OutputFile>> file = OutputFile::Create(out, r.count("force") > 0);
  if (!file.ok()) return Fail(out, file.status());
  PackStats stats;
  s = Pack(input->get(), options, file->get(), &stats);
  if (s.ok()) s = (*file)->Commit();
  if (!s.ok()) return Fail(out, s);
  const bool quiet = r.count("quiet") > 0;
  if (!stats.notice.empty() && !quiet) fprintf(stderr, "sgz: %s: notice: %s\n", in.c_str(), stats.notice.c_str());
  if (!quiet) {
    fprintf(stderr, "%s: %llu -> %llu bytes (ratio %.4f), %llu chunks\n", out.c_str(),
            static_cast<unsigned long long>(stats.original_size), static_cast<unsigned long long>(stats.archive_size),
            Ratio(stats.original_size, stats.archive_size), static_cast<unsigned long long>(stats.chunks));
  }
  if (r.count("stats")) {
    printf("%-22s %14s %14s %8s\n", "stream", "original", "stored", "ratio");
    for (const auto& [name, t] : stats.streams) {
      printf("%-22s %14llu %14llu %8.4f\n", name.c_str(), static_cast<unsigned long long>(t.raw),
             static_cast<unsigned long long>(t.stored), Ratio(t.raw, t.stored));
    }
    printf("%-22s %14llu %14llu %8.4f\n", "total (archive)", static_cast<unsigned long long>(stats.original_size),
           static_cast<unsigned long long>(stats.archive_size), Ratio(stats.original_size, stats.archive_size));
  }
  return kExitOk;
}

Result<std::unique_ptr<Archive>> OpenArchive(const std::string& path, const cxxopts::ParseResult& r) {
  SGZ_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> src, OpenFileSource(path));
  SGZ_ASSIGN_OR_RETURN(std::unique_ptr<Archive> archive, Archive::Open(std::move(src)));
  archive->set_threads(r["threads"].as<unsigned>());
  return archive;
}

void PrintReadStats(Archive& a) {
  fprintf(stderr, "read %llu of %llu archive bytes in %llu reads, decoded %llu of %zu chunks\n",
          static_cast<unsigned long long>(a.source().bytes_read()), static_cast<unsigned long long>(a.source().Size()),
          static_cast<unsigned long long>(a.source().read_calls()), static_cast<unsigned long long>(a.chunks_decoded()),
          a.manifest().chunks.size());
}

std::string DefaultUnpackName(const std::string& in) {
  const std::string ext = ".sgz";
  if (in.size() > ext.size() && in.compare(in.size() - ext.size(), ext.size(), ext) == 0) {
    return in.substr(0, in.size() - ext.size());
  }
  return "";
}

int CmdUnpack(const cxxopts::ParseResult& r, const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("unpack takes one archive");
  const std::string in = args[0];
  std::string out;
  if (r.count("stdout")) {
    out = "-";
  } else if (r.count("output")) {
    out = r["output"].as<std::string>();
  } else if (in == "-") {
    return Usage("unpacking standard input needs -o OUT or -c");
  } else {
    out = DefaultUnpackName(in);
    if (out.empty()) return Usage(in + ": name does not end in .sgz; give the output with -o");
  }
  Result<std::unique_ptr<OutputFile>> file = OutputFile::Create(out, r.count("force") > 0);
  if (!file.ok()) return Fail(out, file.status());
  if (in == "-") {
    // Standard input is not seekable: decode in order as the bytes arrive.
    std::unique_ptr<InputStream> input = NewFdInputStream(0, "<stdin>");
    StreamUnpackStats stats;
    Status s = UnpackStream(input.get(), file->get(), &stats, r["threads"].as<unsigned>());
    if (!s.ok()) return Fail(in, s);
    s = (*file)->Commit();
    if (!s.ok()) return Fail(out, s);
    if (r.count("stats")) {
      fprintf(stderr, "read %llu archive bytes sequentially, decoded %llu chunks, wrote %llu bytes\n",
              static_cast<unsigned long long>(stats.archive_bytes), static_cast<unsigned long long>(stats.chunks),
              static_cast<unsigned long long>(stats.original_bytes));
    }
    return kExitOk;
  }
  Result<std::unique_ptr<Archive>> archive = OpenArchive(in, r);
  if (!archive.ok()) return Fail(in, archive.status());
  Status s = (*archive)->Unpack(file->get());
  if (!s.ok()) return Fail(in, s);
  s = (*file)->Commit();
  if (!s.ok()) return Fail(out, s);
  if (r.count("stats")) PrintReadStats(**archive);
  return kExitOk;
}

// "OFFSET:LENGTH", decimal or 0x-hex.
bool ParseRange(const std::string& text, uint64_t* offset, uint64_t* length) {
  size_t colon = text.find(':');
  if (colon == std::string::npos) return false;
  try {
    size_t used = 0;
    const std::string a = text.substr(0, colon), b = text.substr(colon + 1);
    if (a.empty() || b.empty() || a[0] == '-' || b[0] == '-') return false;
    *offset = std::stoull(a, &used, 0);
    if (used != a.size()) return false;
    *length = std::stoull(b, &used, 0);
    return used == b.size();
  } catch (const std::exception&) {
    return false;
  }
}

int CmdCat(const cxxopts::ParseResult& r, const std::vector<std::string>& args) {
  const bool by_range = r.count("range") > 0;
  if (args.size() != (by_range ? 1u : 2u)) return Usage("cat takes an archive and a tensor name, or an archive and --range OFFSET:LENGTH");
  uint64_t offset = 0, length = 0;
  if (by_range && !ParseRange(r["range"].as<std::string>(), &offset, &length)) {
    return Usage("--range wants OFFSET:LENGTH, got '" + r["range"].as<std::string>() + "'");
  }
  const std::string in = args[0];
  Result<std::unique_ptr<Archive>> archive = OpenArchive(in, r);
  if (!archive.ok()) return Fail(in, archive.status());
  if (!by_range) {
    Result<const TensorEntry*> t = (*archive)->FindTensor(args[1]);
    if (!t.ok()) return Fail(in, t.status());
    offset = (*t)->offset;
    length = (*t)->size;
  }
  const std::string out = r.count("output") ? r["output"].as<std::string>() : "-";
  Result<std::unique_ptr<OutputFile>> file = OutputFile::Create(out, out == "-" || r.count("force") > 0);
  if (!file.ok()) return Fail(out, file.status());
  Status s = (*archive)->WriteRange(offset, length, file->get());
  if (!s.ok()) return Fail(in, s);
  s = (*file)->Commit();
  if (!s.ok()) return Fail(out, s);
  if (r.count("stats")) PrintReadStats(**archive);
  return kExitOk;
}

int CmdLs(const cxxopts::ParseResult& r, const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("ls takes one archive");
  Result<std::unique_ptr<Archive>> archive = OpenArchive(args[0], r);
  if (!archive.ok()) return Fail(args[0], archive.status());
  const FileEntry& f = (*archive)->file();
  if (f.kind != EntryKind::kGguf) {
    printf("%s: not GGUF (%s): %llu bytes stored as opaque chunks\n", f.name.c_str(), f.note.c_str(),
           static_cast<unsigned long long>(f.original_size));
    return kExitOk;
  }
  printf("%-40s %-8s %-24s %12s %14s %14s %8s\n", "tensor", "type", "shape", "offset", "original", "stored", "ratio");
  for (const TensorEntry& t : f.tensors) {
    uint64_t stored = (*archive)->TensorStoredBytes(t);
    printf("%-40s %-8s %-24s %12llu %14llu %14llu %8.4f\n", t.name.c_str(), GgmlTypeName(t.type).c_str(),
           Shape(t).c_str(), static_cast<unsigned long long>(t.offset), static_cast<unsigned long long>(t.size), static_cast<unsigned long long>(stored), Ratio(t.size, stored));
  }
  printf("%zu tensors, GGUF v%u%s, %llu bytes\n", f.tensors.size(), f.gguf_version, f.big_endian ? " big-endian" : "",
         static_cast<unsigned long long>(f.original_size));
  return kExitOk;
}

const char* kHelp =
    "sgz: lossless, seekable archives for GGUF model files\n"
    "\n"
    "usage:\n"
    "  sgz pack IN [-o OUT | -c] [-l LEVEL | --fast | --max] [-f] [--stats]\n"
    "                                                  pack IN into OUT (default IN.sgz)\n"
    "  sgz unpack IN.sgz [-o OUT | -c] [-f]           restore the original (default: IN without .sgz)\n"
    "  sgz ls IN.sgz                                   list tensors with original and stored bytes\n"
    "  sgz cat IN.sgz TENSOR [-o FILE] [--stats]       write one tensor's bytes (default: stdout)\n"
    "  sgz cat IN.sgz --range OFFSET:LENGTH [-o FILE]  write a byte range of the original\n"
    "  IN may be - (standard input) for pack and unpack; -c writes to standard output\n"
    "\n"
    "examples:\n"
    "  sgz pack model.gguf                  # writes model.gguf.sgz\n"
    "  sgz unpack model.gguf.sgz -o copy.gguf\n"
    "  sgz ls model.gguf.sgz\n"
    "  sgz cat model.gguf.sgz blk.0.attn_q.weight -o q.bin\n"
    "  curl -s URL/model.gguf.sgz | sgz unpack - -o model.gguf\n"
    "\n"
    "exit codes: 0 ok, 1 usage, 2 corrupt or checksum mismatch, 3 I/O error, 4 unsupported version\n";

int Main(int argc, char** argv) {
  cxxopts::Options options("sgz", "");
  options.custom_help("COMMAND [OPTIONS] FILE");
  options.add_options()
      ("o,output", "output file", cxxopts::value<std::string>())
      ("l,level", "zstd level 1..22 of tensor streams (metadata: at least 9)",
       cxxopts::value<int>()->default_value(std::to_string(kDefaultLevel)))
      ("fast", "fastest preset: level 1 everywhere")
      ("max", "smallest preset: level 19 everywhere (slow to pack, as fast to unpack)")
      ("chunk-size", "original KiB per chunk", cxxopts::value<uint64_t>()->default_value(std::to_string(kDefaultChunkSize / 1024)))
      ("T,threads", "worker threads (0 = all cores)", cxxopts::value<unsigned>()->default_value("0"))
      ("f,force", "overwrite an existing output")
      ("c,stdout", "write to standard output")
      ("q,quiet", "no messages but errors")
      ("stats", "pack: per-stream sizes; unpack/cat: archive bytes read, chunks decoded")
      ("range", "cat: OFFSET:LENGTH of the original file", cxxopts::value<std::string>())
      ("version", "print the version")
      ("h,help", "print help")
      ("args", "", cxxopts::value<std::vector<std::string>>());
  options.parse_positional({"args"});
  cxxopts::ParseResult r;
  try {
    r = options.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    return Usage(e.what());
  }
  if (r.count("version")) {
    printf("sgz %s (format %u.%u)\n", kVersion, kFormatMajor, kFormatMinor);
    return kExitOk;
  }
  std::vector<std::string> args;
  if (r.count("args")) args = r["args"].as<std::vector<std::string>>();
  if (r.count("help") || args.empty()) {
    fputs(kHelp, r.count("help") ? stdout : stderr);
    return r.count("help") ? kExitOk : kExitUsage;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  try {
    if (cmd == "pack") return CmdPack(r, args);
    if (cmd == "unpack") return CmdUnpack(r, args);
    if (cmd == "ls") return CmdLs(r, args);
    if (cmd == "cat") return CmdCat(r, args);
  } catch (const cxxopts::exceptions::exception& e) {
    return Usage(e.what());
  }
  return Usage("unknown command '" + cmd + "'");
}

}  // namespace
}  // namespace sgz

int main(int argc, char** argv) {
  sgz::InstallOutputCleanup();
  return sgz::Main(argc, argv);
}
