#ifndef GREENLET_CZLIB_SHIM_H
#define GREENLET_CZLIB_SHIM_H
#include <zlib.h>

// inflateInit2 and deflateInit2 are macros that pass the header's version and struct size,
// which Swift does not import; each wrapper stands for exactly one of them.

static inline int greenlet_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2_(strm, windowBits, ZLIB_VERSION, (int)sizeof(z_stream));
}

static inline int greenlet_deflateInit2(z_streamp strm, int level, int windowBits) {
    return deflateInit2_(strm, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, (int)sizeof(z_stream));
}

#endif
