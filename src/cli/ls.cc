// sgz ls: the tensors of an archive (text or JSON).
#include <cinttypes>
#include <cstdio>

#include "cli_common.h"
#include "json.h"

namespace sgz::cli {

int CmdLs(const Args& r, const Common& c, const std::vector<std::string>& args) {
  (void)r;
  if (args.size() != 1) return Usage("ls takes one archive");
  ErrorOr<Reader> reader = Reader::Open(args[0]);
  if (!reader.ok()) return Fail(args[0], reader.error());
  reader->set_threads(c.threads);
  const std::vector<TensorInfo>& tensors = reader->tensors();
  if (c.json) {
    std::string out = "{\"file\": " + JsonString(reader->file_name()) + ", \"kind\": \"" +
                      (reader->is_gguf() ? "gguf" : "opaque") + "\", \"original_size\": " +
                      std::to_string(reader->original_size()) + ", \"tensors\": [";
    for (size_t i = 0; i < tensors.size(); ++i) {
      const TensorInfo& t = tensors[i];
      out += std::string(i ? ", " : "") + "{\"name\": " + JsonString(t.name) + ", \"type\": " + JsonString(t.type) +
             ", \"shape\": " + Shape(t.shape) + ", \"offset\": " + std::to_string(t.offset) + ", \"size\": " +
             std::to_string(t.size) + ", \"stored\": " + std::to_string(t.stored_size) + ", \"ratio\": " +
             Fixed(Ratio(t.size, t.stored_size), 6) + ", \"first_chunk\": " + std::to_string(t.first_chunk) +
             ", \"chunks\": " + std::to_string(t.chunks) + "}";
    }
    EmitJson(out + "]}");
    return kExitOk;
  }
  if (!reader->is_gguf()) {
    printf("%s: not GGUF (%s): %" PRIu64 " bytes stored as opaque chunks\n", reader->file_name().c_str(),
           reader->note().c_str(), reader->original_size());
    return kExitOk;
  }
  // -v: the chunks holding each tensor (indices, as in verify's messages).
  printf("%-40s %-8s %-24s %12s %14s %14s %8s%s\n", "tensor", "type", "shape", "offset", "original", "stored", "ratio",
         c.verbose ? "  chunks" : "");
  for (const TensorInfo& t : tensors) {
    printf("%-40s %-8s %-24s %12" PRIu64 " %14" PRIu64 " %14" PRIu64 " %8.4f", t.name.c_str(), t.type.c_str(),
           Shape(t.shape).c_str(), t.offset, t.size, t.stored_size, Ratio(t.size, t.stored_size));
    if (c.verbose) {  // "7", or "7-9" for three chunks ("-" for none)
      const std::string first = std::to_string(t.first_chunk), last = std::to_string(t.first_chunk + t.chunks - 1);
      printf("  %s", t.chunks == 0 ? "-" : t.chunks == 1 ? first.c_str() : (first + "-" + last).c_str());
    }
    printf("\n");
  }
  printf("%s, GGUF v%u%s, %s\n", Plural(tensors.size(), "tensor").c_str(), reader->gguf().version,
         reader->gguf().big_endian ? " big-endian" : "", Plural(reader->original_size(), "byte").c_str());
  return kExitOk;
}

}  // namespace sgz::cli
