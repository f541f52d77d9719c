/* report_html.c - report.html. */
#include "report_html.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codes.h"
#include "mw.h"
#include "textbuf.h"

/* ---- the night in numbers ------------------------------------------------------ */

int mw_worst_rule(const mw_patch *p)
{
    for (int r = 0; r < MW_RULE_COUNT; r++) /* mw_rule order is worst first */
        if (p->v.rules_mask & (1u << r))
            return r;
    return MW_RULE_COUNT;
}

void mw_night_count(const mw_patchset *ps, mw_night *o)
{
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < ps->n; i++) {
        const mw_patch *p = &ps->p[i];
        int w = mw_worst_rule(p);
        o->n++;
        o->area_m2 += p->area_m2;
        o->field_check += p->area_mu >= MW_FIELD_CHECK_MU;
        o->worst[w]++;
        o->worst_m2[w] += p->area_m2;
        for (int r = 0; r < MW_RULE_COUNT; r++)
            if (p->v.rules_mask & (1u << r)) {
                o->with[r]++;
                o->with_m2[r] += p->area_m2;
            }
    }
}

/* ---- helpers ----------------------------------------------------------------------- */

typedef struct {
    mw_text *h;
    int zh;
    const mw_config *cfg;
    const char *work_dir;
} html;

#define TR(x, en, cn) ((x)->zh ? (cn) : (en))

static void esc(html *x, const char *s) { mw_text_escape(x->h, s); }
static void put(html *x, const char *s) { mw_text_put(x->h, s); }

/* a path component percent-encoded for a URL (RFC 3986 unreserved kept) */
static void url(html *x, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p))
            mw_text_printf(x->h, "%c", *p);
        else
            mw_text_printf(x->h, "%%%02X", *p);
    }
}

static int file_exists(const char *dir, const char *sub, const char *name, const char *ext)
{
    char path[MW_PATH_MAX + 512];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s/%s%s", dir, sub, name, ext);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static const char *rule_title(html *x, int r)
{
    if (r >= MW_RULE_COUNT)
        return TR(x, "no rule broken", "未发现违规");
    const char *code = mw_rule_code((mw_rule)r);
    return x->zh ? mw_code_zh(MW_CODES_RULES, code) : mw_rule_en(code);
}

static void num_cell(html *x, double v, const char *fmt)
{
    if (v != v) {
        put(x, "<td class=\"n\" data-v=\"\"></td>");
        return;
    }
    char b[64];
    snprintf(b, sizeof b, fmt, v);
    mw_text_printf(x->h, "<td class=\"n\" data-v=\"%.6g\">%s</td>", v, b);
}

/* A cell of a table column: numbers right-aligned with their value for
 * sorting, coded values translated (zh) with the code beside. */
static void value(html *x, const mw_column *col, const char *v, int td)
{
    char buf[2 * MW_CELL];
    if (td)
        put(x, col->type == COL_S ? "<td>" : "<td class=\"n\" data-v=\"");
    if (td && col->type != COL_S) {
        esc(x, v);
        put(x, "\">");
    }
    mw_code_list list = mw_code_list_of(col->name);
    if (x->zh && list != MW_CODES_NONE && v[0]) {
        esc(x, mw_codes_zh(list, v, buf, sizeof buf));
        if (strcmp(buf, v)) {
            put(x, " <span class=\"code\">");
            esc(x, v);
            put(x, "</span>");
        }
    } else {
        esc(x, v);
    }
    if (td)
        put(x, "</td>");
}

/* A whole table (every row, every column but the dates of the run). */
static void table_all(html *x, const mw_table *t, const char *id)
{
    char (*cells)[MW_CELL] = mw_calloc(t->ncols, MW_CELL);
    if (!cells) {
        x->h->oom = 1;
        return;
    }
    mw_text_printf(x->h, "<div class=\"scroll\"><table class=\"sortable\" id=\"%s\"><thead><tr>",
                   id);
    for (size_t c = 0; c < t->ncols; c++) {
        if (!strcmp(t->cols[c].name, "t1_date") || !strcmp(t->cols[c].name, "t2_date"))
            continue;
        put(x, "<th>");
        esc(x, mw_column_title(t->cols[c].name, x->zh));
        put(x, "</th>");
    }
    put(x, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < t->nrows; i++) {
        mw_table_row(t, i, cells);
        put(x, "<tr>");
        for (size_t c = 0; c < t->ncols; c++) {
            if (!strcmp(t->cols[c].name, "t1_date") || !strcmp(t->cols[c].name, "t2_date"))
                continue;
            value(x, &t->cols[c], cells[c], 1);
        }
        put(x, "</tr>\n");
    }
    put(x, "</tbody></table></div>\n");
    free(cells);
}

static int col_of(const mw_table *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (!strcmp(t->cols[c].name, name))
            return (int)c;
    return -1;
}

/* cells[c], or "" for a column the table does not have (c < 0) */
static const char *cell(char (*cells)[MW_CELL], int c)
{
    return c >= 0 ? cells[c] : "";
}

/* ---- the sections -------------------------------------------------------------------- */

static const char CSS[] =
    "body{font-family:'Noto Sans CJK SC','Noto Sans',sans-serif;margin:0 auto;max-width:1400px;"
    "padding:16px 24px;color:#1a1a1a;font-size:15px;line-height:1.45;background:#fff}\n"
    "h1{font-size:26px;margin:4px 0 2px}h2{font-size:20px;margin:28px 0 8px;"
    "border-bottom:2px solid #c00;padding-bottom:3px}\n"
    ".meta{color:#444;margin:0 0 12px}.big{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}\n"
    ".big div{border:1px solid #bbb;border-radius:6px;padding:8px 14px;min-width:150px;"
    "background:#fafafa}.big b{display:block;font-size:28px;color:#b00000}\n"
    "table{border-collapse:collapse;font-size:14px}th,td{border:1px solid #ccc;padding:4px 8px;"
    "text-align:left;vertical-align:top}th{background:#e8eef6;position:sticky;top:0}\n"
    "table.sortable th{cursor:pointer}table.sortable th:after{content:' \\2195';color:#888}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "tbody tr:nth-child(even){background:#f6f6f6}.scroll{overflow:auto;max-height:80vh;"
    "border:1px solid #ddd}\n"
    ".code{color:#666;font-size:12px}th{white-space:nowrap}td{max-width:26em}\n"
    "h3.sev7,h3.sev6,tr.sev7>td:nth-child(-n+2),tr.sev6>td:nth-child(-n+2)"
    "{color:#a00;font-weight:bold}\n"
    "h3.sev5,h3.sev4,h3.sev3,tr.sev5>td:nth-child(-n+2),tr.sev4>td:nth-child(-n+2),"
    "tr.sev3>td:nth-child(-n+2){color:#b45f00;font-weight:bold}\n"
    "#suspect-table td:nth-child(6){min-width:14em}\n"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(620px,1fr));gap:16px}\n"
    ".card{border:1px solid #999;border-radius:6px;padding:10px 14px;break-inside:avoid;"
    "page-break-inside:avoid}\n"
    ".card h3{margin:0 0 6px;font-size:18px}.card img{max-width:100%;border:1px solid #ccc}\n"
    ".card table{width:100%;font-size:13px}.card th{position:static;width:45%;"
    "background:#f0f0f0;font-weight:normal}\n"
    ".nochip{border:1px dashed #aaa;padding:18px;text-align:center;color:#666;margin:6px 0}\n"
    ".bar{background:#ddd;width:160px;height:12px;display:inline-block;vertical-align:middle}"
    ".bar i{display:block;height:12px;background:#2a8c2a}\n"
    ".empty{font-size:18px;padding:18px;border:2px solid #2a8c2a;background:#eef8ee}\n"
    "@media print{.scroll{max-height:none;overflow:visible}th{position:static}}\n";

static const char JS[] =
    "(function(){function k(c){var v=c.getAttribute('data-v');"
    "return v===null?c.textContent:parseFloat(v);}\n"
    "document.querySelectorAll('table.sortable').forEach(function(t){"
    "t.querySelectorAll('thead th').forEach(function(th,i){th.addEventListener('click',"
    "function(){var asc=th.getAttribute('aria-sort')!=='ascending';"
    "t.querySelectorAll('thead th').forEach(function(h){h.removeAttribute('aria-sort');});"
    "th.setAttribute('aria-sort',asc?'ascending':'descending');"
    "var b=t.tBodies[0],r=Array.prototype.slice.call(b.rows);"
    "r.sort(function(x,y){var a=k(x.cells[i]),c=k(y.cells[i]);"
    "if(typeof a==='number'&&typeof c==='number'){if(isNaN(a))return 1;if(isNaN(c))return -1;"
    "return asc?a-c:c-a;}a=String(a);c=String(c);"
    "return asc?a.localeCompare(c,'zh'):c.localeCompare(a,'zh');});"
    "r.forEach(function(x){b.appendChild(x);});});});});})();\n";

static void summary(html *x, const mw_run *run, const mw_night *nt)
{
    mw_text_printf(x->h, "<h2 id=\"summary\">%s</h2>\n", TR(x, "The night's summary", "本期概况"));
    put(x, "<div class=\"big\">");
    mw_text_printf(x->h, "<div><b>%zu</b>%s</div>", nt->n, TR(x, "suspect patches", "疑似图斑"));
    mw_text_printf(x->h, "<div><b>%.1f</b>%s</div>", nt->area_m2 / MW_M2_PER_MU,
                   TR(x, "mu in all", "亩 (合计)"));
    mw_text_printf(x->h, "<div><b>%.2f</b>%s</div>", nt->area_m2 / 10000.0,
                   TR(x, "hectares", "公顷"));
    mw_text_printf(x->h, "<div><b>%zu</b>%s</div>", nt->field_check,
                   TR(x, "need a field check (&ge; 10 mu)", "需外业核查 (≥10亩)"));
    mw_text_printf(x->h, "<div><b>%zu</b>%s</div>", nt->worst[MW_RULE_RED_LINE],
                   TR(x, "in an ecological red line", "涉及生态保护红线"));
    put(x, "</div>\n");
    if (!nt->n) {
        mw_text_printf(x->h, "<p class=\"empty\" id=\"no-patches\">%s</p>\n",
                       TR(x, "No suspect patch was found between the two dates: nothing to "
                             "check in the field.",
                          "两期影像之间未发现疑似违法开采图斑，无需外业核查。"));
    }
    if (!run->layers->lic.present)
        mw_text_printf(x->h, "<p>%s</p>\n",
                       TR(x, "No licence layer was configured: the patches are not judged "
                             "against licences.",
                          "未配置矿业权图层：图斑未与矿业权比对。"));
    /* per rule */
    mw_text_printf(x->h, "<h3>%s</h3>\n<table id=\"by-rule\"><thead><tr><th>%s</th><th>%s</th>"
                         "<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>\n",
                   TR(x, "Per rule", "按违法类型"), TR(x, "rule", "违法类型"),
                   TR(x, "patches (worst rule)", "图斑数 (按最重类型)"),
                   TR(x, "area, mu (worst rule)", "面积(亩, 按最重类型)"),
                   TR(x, "patches breaking it", "涉及该类型的图斑数"),
                   TR(x, "area, mu (breaking it)", "面积(亩, 涉及该类型)"));
    for (int r = 0; r <= MW_RULE_COUNT; r++) {
        mw_text_printf(x->h, "<tr class=\"sev%d\"><td>", r < MW_RULE_COUNT ? mw_rule_severity((mw_rule)r) : 0);
        esc(x, rule_title(x, r));
        if (r < MW_RULE_COUNT) {
            put(x, " <span class=\"code\">");
            esc(x, mw_rule_code((mw_rule)r));
            put(x, "</span>");
        }
        mw_text_printf(x->h, "</td><td class=\"n\">%zu</td><td class=\"n\">%.1f</td>", nt->worst[r],
                       nt->worst_m2[r] / MW_M2_PER_MU);
        if (r < MW_RULE_COUNT)
            mw_text_printf(x->h, "<td class=\"n\">%zu</td><td class=\"n\">%.1f</td></tr>\n",
                           nt->with[r], nt->with_m2[r] / MW_M2_PER_MU);
        else
            put(x, "<td></td><td></td></tr>\n");
    }
    put(x, "</tbody></table>\n");

    /* per county */
    typedef struct { const char *name, *code; size_t n, field, red; double m2; } county;
    const mw_patchset *ps = run->patches;
    county *c = mw_calloc(ps->n ? ps->n : 1, sizeof *c);
    if (!c) {
        x->h->oom = 1;
        return;
    }
    size_t nc = 0;
    for (size_t i = 0; i < ps->n; i++) {
        const mw_verdict *v = &ps->p[i].v;
        size_t k = 0;
        while (k < nc && (strcmp(c[k].name, v->county) || strcmp(c[k].code, v->county_code)))
            k++;
        if (k == nc)
            c[nc++] = (county){v->county, v->county_code, 0, 0, 0, 0};
        c[k].n++;
        c[k].m2 += ps->p[i].area_m2;
        c[k].field += ps->p[i].area_mu >= MW_FIELD_CHECK_MU;
        c[k].red += mw_worst_rule(&ps->p[i]) == MW_RULE_RED_LINE;
    }
    mw_text_printf(x->h, "<h3>%s</h3>\n<table class=\"sortable\" id=\"by-county\"><thead><tr>"
                         "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                         "<th>%s</th></tr></thead><tbody>\n",
                   TR(x, "Per county", "按县(区)"), TR(x, "county", "县(区)"),
                   TR(x, "admin code", "行政区划代码"), TR(x, "patches", "图斑数"),
                   TR(x, "area, mu", "面积(亩)"), TR(x, "field checks", "需外业核查"),
                   TR(x, "in a red line", "涉及生态红线"), TR(x, "map sheet", "一张图"));
    for (size_t k = 0; k < nc; k++) {
        put(x, "<tr><td>");
        esc(x, c[k].name[0] ? c[k].name : TR(x, "(outside every county)", "(未落入县区)"));
        put(x, "</td><td>");
        esc(x, c[k].code);
        mw_text_printf(x->h, "</td><td class=\"n\" data-v=\"%zu\">%zu</td>", c[k].n, c[k].n);
        num_cell(x, c[k].m2 / MW_M2_PER_MU, "%.1f");
        mw_text_printf(x->h, "<td class=\"n\" data-v=\"%zu\">%zu</td><td class=\"n\" "
                             "data-v=\"%zu\">%zu</td><td>",
                       c[k].field, c[k].field, c[k].red, c[k].red);
        const char *key = c[k].name[0] && file_exists(x->work_dir, "maps", c[k].name, ".png")
                              ? c[k].name
                          : c[k].code[0] && file_exists(x->work_dir, "maps", c[k].code, ".png")
                              ? c[k].code : NULL;
        if (key) {
            put(x, "<a href=\"maps/");
            url(x, key);
            put(x, ".png\">PNG</a>");
            if (file_exists(x->work_dir, "maps", key, ".pdf")) {
                put(x, " <a href=\"maps/");
                url(x, key);
                put(x, ".pdf\">PDF</a>");
            }
        }
        put(x, "</td></tr>\n");
    }
    put(x, "</tbody></table>\n");
    free(c);
}

/* the suspects' table: the columns an officer sorts by */
static const char *const LIST_COLS[] = {
    "patch_id", "rules", "county", "county_code", "licence_id", "holder", "licence_status",
    "area_m2", "area_mu", "field_check", "redline_name", "confidence_level", "ledger_state",
    "lon", "lat",
};
#define NLIST (sizeof LIST_COLS / sizeof LIST_COLS[0])
/* their titles in English for a reader (the cards keep the CSV's names) */
static const char *const LIST_EN[NLIST] = {
    "patch", "rules broken", "county", "admin code", "licence no.", "holder", "licence status",
    "area m²", "area mu", "field check", "red line", "confidence", "ledger",
    "longitude", "latitude",
};

static void suspects(html *x, const mw_table *t, size_t ncards)
{
    int idx[NLIST];
    for (size_t k = 0; k < NLIST; k++)
        idx[k] = col_of(t, LIST_COLS[k]);
    char (*cells)[MW_CELL] = mw_calloc(t->ncols, MW_CELL);
    if (!cells) {
        x->h->oom = 1;
        return;
    }
    mw_text_printf(x->h, "<h2 id=\"suspects\">%s (%zu)</h2>\n<p>%s</p>\n",
                   TR(x, "Suspect patches", "疑似违法图斑"), t->nrows,
                   TR(x, "Worst first. Click a column title to sort; click a patch number for "
                         "its card.",
                      "按严重程度排序。点击列名排序，点击图斑编号查看详情。"));
    put(x, "<div class=\"scroll\"><table class=\"sortable\" id=\"suspect-table\"><thead><tr>");
    for (size_t k = 0; k < NLIST; k++)
        if (idx[k] >= 0) {
            put(x, "<th>");
            esc(x, x->zh ? mw_column_title(LIST_COLS[k], 1) : LIST_EN[k]);
            put(x, "</th>");
        }
    put(x, "</tr></thead><tbody>\n");
    int sev = col_of(t, "severity");
    for (size_t i = 0; i < t->nrows; i++) {
        mw_table_row(t, i, cells);
        mw_text_printf(x->h, "<tr class=\"sev%s\">", sev >= 0 ? cells[sev] : "0");
        for (size_t k = 0; k < NLIST; k++) {
            if (idx[k] < 0)
                continue;
            const mw_column *col = &t->cols[idx[k]];
            if (k == 0 && i < ncards) {
                put(x, "<td><a href=\"#");
                esc(x, cells[idx[k]]);
                put(x, "\">");
                esc(x, cells[idx[k]]);
                put(x, "</a></td>");
            } else {
                value(x, col, cells[idx[k]], 1);
            }
        }
        put(x, "</tr>\n");
    }
    put(x, "</tbody></table></div>\n");
    free(cells);
}

static void chip(html *x, const char *id)
{
    const char *ext = file_exists(x->work_dir, "evidence", id, ".png")   ? ".png"
                      : file_exists(x->work_dir, "evidence", id, ".jpg") ? ".jpg"
                                                                         : NULL;
    if (!ext) {
        mw_text_printf(x->h, "<div class=\"nochip\">%s</div>",
                       TR(x, "no image chip for this patch", "该图斑无影像切片"));
        return;
    }
    put(x, "<img class=\"chip\" src=\"evidence/");
    url(x, id);
    mw_text_printf(x->h, "%s\" alt=\"", ext);
    esc(x, id);
    mw_text_printf(x->h, " %s\">", TR(x, "before and after", "前后时相对比"));
}

static void cards(html *x, const mw_table *t, const mw_run *run, size_t ncards)
{
    mw_text_printf(x->h, "<h2 id=\"cards\">%s</h2>\n", TR(x, "Patch cards", "图斑详情"));
    if (ncards < t->nrows)
        mw_text_printf(x->h, "<p id=\"cards-capped\">%s %zu %s %zu %s</p>\n",
                       TR(x, "Cards for the", "仅列出最严重的"), ncards,
                       TR(x, "worst patches of", "个图斑（共"), t->nrows,
                       TR(x, "([report] evidence_max); the table above lists every one.",
                          "个），完整列表见上表（[report] evidence_max）。"));
    char (*cells)[MW_CELL] = mw_calloc(t->ncols, MW_CELL);
    if (!cells) {
        x->h->oom = 1;
        return;
    }
    int cid = col_of(t, "patch_id"), cr = col_of(t, "rules"), cs = col_of(t, "severity");
    int ccounty = col_of(t, "county"), cmu = col_of(t, "area_mu");
    put(x, "<div class=\"cards\">\n");
    for (size_t i = 0; i < ncards; i++) {
        mw_table_row(t, i, cells);
        put(x, "<section class=\"card\" id=\"");
        esc(x, cell(cells, cid));
        mw_text_printf(x->h, "\"><h3 class=\"sev%s\">", cs >= 0 ? cells[cs] : "0");
        esc(x, cell(cells, cid));
        put(x, " &middot; ");
        char first[64];
        snprintf(first, sizeof first, "%.*s", (int)strcspn(cell(cells, cr), ";"), cell(cells, cr));
        if (first[0])
            esc(x, x->zh ? mw_code_zh(MW_CODES_RULES, first) : mw_rule_en(first));
        else
            esc(x, TR(x, "no rule broken", "未发现违规"));
        put(x, " &middot; ");
        esc(x, cell(cells, cmu));
        mw_text_printf(x->h, " %s &middot; ", TR(x, "mu", "亩"));
        esc(x, cell(cells, ccounty));
        put(x, "</h3>\n");
        chip(x, cell(cells, cid));
        mw_text_printf(x->h, "<p class=\"meta\">%s ", TR(x, "before", "前时相"));
        esc(x, run->cfg->t1_date);
        mw_text_printf(x->h, " &rarr; %s ", TR(x, "after", "后时相"));
        esc(x, run->cfg->t2_date);
        put(x, "</p>\n<table>");
        for (size_t c = 0; c < t->ncols; c++) {
            put(x, "<tr><th>");
            esc(x, mw_column_title(t->cols[c].name, x->zh));
            if (x->zh && strcmp(mw_column_title(t->cols[c].name, 1), t->cols[c].name)) {
                put(x, " <span class=\"code\">");
                esc(x, t->cols[c].name);
                put(x, "</span>");
            }
            put(x, "</th><td>");
            value(x, &t->cols[c], cells[c], 0);
            put(x, "</td></tr>");
        }
        put(x, "</table>\n</section>\n");
    }
    put(x, "</div>\n");
    free(cells);
}

static void restoration(html *x, const mw_table *t)
{
    mw_text_printf(x->h, "<h2 id=\"restoration\">%s</h2>\n",
                   TR(x, "Restoration per county against the plan", "各县(区)生态修复进度（对照规划）"));
    if (!t || !t->nrows) {
        mw_text_printf(x->h, "<p>%s</p>\n", TR(x, "No restoration plots configured.",
                                               "未配置生态修复图斑。"));
        return;
    }
    int pc = col_of(t, "pct_of_target"), cc = col_of(t, "county");
    if (pc < 0 || cc < 0) {
        table_all(x, t, "restoration-table");
        return;
    }
    char (*cells)[MW_CELL] = mw_calloc(t->ncols, MW_CELL);
    if (!cells) {
        x->h->oom = 1;
        return;
    }
    mw_text_printf(x->h, "<table id=\"restoration-progress\"><thead><tr><th>%s</th><th>%s</th>"
                         "<th></th></tr></thead><tbody>\n",
                   TR(x, "county", "县(区)"), TR(x, "restored, % of the plan", "完成率(%)"));
    for (size_t i = 0; i < t->nrows; i++) {
        mw_table_row(t, i, cells);
        double p = cells[pc][0] ? strtod(cells[pc], NULL) : NAN;
        put(x, "<tr><td>");
        esc(x, cells[cc]);
        put(x, "</td>");
        num_cell(x, p, "%.1f");
        mw_text_printf(x->h, "<td><span class=\"bar\"><i style=\"width:%.0f%%\"></i></span></td>"
                             "</tr>\n",
                       p == p ? fmin(fmax(p, 0), 100) : 0);
    }
    put(x, "</tbody></table>\n");
    free(cells);
    table_all(x, t, "restoration-table");
}

int mw_html_write(const mw_run *run, const mw_table *tables, size_t nt, const char *work_dir,
                  const char *path)
{
    mw_text h = {0};
    html x = {&h, !strcmp(run->cfg->language, "zh"), run->cfg, work_dir};
    const mw_table *sus = &tables[0], *county = NULL, *lic = NULL;
    for (size_t i = 1; i < nt; i++) {
        if (!strcmp(tables[i].name, "restoration_by_county"))
            county = &tables[i];
        if (!strcmp(tables[i].name, "licences"))
            lic = &tables[i];
    }
    mw_night night;
    mw_night_count(run->patches, &night);
    size_t ncards = sus->nrows;
    if (ncards > (size_t)run->cfg->evidence_max)
        ncards = (size_t)run->cfg->evidence_max;

    mw_text_printf(&h, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                       "<title>",
                   x.zh ? "zh-CN" : "en");
    esc(&x, TR(&x, "minewatch: suspected illegal mining", "minewatch 卫片执法疑似违法图斑"));
    put(&x, " ");
    esc(&x, run->cfg->t1_date);
    put(&x, " &rarr; ");
    esc(&x, run->cfg->t2_date);
    mw_text_printf(&h, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", CSS);
    esc(&x, TR(&x, "Suspected illegal mining", "疑似违法开采图斑报告"));
    put(&x, "</h1>\n<p class=\"meta\">");
    mw_text_printf(&h, "%s ", TR(&x, "Images of", "影像时相"));
    esc(&x, run->cfg->t1_date);
    put(&x, " &rarr; ");
    esc(&x, run->cfg->t2_date);
    if (run->cfg->nlooks) { /* a series: its looks and the confirmation */
        const mw_config *c = run->cfg;
        mw_text_printf(&h, " &middot; ");
        if (x.zh)
            mw_text_printf(&h, "多时相确认：后时相 %d 期（", c->nlooks);
        else
            mw_text_printf(&h, "a series of %d later looks (", c->nlooks);
        esc(&x, c->look_date[0]);
        put(&x, " &hellip; ");
        esc(&x, c->t2_date);
        if (x.zh)
            mw_text_printf(&h, "），变化须在连续 %d 期无云观测中持续至最后一期", c->confirm);
        else
            mw_text_printf(&h, "), a change confirmed on %d clear looks in a row up to the last",
                           c->confirm);
    }
    mw_text_printf(&h, " &middot; %d &times; %d %s &middot; minewatch %s</p>\n",
                   run->scene->width, run->scene->height, TR(&x, "pixels", "像元"), mw_build_id());
    mw_text_printf(&h, "<p class=\"meta\"><a href=\"#summary\">%s</a> &middot; "
                       "<a href=\"#suspects\">%s</a> &middot; <a href=\"#cards\">%s</a> &middot; "
                       "<a href=\"#restoration\">%s</a> &middot; <a href=\"#licences\">%s</a> "
                       "&middot; <a href=\"suspects.xlsx\">suspects.xlsx</a> &middot; "
                       "<a href=\"suspects.csv\">suspects.csv</a></p>\n",
                   TR(&x, "summary", "概况"), TR(&x, "suspects", "图斑列表"),
                   TR(&x, "cards", "图斑详情"), TR(&x, "restoration", "生态修复"),
                   TR(&x, "licence audit", "矿业权核查"));
    summary(&x, run, &night);
    suspects(&x, sus, ncards);
    cards(&x, sus, run, ncards);
    restoration(&x, county);
    mw_text_printf(&h, "<h2 id=\"licences\">%s</h2>\n", TR(&x, "Licence audit", "矿业权核查"));
    if (lic && lic->nrows)
        table_all(&x, lic, "licence-table");
    else
        mw_text_printf(&h, "<p>%s</p>\n", TR(&x, "No licence layer configured.", "未配置矿业权图层。"));
    mw_text_printf(&h, "<script>\n%s</script>\n</body>\n</html>\n", JS);
    int rc = mw_text_save(&h, path);
    mw_text_free(&h);
    return rc;
}
