#include <chafa.h>
#include <stdint.h>

// One call for Swift: render RGBA pixels into cols×rows terminal symbols (monochrome, block and
// half-block glyphs), written to out[] as Unicode code points. Returns 1 on success.
static inline int msr_chafa_symbols(const uint8_t *rgba, int width, int height, int cols, int rows, uint32_t *out) {
    ChafaSymbolMap *map = chafa_symbol_map_new();
    chafa_symbol_map_add_by_tags(map, (ChafaSymbolTags)(CHAFA_SYMBOL_TAG_BLOCK | CHAFA_SYMBOL_TAG_HALF | CHAFA_SYMBOL_TAG_SPACE));
    ChafaCanvasConfig *config = chafa_canvas_config_new();
    chafa_canvas_config_set_geometry(config, cols, rows);
    chafa_canvas_config_set_canvas_mode(config, CHAFA_CANVAS_MODE_FGBG);
    chafa_canvas_config_set_symbol_map(config, map);
    ChafaCanvas *canvas = chafa_canvas_new(config);
    if (!canvas) { chafa_canvas_config_unref(config); chafa_symbol_map_unref(map); return 0; }
    chafa_canvas_draw_all_pixels(canvas, CHAFA_PIXEL_RGBA8_UNASSOCIATED, rgba, width, height, width * 4);
    for (int y = 0; y < rows; y++)
        for (int x = 0; x < cols; x++) out[y * cols + x] = (uint32_t)chafa_canvas_get_char_at(canvas, x, y);
    chafa_canvas_unref(canvas);
    chafa_canvas_config_unref(config);
    chafa_symbol_map_unref(map);
    return 1;
}
