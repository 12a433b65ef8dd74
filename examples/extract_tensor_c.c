/* extract_tensor_c ARCHIVE TENSOR OUT: the extract_tensor example written
 * against the C ABI. */
#include <stdio.h>
#include <stdlib.h>

#include <sgz/sgz_c.h>

int main(int argc, char** argv) {
  sgz_reader* reader = NULL;
  uint64_t size = 0;
  void* bytes = NULL;
  FILE* f = NULL;
  size_t written;
  int code;

  if (argc != 4) {
    fprintf(stderr, "usage: extract_tensor_c ARCHIVE TENSOR OUT\n");
    return 1;
  }
  code = sgz_reader_open(argv[1], &reader);
  if (code != SGZ_OK) {
    fprintf(stderr, "extract_tensor_c: error %d: %s\n", code, sgz_last_error());
    return 2;
  }
  code = sgz_reader_tensor_size(reader, argv[2], &size);
  if (code == SGZ_OK) {
    bytes = malloc(size > 0 ? (size_t)size : 1);
    if (bytes == NULL) {
      fprintf(stderr, "extract_tensor_c: out of memory for %llu bytes\n", (unsigned long long)size);
      sgz_reader_close(reader);
      return 2;
    }
    code = sgz_reader_read_tensor(reader, argv[2], bytes, (size_t)size);
  }
  if (code != SGZ_OK) {
    fprintf(stderr, "extract_tensor_c: %s: error %d: %s\n", argv[1], code, sgz_last_error());
    free(bytes);
    sgz_reader_close(reader);
    return 2;
  }
  sgz_reader_close(reader);

  f = fopen(argv[3], "wb");
  if (f == NULL) {
    perror(argv[3]);
    free(bytes);
    return 3;
  }
  written = fwrite(bytes, 1, (size_t)size, f);
  if (fclose(f) != 0 || written != (size_t)size) {
    perror(argv[3]);
    free(bytes);
    return 3;
  }
  free(bytes);
  return 0;
}
