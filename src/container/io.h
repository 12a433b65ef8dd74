// Umbrella header for the container's I/O: random-access byte sources,
// sequential input streams, byte sinks and the atomic output file (with the
// signal handling that removes its temporaries). New code includes the
// header it needs.
#ifndef SGZ_CONTAINER_IO_H_
#define SGZ_CONTAINER_IO_H_

#include "container/byte_sink.h"
#include "container/byte_source.h"
#include "container/input_stream.h"
#include "container/output_cleanup.h"
#include "container/output_file.h"

#endif  // SGZ_CONTAINER_IO_H_
