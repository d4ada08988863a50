/*
 * Shared declarations of the ekvbackup program: one cmd_<name>() per
 * subcommand (src/cli/cmd_<name>.c), listed in main.c's commands[] table,
 * and the few helpers every command uses. The program only calls the
 * public API of include/ekvbackup/ekvbackup.h.
 */
#ifndef EKV_CLI_H
#define EKV_CLI_H
#include <stddef.h>
#include <stdio.h>

#include "ekvbackup/ekvbackup.h"

int cmd_decode(int argc, char **argv);
int cmd_encode(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_inspect(int argc, char **argv);

/* "ekvbackup <cmd>: [<what>: ]<status-name>: <formatted error>" on stderr. */
void cli_report_error(const char *cmd, const char *what, int status, const struct ekv_error *err);
/* Warning sink for ekv_decode: "warning: <adapter>: <event>: <detail>"
 * on stderr; ud points at an int that is non-zero when --quiet. */
void cli_warn(void *ud, const char *adapter, const char *event, const char *detail);

/* Ctrl-C safety (style guide §6.8): SIGINT, SIGTERM and SIGHUP (unless
 * ignored) set the returned flag, which the library polls and answers with
 * EKV_ECANCELED after removing what the run created. A second signal ends
 * the process at once. */
const volatile int *cli_cancel_flag(void);
/* For a run that returned st: 128 + signal (with a message) if it was
 * canceled, else -1. */
int cli_canceled_exit(int st);

/* Writes s as a JSON string with Go encoding/json's escaping rules
 * (container.md §5.7); html = 1 also escapes < > & (ENCODE_INFO.json). */
void cli_json_quote(FILE *f, const char *s, size_t n, int html);
#endif
