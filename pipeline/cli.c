/* cli.c - the command line: every command's table of operands and options,
 * the usage made from them, and the parser (cli.h). */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPT_OUT(what) {"out", 'o', "OUTDIR", 0, what}
#define OPT_QUIET {"quiet", 'q', NULL, 0, "no log lines; a failure prints its error line alone"}
#define OPT_LEDGER {"ledger", 0, "PATH_OR_PG", 0, "the ledger: a GeoPackage path or a PG: " \
                                                   "connection string (default: [ledger] path)"}

const cli_command CMD_SCAN = {
    "scan", {"CONFIG.ini"},
    "compare the two dates of CONFIG.ini, find disturbance patches, judge them against\n"
    "the legal layers and write change.tif, suspects.csv, patches.gpkg and\n"
    "manifest.json (and the restoration and licence tables) into OUTDIR",
    {OPT_OUT("report folder (default: [output] dir)"),
     {"threads", 0, "N", 0, "threads of the tile pass, 0-1024, 0 = every core "
                            "(default: [tiles] threads)"},
     {"tile-size", 0, "N", 0, "tile side in pixels, a multiple of 16 in 64-8192 "
                              "(default: [tiles] size)"},
     OPT_LEDGER,
     OPT_QUIET}};
const cli_command CMD_NIGHTLY = {
    "nightly", {"CONFIG.ini"},
    "scan every pair of the [nightly] catalog not done yet, each into its own\n"
    "folder, recording the patches in the ledger",
    {OPT_LEDGER, OPT_QUIET}};
const cli_command CMD_SET_STATUS = {
    "ledger set-status", {"LEDGER_ID", "STATUS"},
    "set the case status of a ledger place; STATUS: reported, field_checked,\n"
    "confirmed, dismissed, closed",
    {{"ledger", 0, "PATH_OR_PG", 1, "the ledger: a GeoPackage path or a PG: connection "
                                    "string"}}};
const cli_command CMD_CORNERS = {
    "licences import-corners", {"CORNERS.csv"},
    "turn a corner-point table (licence_id,ring,point,x,y with x = northing,\n"
    "y = easting; extra columns copied) into a licence layer",
    {{"epsg", 0, "N", 1, "CGCS2000 3-degree Gauss-Kruger zone, 4513-4554 (Shanxi: "
                         "4525/4526 or 4546/4547)"},
     {"out", 'o', "OUT.gpkg", 1, "the GeoPackage to write"},
     {"layer", 0, "NAME", 0, "its layer (default: licences)"},
     {"encoding", 0, "NAME", 0, "text encoding of the table, e.g. GBK (default: UTF-8, "
                                "or GBK when the table is not valid UTF-8)"}}};
const cli_command CMD_AUDIT = {
    "licences audit", {"CONFIG.ini"},
    "audit the licences of CONFIG.ini against the control lines and for\n"
    "consolidation, without imagery: licences.csv and licences.gpkg in OUTDIR",
    {OPT_OUT("report folder (default: [output] dir/audit)"), OPT_QUIET}};
const cli_command CMD_EVALUATE = {
    "evaluate", {"PRED.tif", "REFERENCE.tif"},
    "score a change map against a reference (one band: 0 unchanged, 1 changed,\n"
    "255 unlabelled): overall accuracy, kappa, F1, precision, recall",
    {{"json", 0, NULL, 0, "print the scores as one JSON object"}}};
const cli_command CMD_VERSION = {
    "version", {NULL}, "print the version, and GDAL's", {{0}}};

/* every command, in the order of the top-level usage */
static const cli_command *const COMMANDS[] = {&CMD_SCAN,    &CMD_EVALUATE, &CMD_NIGHTLY,
                                              &CMD_SET_STATUS, &CMD_CORNERS, &CMD_AUDIT,
                                              &CMD_VERSION};
#define NCOMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

static void print_synopsis(FILE *f, const cli_command *c)
{
    fprintf(f, "minewatch %s", c->name);
    for (int i = 0; c->operand[i]; i++)
        fprintf(f, " %s", c->operand[i]);
    for (const cli_opt *o = c->opt; o->name; o++) {
        fputs(o->required ? " " : " [", f);
        if (o->key)
            fprintf(f, "-%c|", o->key);
        fprintf(f, "--%s", o->name);
        if (o->arg)
            fprintf(f, " %s", o->arg);
        if (!o->required)
            fputc(']', f);
    }
    fputc('\n', f);
}

/* minewatch COMMAND --help */
void command_help(const cli_command *c, FILE *f)
{
    fputs("usage: ", f);
    print_synopsis(f, c);
    fprintf(f, "\n%s\n\n", c->about);
    for (const cli_opt *o = c->opt; o->name; o++) {
        char flag[64];
        snprintf(flag, sizeof flag, "%s%c%s--%s%s%s", o->key ? "-" : " ", o->key ? o->key : ' ',
                 o->key ? ", " : "  ", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(f, "  %-26s %s\n", flag, o->help);
    }
    fprintf(f, "  %-26s %s\n", "-h, --help", "this help");
}

/* minewatch, minewatch --help: every command with every option */
void usage(FILE *f)
{
    for (size_t i = 0; i < NCOMMANDS; i++) {
        fputs(i ? "       " : "usage: ", f);
        print_synopsis(f, COMMANDS[i]);
    }
    fputs("\nEvery command takes -h|--help: its usage and what each option does.\n"
          "\n"
          "scan      compare the two dates of CONFIG.ini, find disturbance patches, judge\n"
          "          them against the legal layers, write the reports into OUTDIR\n"
          "evaluate  score a change map against a reference\n"
          "nightly   scan every new pair of the [nightly] catalog, updating the ledger\n"
          "ledger    set-status: change the case status of a place of the ledger\n"
          "licences  import-corners: a corner-point table to a licence layer;\n"
          "          audit: the licence audit of CONFIG.ini without imagery\n",
          f);
}

/* "-o|--out" or "--threads", as the usage shows it */
static const char *opt_shown(const cli_opt *o, char *buf, size_t size)
{
    if (o->key)
        snprintf(buf, size, "-%c|--%s", o->key, o->name);
    else
        snprintf(buf, size, "--%s", o->name);
    return buf;
}

/* One line on stderr naming the command; the caller exits 2. */
void cli_error(const cli_command *c, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    fprintf(stderr, "minewatch: %s: %s (see minewatch %s --help)\n", c->name, what, c->name);
}


/* The value of option `name` (a flag given: "1"); NULL if not given or if
 * the command has no such option. */
const char *opt_value(const cli_args *a, const char *name)
{
    for (int i = 0; a->cmd->opt[i].name; i++)
        if (!strcmp(a->cmd->opt[i].name, name))
            return a->val[i];
    return NULL;
}

/* Parse argv (argv[0]: the command's last word) for command c.  0; 1 after
 * printing the help (exit 0); -1 after printing one error line (exit 2). */
int cli_parse(const cli_command *c, int argc, char **argv, cli_args *a)
{
    struct option lo[CLI_MAXOPT + 2];
    char so[3 * CLI_MAXOPT + 4] = ":h"; /* ':' first: a missing value is ':' */
    size_t ns = 2;
    int n = 0;
    *a = (cli_args){.cmd = c};
    for (; c->opt[n].name; n++) {
        const cli_opt *o = &c->opt[n];
        lo[n] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL, 256 + n};
        if (o->key) {
            so[ns++] = o->key;
            if (o->arg)
                so[ns++] = ':';
        }
    }
    so[ns] = '\0';
    lo[n] = (struct option){"help", no_argument, NULL, 'h'};
    lo[n + 1] = (struct option){NULL, 0, NULL, 0};
    opterr = 0;
    optind = 0; /* glibc: start afresh */
    int ch;
    while ((ch = getopt_long(argc, argv, so, lo, NULL)) != -1) {
        if (ch == 'h') {
            command_help(c, stdout);
            return 1;
        }
        int k = -1;
        for (int i = 0; i < n && k < 0; i++)
            if (ch == 256 + i || (c->opt[i].key && ch == c->opt[i].key))
                k = i;
        if (ch == ':' || ch == '?') {
            char shown[128];
            if (optopt >= 256 && optopt < 256 + n)
                opt_shown(&c->opt[optopt - 256], shown, sizeof shown);
            else if (optopt)
                snprintf(shown, sizeof shown, "-%c", optopt);
            else
                snprintf(shown, sizeof shown, "%s", argv[optind - 1]);
            if (ch == ':')
                cli_error(c, "%s needs a value", shown);
            else
                cli_error(c, "unknown option '%s'", shown);
            return -1;
        }
        if (k < 0) {
            cli_error(c, "unknown option '%s'", argv[optind - 1]);
            return -1;
        }
        const cli_opt *o = &c->opt[k];
        char shown[64];
        if (a->val[k]) {
            cli_error(c, "%s is given twice", opt_shown(o, shown, sizeof shown));
            return -1;
        }
        if (o->arg && !optarg[0]) {
            cli_error(c, "%s needs %s, got an empty string", opt_shown(o, shown, sizeof shown),
                      o->arg);
            return -1;
        }
        a->val[k] = o->arg ? optarg : "1";
    }
    int npos = 0;
    while (c->operand[npos])
        npos++;
    for (int i = 0; optind + i < argc; i++) {
        const char *v = argv[optind + i];
        if (i >= npos) {
            cli_error(c, "unexpected argument '%s'", v);
            return -1;
        }
        if (!v[0]) {
            cli_error(c, "%s is an empty string", c->operand[i]);
            return -1;
        }
        a->pos[i] = v;
    }
    for (int i = 0; i < npos; i++)
        if (!a->pos[i]) {
            cli_error(c, "needs %s", c->operand[i]);
            return -1;
        }
    for (int i = 0; i < n; i++)
        if (c->opt[i].required && !a->val[i]) {
            char shown[64];
            cli_error(c, "needs %s %s", opt_shown(&c->opt[i], shown, sizeof shown),
                      c->opt[i].arg);
            return -1;
        }
    return 0;
}


int parse_int_arg(const cli_command *c, const char *flag, const char *text, int min,
                         int max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (!text[0] || *end || errno || v < min || v > max) {
        cli_error(c, "%s needs an integer in [%d, %d], got '%s'", flag, min, max, text);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* scan, licences audit, nightly: CONFIG.ini and the options of c (those it
 * has).  0; 1 after the help; -1 after one error line. */
int parse_scan_args(const cli_command *c, int argc, char **argv, scan_args *a)
{
    cli_args ca;
    int rc = cli_parse(c, argc, argv, &ca);
    if (rc)
        return rc;
    *a = (scan_args){.config = ca.pos[0], .threads = -1, .tile_size = -1,
                     .out_dir = opt_value(&ca, "out"), .ledger = opt_value(&ca, "ledger"),
                     .quiet = opt_value(&ca, "quiet") != NULL};
    const char *v;
    if ((v = opt_value(&ca, "threads")) && parse_int_arg(c, "--threads", v, 0, 1024, &a->threads))
        return -1;
    if ((v = opt_value(&ca, "tile-size")) &&
        parse_int_arg(c, "--tile-size", v, 64, 8192, &a->tile_size))
        return -1;
    if (a->tile_size > 0 && a->tile_size % 16) {
        cli_error(c, "--tile-size must be a multiple of 16, got %d", a->tile_size);
        return -1;
    }
    return 0;
}
