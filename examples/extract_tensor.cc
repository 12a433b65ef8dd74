// extract_tensor ARCHIVE TENSOR OUT: writes one tensor's bytes, exactly as
// they stand in the original GGUF file, from a .sgz archive to OUT. Only the
// chunks holding the tensor are read and decoded.
#include <cstdio>
#include <string>
#include <vector>

#include <sgz/sgz.h>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: extract_tensor ARCHIVE TENSOR OUT\n");
    return 1;
  }
  const std::string archive = argv[1], name = argv[2], out = argv[3];

  sgz::ErrorOr<sgz::Reader> reader = sgz::Reader::Open(archive);
  if (!reader.ok()) {
    std::fprintf(stderr, "extract_tensor: %s\n", reader.error().ToString().c_str());
    return 2;
  }
  sgz::ErrorOr<const sgz::TensorInfo*> tensor = reader->FindTensor(name);
  if (!tensor.ok()) {
    std::fprintf(stderr, "extract_tensor: %s: %s\n", archive.c_str(), tensor.error().ToString().c_str());
    return 2;
  }
  std::vector<char> bytes((*tensor)->size);
  sgz::Error e = reader->ReadTensor(name, bytes.data(), bytes.size());
  if (!e.ok()) {
    std::fprintf(stderr, "extract_tensor: %s: %s\n", archive.c_str(), e.ToString().c_str());
    return 2;
  }

  std::FILE* f = std::fopen(out.c_str(), "wb");
  if (f == nullptr) {
    std::perror(out.c_str());
    return 3;
  }
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  if (std::fclose(f) != 0 || !written) {
    std::perror(out.c_str());
    return 3;
  }
  const sgz::ReadStats stats = reader->stats();
  std::fprintf(stderr, "%s: %s %s, %zu bytes; read %llu of %llu archive bytes\n", out.c_str(), name.c_str(),
               (*tensor)->type.c_str(), bytes.size(), static_cast<unsigned long long>(stats.bytes_read),
               static_cast<unsigned long long>(stats.archive_size));
  return 0;
}
