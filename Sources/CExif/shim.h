#include <libexif/exif-data.h>
#include <libexif/exif-content.h>
#include <libexif/exif-entry.h>
#include <libexif/exif-tag.h>
#include <libexif/exif-utils.h>
#include <string.h>
#include <stdlib.h>

// exif_data_get_entry is a macro; this looks a tag up in the EXIF sub-IFD, then IFD0.
static inline ExifEntry *msr_exif_find(ExifData *d, ExifTag tag) {
    ExifEntry *e = exif_content_get_entry(d->ifd[EXIF_IFD_EXIF], tag);
    return e ? e : exif_content_get_entry(d->ifd[EXIF_IFD_0], tag);
}

// Copies an ASCII entry into buf (NUL-terminated); returns 0 if absent or not ASCII.
static inline int msr_exif_ascii(ExifData *d, ExifTag tag, char *buf, unsigned int cap) {
    ExifEntry *e = msr_exif_find(d, tag);
    if (!e || e->format != EXIF_FORMAT_ASCII || !e->data || cap == 0) return 0;
    unsigned int n = e->size < cap - 1 ? e->size : cap - 1;
    memcpy(buf, e->data, n);
    buf[n] = 0;
    return 1;
}

// Adds an ASCII entry to the EXIF sub-IFD (used when writing generated sample photos).
static inline int msr_exif_set_ascii(ExifData *d, ExifTag tag, const char *value) {
    ExifEntry *e = exif_entry_new();
    if (!e) return 0;
    unsigned int n = (unsigned int)strlen(value) + 1;
    e->data = (unsigned char *)malloc(n);
    if (!e->data) { exif_entry_unref(e); return 0; }
    memcpy(e->data, value, n);
    e->tag = tag;
    e->format = EXIF_FORMAT_ASCII;
    e->components = n;
    e->size = n;
    exif_content_add_entry(d->ifd[EXIF_IFD_EXIF], e);
    exif_entry_unref(e);
    return 1;
}

// A SHORT entry of IFD0 (Orientation lives there), in the data's byte order; -1 if absent.
static inline int msr_exif_ifd0_short(ExifData *d, ExifTag tag) {
    ExifEntry *e = exif_content_get_entry(d->ifd[EXIF_IFD_0], tag);
    if (!e || e->format != EXIF_FORMAT_SHORT || !e->data || e->size < 2) return -1;
    return (int)exif_get_short(e->data, exif_data_get_byte_order(d));
}
