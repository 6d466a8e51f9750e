// Thin wrapper over libjpeg-turbo: libjpeg signals errors through longjmp, which Swift
// cannot catch, so the setjmp frame lives here and errors come back as values.
#include "msr_jpeg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message[200];
    int warnings;
} msr_error_mgr;

static void msr_error_exit(j_common_ptr cinfo) {
    msr_error_mgr *err = (msr_error_mgr *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->jump, 1);
}

// Warnings (level -1) mean corrupt data that libjpeg read past; count them, keep the first.
static void msr_emit_message(j_common_ptr cinfo, int level) {
    msr_error_mgr *err = (msr_error_mgr *)cinfo->err;
    if (level < 0) {
        if (err->warnings == 0) (*cinfo->err->format_message)(cinfo, err->message);
        err->warnings++;
    }
}

static void msr_output_message(j_common_ptr cinfo) { (void)cinfo; }

msr_jpeg_info msr_jpeg_decode_grey(const unsigned char *data, size_t size, int scale_denom,
                                   unsigned char **grey_out) {
    msr_jpeg_info info;
    memset(&info, 0, sizeof info);
    struct jpeg_decompress_struct cinfo;
    msr_error_mgr err;
    memset(&err, 0, sizeof err);
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = msr_error_exit;
    err.pub.emit_message = msr_emit_message;
    err.pub.output_message = msr_output_message;
    JSAMPARRAY row = NULL;
    unsigned char *volatile grey = NULL;
    if (grey_out) *grey_out = NULL;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(grey);
        snprintf(info.message, sizeof info.message, "%s", err.message);
        return info;
    }
    jpeg_create_decompress(&cinfo);
    if (size == 0 || size > (size_t)0x7fffffff) {
        jpeg_destroy_decompress(&cinfo);
        snprintf(info.message, sizeof info.message, "empty or oversized JPEG data");
        return info;
    }
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    info.width = (int)cinfo.image_width;
    info.height = (int)cinfo.image_height;
    /* Refuse before allocating anything for the pixels: the header is the attacker's to write. */
    if ((unsigned long long)cinfo.image_width * cinfo.image_height > MSR_JPEG_MAX_PIXELS) {
        jpeg_destroy_decompress(&cinfo);
        snprintf(info.message, sizeof info.message, "%u×%u pixels, over the limit of %llu", cinfo.image_width,
                 cinfo.image_height, (unsigned long long)MSR_JPEG_MAX_PIXELS);
        return info;
    }
    /* libjpeg converts CMYK and YCCK to CMYK only; grey comes from that below. */
    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_GRAYSCALE;
    cinfo.scale_num = 1;
    if (scale_denom <= 0) {
        /* Automatic: the smallest output that is still at least 128×128 (ample for a 32×32 thumbnail). */
        scale_denom = 1;
        for (int d = 8; d > 1; d /= 2) {
            if (cinfo.image_width / (unsigned)d >= 128 && cinfo.image_height / (unsigned)d >= 128) { scale_denom = d; break; }
        }
    }
    cinfo.scale_denom = (unsigned int)scale_denom;
    cinfo.dct_method = JDCT_IFAST;
    jpeg_start_decompress(&cinfo);
    info.out_width = (int)cinfo.output_width;
    info.out_height = (int)cinfo.output_height;
    int components = cinfo.output_components;
    row = (*cinfo.mem->alloc_sarray)((j_common_ptr)&cinfo, JPOOL_IMAGE, cinfo.output_width * components, 1);
    size_t need = (size_t)cinfo.output_width * (size_t)cinfo.output_height;
    if (grey_out && need > 0) grey = (unsigned char *)malloc(need);
    /* Adobe's CMYK JPEGs store inverted ink (255 = none); others store ink directly. */
    int inverted = cinfo.saw_Adobe_marker;
    while (cinfo.output_scanline < cinfo.output_height) {
        JDIMENSION y = cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, row, 1);
        if (!grey) continue;
        unsigned char *dst = grey + (size_t)y * cinfo.output_width;
        if (components == 1) {
            memcpy(dst, row[0], cinfo.output_width);
        } else {
            for (JDIMENSION x = 0; x < cinfo.output_width; x++) {
                const unsigned char *px = row[0] + (size_t)x * 4;
                int c = px[0], m = px[1], ye = px[2], k = px[3];
                if (!inverted) { c = 255 - c; m = 255 - m; ye = 255 - ye; k = 255 - k; }
                /* Now 255 = no ink: RGB = (255 − ink)·(255 − black) / 255, then luma. */
                int r = c * k / 255, g = m * k / 255, b = ye * k / 255;
                dst[x] = (unsigned char)((299 * r + 587 * g + 114 * b + 500) / 1000);
            }
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    info.warnings = err.warnings;
    if (err.warnings > 0) snprintf(info.message, sizeof info.message, "%s", err.message);
    info.ok = 1;
    if (grey_out) *grey_out = grey;
    return info;
}

int msr_jpeg_encode_rgb(const unsigned char *rgb, int width, int height, int quality,
                        const unsigned char *app1, unsigned int app1_size,
                        unsigned char **out, unsigned long *out_size,
                        char *message, size_t message_cap) {
    struct jpeg_compress_struct cinfo;
    msr_error_mgr err;
    memset(&err, 0, sizeof err);
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = msr_error_exit;
    err.pub.output_message = msr_output_message;
    *out = NULL;
    *out_size = 0;
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&cinfo);
        if (*out) { free(*out); *out = NULL; }
        if (message && message_cap) snprintf(message, message_cap, "%s", err.message);
        return 0;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, out, out_size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    if (app1 && app1_size > 0) jpeg_write_marker(&cinfo, JPEG_APP0 + 1, app1, app1_size);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(rgb + (size_t)cinfo.next_scanline * (size_t)width * 3);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    return 1;
}
