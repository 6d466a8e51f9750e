#ifndef MSR_JPEG_H
#define MSR_JPEG_H
#include <stddef.h>

/// Photos larger than this are refused from their header, before any pixel is decoded.
#define MSR_JPEG_MAX_PIXELS 100000000ULL

/// Result of decoding a JPEG held in memory.
typedef struct {
    int ok;                 ///< 1 when the image decoded to its end (perhaps with warnings)
    int warnings;           ///< libjpeg's recoverable warnings (corrupt data it read past)
    int width, height;      ///< full image size
    int out_width, out_height; ///< size of the scaled grey output (when requested)
    char message[200];      ///< libjpeg's error when ok == 0, else its first warning
} msr_jpeg_info;

/// Decodes the whole entropy-coded stream at 1/scale_denom (1, 2, 4 or 8; 0 picks the smallest
/// scale that still gives at least 128×128 pixels) in greyscale, from any colour space libjpeg
/// reads (grey, YCbCr, RGB, CMYK, YCCK).
/// An error makes ok = 0; a recoverable warning (extraneous bytes, a premature end of data,
/// which libjpeg fills with grey) is counted and the first one kept in message.
/// When grey_out is non-NULL and decoding succeeds, *grey_out receives a malloc'd buffer of
/// out_width*out_height grey pixels that the caller frees with free().
msr_jpeg_info msr_jpeg_decode_grey(const unsigned char *data, size_t size, int scale_denom,
                                   unsigned char **grey_out);

/// Encodes an RGB (3 bytes/pixel) image; app1 (an EXIF block without the "Exif\0\0"
/// header stripped — i.e. exactly what goes in the APP1 marker) may be NULL.
/// On success returns 1 and a malloc'd buffer in *out that the caller frees with free().
int msr_jpeg_encode_rgb(const unsigned char *rgb, int width, int height, int quality,
                        const unsigned char *app1, unsigned int app1_size,
                        unsigned char **out, unsigned long *out_size,
                        char *message, size_t message_cap);
#endif
