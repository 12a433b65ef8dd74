// sgz cat: one tensor or a byte range of the original, decoding only the
// chunks that hold it, streamed to a file or standard output.
#include <cstdio>

#include "cli_common.h"

namespace sgz::cli {
namespace {

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

}  // namespace

int CmdCat(const Args& r, const Common& c, const std::vector<std::string>& args) {
  const bool by_range = r.count("range") > 0;
  if (args.size() != (by_range ? 1u : 2u)) {
    return Usage("cat takes an archive and a tensor name, or an archive and --range OFFSET:LENGTH");
  }
  uint64_t offset = 0, length = 0;
  if (by_range && !ParseRange(r["range"].as<std::string>(), &offset, &length)) {
    return Usage("--range wants OFFSET:LENGTH, got '" + r["range"].as<std::string>() + "'");
  }
  const std::string in = args[0];
  const std::string out = r.count("output") ? r["output"].as<std::string>() : "-";
  // Before anything is written, whatever -f says: replacing the archive
  // with one of its tensors would destroy it.
  Error same = CheckOutputNotInput(in, out);
  if (!same.ok()) return Fail(same.path(), same);
  ErrorOr<Reader> reader = Reader::Open(in);
  if (!reader.ok()) return Fail(in, reader.error());
  reader->set_threads(c.threads);
  if (!by_range) {
    ErrorOr<const TensorInfo*> t = reader->FindTensor(args[1]);
    if (!t.ok()) return Fail(in, t.error());
    offset = (*t)->offset;
    length = (*t)->size;
  }
  ErrorOr<OutputFile> file = OutputFile::Create(out, out == "-" || c.force);
  if (!file.ok()) return Fail(OutName(out), file.error());
  bool out_failed = false;
  Error e = reader->ReadRangeTo(offset, length, [&](const void* data, size_t n) {
    Error w = file->Write(data, n);
    out_failed = !w.ok();
    return w;
  });
  if (!e.ok()) return Fail(out_failed ? OutName(out) : in, e);
  e = file->Commit();
  if (!e.ok()) return Fail(OutName(out), e);
  if (r.count("stats")) PrintReadStats(reader->stats());
  return kExitOk;
}

}  // namespace sgz::cli
