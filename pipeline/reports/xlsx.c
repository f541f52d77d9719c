/* xlsx.c - suspects.xlsx through libxlsxwriter. */
#include "xlsx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "codes.h"
#include "mw.h"

#define SHEET_MAX 31 /* characters of a sheet name (Excel) */
#define WIDTH_MAX 48

static int is_date_column(const char *name)
{
    static const char *const D[] = {"t1_date",  "t2_date",  "valid_from", "valid_to",
                                    "baseline", "deadline", "first_seen", "last_seen"};
    for (size_t i = 0; i < sizeof D / sizeof D[0]; i++)
        if (!strcmp(D[i], name))
            return 1;
    return 0;
}

static int parse_date(const char *s, lxw_datetime *d)
{
    int y, m, day, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &day, &n) != 3 || n != 10 || s[n] || m < 1 ||
        m > 12 || day < 1 || day > 31 || y < 1900)
        return 0;
    *d = (lxw_datetime){y, m, day, 0, 0, 0};
    return 1;
}

/* Display width: 2 for a character outside ASCII (CJK), 1 else. */
static int text_width(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x80)
            w++;
        else if (*p >= 0xC0)
            w += 2;
    return w;
}

/* One output column: a table column, or the English code next to a
 * translated one. */
typedef struct {
    size_t src;
    mw_code_list list; /* translated (zh) */
    int code;          /* the English code column */
    int date;
    double width;
} out_col;

typedef struct {
    const mw_table *t;
    int zh;
    out_col *oc;
    size_t noc;
    lxw_format *head, *date, *num_int;
    char (*cells)[MW_CELL];
    int county_col; /* -1: none */
    int code_col;   /* county_code, -1: none */
} sheet_ctx;

static void write_header(lxw_worksheet *ws, const sheet_ctx *x)
{
    for (size_t c = 0; c < x->noc; c++) {
        const char *en = x->t->cols[x->oc[c].src].name;
        worksheet_write_string(ws, 0, (lxw_col_t)c, x->oc[c].code ? en : mw_column_title(en, x->zh),
                               x->head);
    }
}

static lxw_error write_row(lxw_worksheet *ws, lxw_row_t r, sheet_ctx *x)
{
    lxw_error e = LXW_NO_ERROR;
    for (size_t c = 0; c < x->noc && !e; c++) {
        out_col *o = &x->oc[c];
        const char *v = x->cells[o->src];
        mw_col_type ty = x->t->cols[o->src].type;
        char buf[MW_CELL * 2];
        lxw_datetime d;
        int w;
        if (!v[0]) {
            continue; /* no value: an empty cell */
        } else if (ty == COL_R || ty == COL_I) {
            e = worksheet_write_number(ws, r, (lxw_col_t)c, strtod(v, NULL),
                                       ty == COL_I ? x->num_int : NULL);
            w = (int)strlen(v);
        } else if (o->date && parse_date(v, &d)) {
            e = worksheet_write_datetime(ws, r, (lxw_col_t)c, &d, x->date);
            w = 10;
        } else {
            if (o->list != MW_CODES_NONE && !o->code)
                v = mw_codes_zh(o->list, v, buf, sizeof buf);
            e = worksheet_write_string(ws, r, (lxw_col_t)c, v, NULL);
            w = text_width(v);
        }
        if (w > o->width)
            o->width = w;
    }
    return e;
}

static void finish_sheet(lxw_worksheet *ws, const sheet_ctx *x, size_t nrows)
{
    worksheet_freeze_panes(ws, 1, 1);
    worksheet_autofilter(ws, 0, 0, (lxw_row_t)nrows, (lxw_col_t)(x->noc - 1));
    for (size_t c = 0; c < x->noc; c++) {
        double w = x->oc[c].width + 2;
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, w > WIDTH_MAX ? WIDTH_MAX : w,
                             NULL);
    }
}

/* A county's sheet: its rows. */
typedef struct {
    char name[128], code[8];
} county_key;

static int by_county(const void *a, const void *b)
{
    const county_key *x = a, *y = b;
    /* by code (rows without one after), then by name */
    if (!x->code[0] != !y->code[0])
        return x->code[0] ? -1 : 1;
    int c = strcmp(x->code, y->code);
    return c ? c : strcmp(x->name, y->name);
}

/* A valid, unique sheet name from s: []:*?/\ replaced, cut to 31 characters. */
static void sheet_name(lxw_workbook *wb, const char *s, char *out, size_t size)
{
    char base[4 * SHEET_MAX + 1];
    size_t n = 0, chars = 0;
    for (const char *p = s; *p && chars < SHEET_MAX && n + 4 < sizeof base; chars++) {
        size_t len = 1;
        unsigned char ch = (unsigned char)*p;
        if (ch >= 0xF0) len = 4;
        else if (ch >= 0xE0) len = 3;
        else if (ch >= 0xC0) len = 2;
        if (len == 1 && strchr("[]:*?/\\'", *p))
            base[n++] = '_';
        else
            for (size_t k = 0; k < len && p[k]; k++)
                base[n++] = p[k];
        p += len;
    }
    base[n] = '\0';
    if (!n)
        snprintf(base, sizeof base, "_");
    snprintf(out, size, "%s", base);
    for (int k = 2; workbook_validate_sheet_name(wb, out) != LXW_NO_ERROR && k < 10000; k++) {
        /* taken (or too long with the suffix): cut the base further */
        char suffix[16];
        snprintf(suffix, sizeof suffix, "(%d)", k);
        char cut[sizeof base];
        snprintf(cut, sizeof cut, "%s", base);
        size_t keep = SHEET_MAX - strlen(suffix), c2 = 0, i = 0;
        for (; cut[i] && c2 < keep; c2++) {
            unsigned char ch = (unsigned char)cut[i];
            i += ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : ch >= 0xC0 ? 2 : 1;
        }
        cut[i] = '\0';
        snprintf(out, size, "%s%s", cut, suffix);
    }
}

static int find_col(const mw_table *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (!strcmp(t->cols[c].name, name))
            return (int)c;
    return -1;
}

int mw_xlsx_write(const mw_table *t, const mw_config *cfg, const char *tmpdir,
                  const char *path)
{
    lxw_workbook_options opt = {.constant_memory = 1, .tmpdir = (char *)tmpdir,
                                .use_zip64 = 1};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    sheet_ctx x = {.t = t, .zh = !strcmp(cfg->language, "zh")};
    x.oc = mw_calloc(2 * t->ncols, sizeof *x.oc);
    x.cells = mw_calloc(t->ncols, MW_CELL);
    county_key *keys = mw_calloc(t->nrows ? t->nrows : 1, sizeof *keys);
    if (!wb || !x.oc || !x.cells || !keys) {
        if (!wb)
            mw_error(MW_EXIT_OUTPUT, "%s: cannot create the workbook", path);
        free(x.oc);
        free(x.cells);
        free(keys);
        if (wb)
            workbook_close(wb);
        return -1;
    }
    for (size_t c = 0; c < t->ncols; c++) {
        out_col o = {.src = c, .date = is_date_column(t->cols[c].name)};
        o.width = text_width(mw_column_title(t->cols[c].name, x.zh)) + 2; /* filter button */
        if (x.zh)
            o.list = mw_code_list_of(t->cols[c].name);
        x.oc[x.noc++] = o;
        if (o.list != MW_CODES_NONE) {
            out_col code = o;
            code.code = 1;
            code.width = (double)strlen(t->cols[c].name) + 2;
            x.oc[x.noc++] = code;
        }
    }
    x.head = workbook_add_format(wb);
    format_set_bold(x.head);
    format_set_bg_color(x.head, 0xDDEBF7);
    x.date = workbook_add_format(wb);
    format_set_num_format(x.date, "yyyy-mm-dd");
    x.num_int = workbook_add_format(wb);
    format_set_num_format(x.num_int, "0");
    x.county_col = find_col(t, "county");
    x.code_col = find_col(t, "county_code");

    lxw_error e = LXW_NO_ERROR;
    char name[4 * SHEET_MAX + 32];
    /* the province: every row; the county of each row noted */
    sheet_name(wb, x.zh ? "全省" : "province", name, sizeof name);
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    write_header(ws, &x);
    for (size_t i = 0; i < t->nrows && !e; i++) {
        mw_table_row(t, i, x.cells);
        if (x.county_col >= 0)
            snprintf(keys[i].name, sizeof keys[i].name, "%s", x.cells[x.county_col]);
        if (x.code_col >= 0)
            snprintf(keys[i].code, sizeof keys[i].code, "%s", x.cells[x.code_col]);
        e = write_row(ws, (lxw_row_t)(i + 1), &x);
    }
    finish_sheet(ws, &x, t->nrows);

    /* the counties, each once */
    county_key *uniq = x.county_col >= 0 && t->nrows ? mw_calloc(t->nrows, sizeof *uniq) : NULL;
    size_t nu = 0;
    for (size_t i = 0; uniq && i < t->nrows; i++) {
        size_t k = 0;
        while (k < nu && (strcmp(uniq[k].name, keys[i].name) || strcmp(uniq[k].code, keys[i].code)))
            k++;
        if (k == nu)
            uniq[nu++] = keys[i];
    }
    if (nu)
        qsort(uniq, nu, sizeof *uniq, by_county);
    for (size_t k = 0; k < nu && !e; k++) {
        for (size_t c = 0; c < x.noc; c++)
            x.oc[c].width = x.oc[c].code ? (double)strlen(t->cols[x.oc[c].src].name) + 2
                            : text_width(mw_column_title(t->cols[x.oc[c].src].name, x.zh)) + 2;
        sheet_name(wb, uniq[k].name[0] ? uniq[k].name : x.zh ? "未落入县区" : "no county", name,
                   sizeof name);
        ws = workbook_add_worksheet(wb, name);
        write_header(ws, &x);
        size_t r = 0;
        for (size_t i = 0; i < t->nrows && !e; i++) {
            if (strcmp(keys[i].name, uniq[k].name) || strcmp(keys[i].code, uniq[k].code))
                continue;
            mw_table_row(t, i, x.cells);
            e = write_row(ws, (lxw_row_t)(++r), &x);
        }
        finish_sheet(ws, &x, r);
    }
    free(uniq);
    free(keys);
    free(x.oc);
    free(x.cells);
    lxw_error ce = workbook_close(wb);
    if (e || ce) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot write the workbook (%s)", path,
                 lxw_strerror(e ? e : ce));
        return -1;
    }
    return 0;
}
