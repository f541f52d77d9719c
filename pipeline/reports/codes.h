/* codes.h - the Chinese names of the codes the reports carry, and the
 * administrative codes (行政区划代码) of the counties.
 *
 * Every machine code (rule, finding, licence status, restoration status,
 * ledger state, case status, confidence level) has a Chinese name for the
 * reports of [report] language = zh; the English code stays in its own
 * column next to it (xlsx) or in the CSV.  Unknown values are returned
 * unchanged (a licence status the layer spells 有效 is already Chinese).
 *
 * [counties] code_field names the county layer's field holding the 6-digit
 * code (GB/T 2260, 14xxxx in Shanxi); every county feature must carry one
 * (MW_EXIT_VECTOR naming the layer, the feature and the field otherwise).
 * The code goes into every patch's verdict (mw_verdict.county_code) and into
 * every row of restoration_by_county (mw_county_progress.county_code).
 */
#ifndef MW_CODES_H
#define MW_CODES_H

#include <stddef.h>

#include "config.h"
#include "patches.h"
#include "restoration.h"
#include "rules.h"

/* Which code list a column's values come from. */
typedef enum {
    MW_CODES_NONE,
    MW_CODES_RULES,          /* ';'-separated rule codes (suspects.rules) */
    MW_CODES_FINDING,        /* INSIDE, OUT_OF_BOUNDS, ... */
    MW_CODES_LICENCE_STATUS, /* valid, expired, ... */
    MW_CODES_RESTORATION,    /* COMPLETED, IN_PROGRESS, ... */
    MW_CODES_LEDGER_STATE,   /* NEW, KNOWN, GROWN */
    MW_CODES_CASE_STATUS,    /* reported, field_checked, ... */
    MW_CODES_CONFIDENCE      /* low, high, highest */
} mw_code_list;

/* The code list of a report column (by its English name); MW_CODES_NONE for
 * a column of free text or numbers. */
mw_code_list mw_code_list_of(const char *column);

/* The Chinese name of one code of a list; the code itself when unknown. */
const char *mw_code_zh(mw_code_list list, const char *code);

/* value translated into buf (size bytes): each ';'-separated code of a
 * rules cell, else the whole value; returns buf. */
const char *mw_codes_zh(mw_code_list list, const char *value, char *buf, size_t size);

/* The English names of the rule codes an officer reads ("red line", ...). */
const char *mw_rule_en(const char *code);

/* The counties' administrative codes, one per feature of layers->counties
 * (same order).  n = 0 when [counties] code_field is not set. */
typedef struct mw_county_codes_s {
    size_t n;
    char (*code)[8];
} mw_county_codes;

/* Read and check the code field of the county layer.  0, or -1 with
 * mw_error (MW_EXIT_VECTOR) naming the layer, feature and field. */
int mw_county_codes_load(const mw_config *cfg, const mw_layers *L, mw_county_codes *out);
void mw_county_codes_free(mw_county_codes *c);

/* Is s exactly 6 ASCII digits? */
int mw_admin_code_valid(const char *s);

/* Fill mw_verdict.county_code of every patch (the county holding most of it,
 * as mw_county_of) and mw_county_progress.county_code of every county row
 * (by name).  No-op without codes. */
void mw_county_codes_apply(const mw_county_codes *c, const mw_layers *L, mw_patchset *ps,
                           mw_restoration *r);

#endif
