/* draw.h - cairo + pango helpers shared by the evidence chips (chips.h) and
 * the map sheets (mapsheet.h): text with a halo, polygons of OGR geometries
 * on a north-up map frame, a scale bar, a north arrow, the font check.
 *
 * Nothing here keeps state between calls; every function draws on the
 * cairo context it is given, so threads drawing on their own surfaces may
 * call them at once (pango's default font map is per thread).
 */
#ifndef MW_DRAW_H
#define MW_DRAW_H
#include <cairo.h>
#include <ogr_api.h>

/* A map frame: map coordinates (X, Y) of a north-up CRS to device pixels,
 * px = x0 + (X - ox) / rx, py = y0 + (oy - Y) / ry. */
typedef struct {
    double ox, oy;   /* map coordinates of the frame's top-left corner */
    double rx, ry;   /* map units per device pixel in x and y (both > 0) */
    double x0, y0;   /* device position of that corner */
} mw_frame;

static inline double mw_frame_x(const mw_frame *f, double X) { return f->x0 + (X - f->ox) / f->rx; }
static inline double mw_frame_y(const mw_frame *f, double Y) { return f->y0 + (f->oy - Y) / f->ry; }

typedef struct {
    double r, g, b, a;
} mw_rgba;

/* Is the font family installed?  fontconfig always substitutes a family it
 * does not have; when the best match for `family` is another family, this
 * warns once naming both (and whether the substitute covers Chinese) and
 * returns 1; 0 when it is installed.  Call from one thread before drawing. */
int mw_draw_font_check(const char *family);

/* Anchors for mw_draw_text: which point of the text's box lies at (x, y). */
enum { MW_TOP_LEFT, MW_TOP_CENTRE, MW_CENTRE, MW_BOTTOM_LEFT, MW_TOP_RIGHT, MW_BOTTOM_CENTRE };

/* Draw UTF-8 text in `family` at size_px (pixels), bold or not, anchored at
 * (x, y); with halo > 0 a white outline of that width first (readable over
 * imagery).  max_w > 0 wraps lines at that width.  Gives the text's width
 * and height in *w, *h (NULL-safe).  On a PDF surface the text is drawn
 * as outlines (vector, not selectable): cairo 1.16 leaks the font subsets
 * of a PDF that shows text. */
void mw_draw_text(cairo_t *cr, const char *family, double size_px, int bold, double x,
                  double y, int anchor, mw_rgba colour, double halo, double max_w,
                  const char *text, double *w, double *h);

/* Many short labels (patch numbers) in one font: one pango layout made
 * once and given each text in turn (no layout, font lookup or context per
 * label, so ten thousand of them cost little).  Bold, the text's
 * bottom-left at (x, y), with a white halo of width halo (0 = none).
 * mw_labeller_new gives NULL (with mw_error) when out of memory. */
typedef struct mw_labeller mw_labeller;
mw_labeller *mw_labeller_new(cairo_t *cr, const char *family, double size_px);
void mw_labeller_draw(mw_labeller *l, double x, double y, mw_rgba colour, double halo,
                      const char *text);
void mw_labeller_free(mw_labeller *l);

/* Add the rings of a (multi)polygon or (multi)line geometry to the current
 * path through the frame (sub-paths closed for polygons). */
void mw_draw_geom_path(cairo_t *cr, OGRGeometryH g, const mw_frame *f);

/* A scale bar of a round length (1, 2 or 5 x 10^k m, shown in m or km)
 * of at most max_px pixels, m_per_px metres a pixel, its left end at (x, y)
 * (the bar's bottom); black and white segments with a label above. */
void mw_draw_scalebar(cairo_t *cr, const char *family, double x, double y, double m_per_px,
                      double max_px, double size_px);

/* A north arrow ("N" above an arrowhead) of height h whose top centre is
 * at (x, y). */
void mw_draw_north(cairo_t *cr, const char *family, double x, double y, double h);

/* Write an RGB24 image surface as an 8-bit RGB PNG: every row with the
 * "Up" filter, the stream compressed by ISA-L at level 1, libpng around it
 * (about 6 x faster than libpng with zlib level 1 and the Paeth filter, for
 * about 10 % more bytes on imagery).  No time or other varying chunk: the
 * same pixels give the same bytes.  0, or -1 with mw_error (MW_EXIT_OUTPUT)
 * naming path. */
int mw_draw_write_png(cairo_surface_t *s, const char *path);

/* The image as a JPEG (libjpeg-turbo, quality 90, baseline, one pass) at
 * jpg when it is smaller than the file png already written; otherwise no
 * jpg (one of an earlier run removed).  0, or -1 with mw_error. */
int mw_draw_write_jpeg_if_smaller(cairo_surface_t *s, const char *png, const char *jpg);

/* Free the calling thread's pango font map (pango keeps one per thread,
 * with fontconfig patterns, until the thread ends: OpenMP's threads never
 * do).  Each thread that drew text calls it when done. */
void mw_draw_thread_done(void);

/* Once no cairo object is left and every drawing thread is done: free
 * cairo's and fontconfig's caches (what LeakSanitizer would report). */
void mw_draw_done(void);

/* Metres per map unit along x at latitude lat (degrees) for the CRS wkt:
 * the linear unit of a projected CRS, 111 320 cos(lat) for a geographic
 * one.  For scale bars. */
double mw_draw_m_per_unit(const char *wkt, double lat);

#endif
