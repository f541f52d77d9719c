/* test_report_html.c - report.html's cards and the text that goes into it
 * (pipeline/reports/report_html.c, textbuf.c): a chip the evidence stage wrote
 * (work folder evidence/<id>.png) is shown in its patch's card, a patch
 * without one says so, cards stop at [report] evidence_max while the table
 * stays whole, and text is escaped everywhere. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report_html.h"
#include "textbuf.h"
#include "tmpdir.h"

static const mw_column COLS[] = {{"patch_id", COL_S}, {"rules", COL_S}, {"severity", COL_I},
                                 {"holder", COL_S}, {"area_m2", COL_R}, {"area_mu", COL_R},
                                 {"county", COL_S}};

static void fmt(const mw_table *t, size_t i, char (*c)[MW_CELL])
{
    const mw_patchset *ps = t->ctx;
    const mw_patch *p = &ps->p[i];
    snprintf(c[0], MW_CELL, "%s", p->id);
    snprintf(c[1], MW_CELL, "%s", p->v.rules);
    snprintf(c[2], MW_CELL, "%d", p->v.severity);
    snprintf(c[3], MW_CELL, "%s", p->v.holder);
    snprintf(c[4], MW_CELL, "%.1f", p->area_m2);
    snprintf(c[5], MW_CELL, "%.2f", p->area_mu);
    snprintf(c[6], MW_CELL, "%s", p->v.county);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* 3 patches, the first a red-line one with a chip; evidence_max = 2 */
static void test_cards_chips_cap(void **state)
{
    (void)state;
    mw_config cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.language, sizeof cfg.language, "en");
    snprintf(cfg.t1_date, sizeof cfg.t1_date, "2024-05-15");
    snprintf(cfg.t2_date, sizeof cfg.t2_date, "2024-09-20");
    cfg.evidence_max = 2;
    mw_scene scene;
    memset(&scene, 0, sizeof scene);
    scene.width = scene.height = 100;
    mw_layers layers;
    memset(&layers, 0, sizeof layers);
    layers.lic.present = 1;
    mw_patch p[3];
    memset(p, 0, sizeof p);
    const char *ids[] = {"P000001", "P000002", "P000003"};
    for (int i = 0; i < 3; i++) {
        snprintf(p[i].id, sizeof p[i].id, "%s", ids[i]);
        p[i].area_m2 = 10000.0 * (i + 1);
        p[i].area_mu = p[i].area_m2 / MW_M2_PER_MU;
        snprintf(p[i].v.county, sizeof p[i].v.county, "平顺县");
    }
    p[0].v.rules_mask = 1u << MW_RULE_RED_LINE | 1u << MW_RULE_UNLICENSED;
    p[0].v.severity = 7;
    snprintf(p[0].v.rules, sizeof p[0].v.rules, "RED_LINE;UNLICENSED");
    snprintf(p[0].v.holder, sizeof p[0].v.holder, "<img src=x onerror=alert(1)>\"&'");
    mw_patchset ps = {3, p, 3, 0};
    mw_restoration resto;
    memset(&resto, 0, sizeof resto);
    mw_run run;
    memset(&run, 0, sizeof run);
    run.cfg = &cfg;
    run.scene = &scene;
    run.patches = &ps;
    run.layers = &layers;
    run.restoration = &resto;
    mw_table t = {"suspects", "patches", COLS, sizeof COLS / sizeof COLS[0], 3, fmt, NULL, &ps,
                  &cfg};

    char dir[128], path[192];
    snprintf(dir, sizeof dir, "%s/evidence", g_dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/P000001.png", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("\x89PNG", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/report.html", g_dir);
    assert_int_equal(mw_html_write(&run, &t, 1, g_dir, path), 0);
    char *h = slurp(path);
    assert_int_equal(count(h, "<section class=\"card\""), 2);          /* evidence_max */
    assert_int_equal(count(h, "<img class=\"chip\" src=\"evidence/P000001.png\""), 1);
    assert_int_equal(count(h, "no image chip for this patch"), 1);    /* P000002 */
    assert_non_null(strstr(h, "id=\"cards-capped\""));
    /* the table is whole: 3 rows, links only to the 2 cards */
    char *tab = strstr(h, "id=\"suspect-table\"");
    assert_non_null(tab);
    char *end = strstr(tab, "</table>");
    assert_non_null(end);
    *end = '\0';
    assert_int_equal(count(tab, "<tr class=\"sev"), 3);
    *end = '<';
    assert_int_equal(count(h, "<a href=\"#P00000"), 2);
    /* escaped in the table and in the card; the only tags are ours */
    assert_null(strstr(h, "<img src=x"));
    assert_int_equal(count(h, "&lt;img src=x onerror=alert(1)&gt;&quot;&amp;&#39;"), 2);
    assert_int_equal(count(h, "<script"), 1);
    /* each patch once under its worst rule, and under each rule it breaks */
    mw_night n;
    mw_night_count(&ps, &n);
    assert_int_equal(n.worst[MW_RULE_RED_LINE], 1);
    assert_int_equal(n.worst[MW_RULE_UNLICENSED], 0);
    assert_int_equal(n.with[MW_RULE_UNLICENSED], 1);
    assert_int_equal(n.worst[MW_RULE_COUNT], 2);
    assert_int_equal(n.field_check, 3); /* 15, 30, 45 mu */
    free(h);
}

static void test_text_escape(void **state)
{
    (void)state;
    mw_text t = {0};
    mw_text_escape(&t, "a<b>&\"c'd 矿");
    assert_string_equal(t.s, "a&lt;b&gt;&amp;&quot;c&#39;d 矿");
    for (int i = 0; i < 10000; i++)
        mw_text_printf(&t, "%d,", i); /* grows past the first block */
    assert_int_equal(t.oom, 0);
    assert_true(t.len > 40000);
    mw_text_free(&t);
    assert_null(t.s);
}

static int setup(void **state)
{
    (void)state;
    return tmpdir_make("report_html");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cards_chips_cap),
        cmocka_unit_test(test_text_escape),
    };
    return cmocka_run_group_tests(tests, setup, tmpdir_remove);
}
