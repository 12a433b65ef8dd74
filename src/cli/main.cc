// sgz command-line tool: a thin layer over the sgz library.
#include <cxxopts.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "container/io.h"
#include "container/reader.h"
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
  std::string out = r.count("output") ? r["output"].as<std::string>() : in + ".sgz";
  PackOptions options;
  options.level = r["level"].as<int>();
  options.chunk_size = r["chunk-size"].as<uint64_t>() * 1024;
  options.name = BaseName(in);
  Status s = ValidatePackOptions(options);
  if (!s.ok()) return Usage(s.message());
  Result<std::unique_ptr<MappedFile>> map = MappedFile::Open(in);
  if (!map.ok()) return Fail(in, map.status());
  Result<std::unique_ptr<OutputFile>> file = OutputFile::Create(out, r.count("force") > 0);
  if (!file.ok()) return Fail(out, file.status());
  PackStats stats;
  s = PackBuffer((*map)->data(), (*map)->size(), options, file->get(), &stats);
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

Result<std::unique_ptr<Archive>> OpenArchive(const std::string& path) {
  SGZ_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> src, OpenFileSource(path));
  return Archive::Open(std::move(src));
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
  } else {
    out = DefaultUnpackName(in);
    if (out.empty()) return Usage(in + ": name does not end in .sgz; give the output with -o");
  }
  Result<std::unique_ptr<Archive>> archive = OpenArchive(in);
  if (!archive.ok()) return Fail(in, archive.status());
  Result<std::unique_ptr<OutputFile>> file = OutputFile::Create(out, r.count("force") > 0);
  if (!file.ok()) return Fail(out, file.status());
  Status s = (*archive)->Unpack(file->get());
  if (!s.ok()) return Fail(in, s);
  s = (*file)->Commit();
  if (!s.ok()) return Fail(out, s);
  return kExitOk;
}

int CmdLs(const cxxopts::ParseResult& r, const std::vector<std::string>& args) {
  (void)r;
  if (args.size() != 1) return Usage("ls takes one archive");
  Result<std::unique_ptr<Archive>> archive = OpenArchive(args[0]);
  if (!archive.ok()) return Fail(args[0], archive.status());
  const FileEntry& f = (*archive)->file();
  if (f.kind != EntryKind::kGguf) {
    printf("%s: not GGUF (%s): %llu bytes stored as opaque chunks\n", f.name.c_str(), f.note.c_str(),
           static_cast<unsigned long long>(f.original_size));
    return kExitOk;
  }
  printf("%-40s %-8s %-24s %14s %14s %8s\n", "tensor", "type", "shape", "original", "stored", "ratio");
  for (const TensorEntry& t : f.tensors) {
    uint64_t stored = (*archive)->TensorStoredBytes(t);
    printf("%-40s %-8s %-24s %14llu %14llu %8.4f\n", t.name.c_str(), GgmlTypeName(t.type).c_str(), Shape(t).c_str(),
           static_cast<unsigned long long>(t.size), static_cast<unsigned long long>(stored), Ratio(t.size, stored));
  }
  printf("%zu tensors, GGUF v%u%s, %llu bytes\n", f.tensors.size(), f.gguf_version, f.big_endian ? " big-endian" : "",
         static_cast<unsigned long long>(f.original_size));
  return kExitOk;
}

const char* kHelp =
    "sgz: lossless, seekable archives for GGUF model files\n"
    "\n"
    "usage:\n"
    "  sgz pack IN [-o OUT] [-l LEVEL] [-f] [--stats]   pack IN into OUT (default IN.sgz)\n"
    "  sgz unpack IN.sgz [-o OUT | -c] [-f]           restore the original (default: IN without .sgz)\n"
    "  sgz ls IN.sgz                                   list tensors with original and stored bytes\n"
    "\n"
    "examples:\n"
    "  sgz pack model.gguf                  # writes model.gguf.sgz\n"
    "  sgz unpack model.gguf.sgz -o copy.gguf\n"
    "  sgz ls model.gguf.sgz\n"
    "\n"
    "exit codes: 0 ok, 1 usage, 2 corrupt or checksum mismatch, 3 I/O error, 4 unsupported version\n";

int Main(int argc, char** argv) {
  cxxopts::Options options("sgz", "");
  options.custom_help("COMMAND [OPTIONS] FILE");
  options.add_options()
      ("o,output", "output file", cxxopts::value<std::string>())
      ("l,level", "zstd level 1..22", cxxopts::value<int>()->default_value(std::to_string(kDefaultLevel)))
      ("chunk-size", "original KiB per chunk", cxxopts::value<uint64_t>()->default_value(std::to_string(kDefaultChunkSize / 1024)))
      ("f,force", "overwrite an existing output")
      ("c,stdout", "write to standard output")
      ("q,quiet", "no messages but errors")
      ("stats", "print per-stream sizes after packing")
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
  } catch (const cxxopts::exceptions::exception& e) {
    return Usage(e.what());
  }
  return Usage("unknown command '" + cmd + "'");
}

}  // namespace
}  // namespace sgz

int main(int argc, char** argv) { return sgz::Main(argc, argv); }
