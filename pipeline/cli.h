/* cli.h - the command line.
 * Each command is one table (its operands and options) from which both
 * getopt_long's arguments and the usage are made: its own --help, and the
 * top-level usage, which lists every command with every option.  So an
 * option cannot be accepted without being shown, nor shown without being
 * accepted.  A command-line error is one line on stderr, exit 2. */
#ifndef MW_CLI_H
#define MW_CLI_H

#include <stdio.h>

#include "mw.h"

#define CLI_MAXOPT 8
#define CLI_MAXPOS 2

typedef struct {
    const char *name; /* long name, without "--" */
    char key;         /* short letter, or 0 */
    const char *arg;  /* the value's name in the usage; NULL: a flag */
    int required;
    const char *help;
} cli_opt;

typedef struct {
    const char *name;                     /* "scan", "licences import-corners" */
    const char *operand[CLI_MAXPOS + 1];  /* NULL-ended */
    const char *about;
    cli_opt opt[CLI_MAXOPT + 1];          /* ends with a NULL name */
} cli_command;

/* the commands (cli.c) */
extern const cli_command CMD_SCAN, CMD_NIGHTLY, CMD_SET_STATUS, CMD_CORNERS, CMD_AUDIT,
    CMD_EVALUATE, CMD_VERSION;

typedef struct {
    const cli_command *cmd;
    const char *val[CLI_MAXOPT]; /* by the index of cmd->opt; NULL: not given */
    const char *pos[CLI_MAXPOS];
} cli_args;

/* The help of one command, to f. */
void command_help(const cli_command *c, FILE *f);
/* The top-level usage: every command with every option, to f. */
void usage(FILE *f);
/* One line on stderr naming the command; the caller exits 2. */
void cli_error(const cli_command *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The value of option `name` (a flag given: "1"); NULL if not given or if
 * the command has no such option. */
const char *opt_value(const cli_args *a, const char *name);
/* Parse argv (argv[0]: the command's last word) for command c.  0; 1 after
 * printing the help (exit 0); -1 after printing one error line (exit 2). */
int cli_parse(const cli_command *c, int argc, char **argv, cli_args *a);
/* text as an integer in [min, max] into *out: 0, or -1 after cli_error. */
int parse_int_arg(const cli_command *c, const char *flag, const char *text, int min, int max,
                  int *out);

typedef struct {
    const char *config;
    const char *out_dir;
    int threads;      /* -1: from config */
    int tile_size;    /* -1: from config */
    const char *ledger; /* NULL: from config */
    int quiet;
} scan_args;

/* scan, licences audit, nightly: CONFIG.ini and the options of c (those it
 * has).  0; 1 after the help; -1 after one error line. */
int parse_scan_args(const cli_command *c, int argc, char **argv, scan_args *a);

/* the exit code of a parse that did not give 0 */
#define PARSED(rc) ((rc) > 0 ? MW_OK : MW_EXIT_USAGE)

#endif
