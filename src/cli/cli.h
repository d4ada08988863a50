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

/* Ctrl-C safety (style guide §6.8): runs fn(ud) in a child process. If
 * the child dies from a signal (SIGINT, SIGTERM, SIGHUP are forwarded to
 * it), calls cleanup(ud) to remove what the run created and returns
 * 128 + signal; otherwise returns the child's exit code. */
int cli_run_guarded(int (*fn)(void *), void (*cleanup)(void *), void *ud);

/* Removes path and everything below it without following symlinks;
 * with keep_root the directory itself stays. Errors are ignored. */
void cli_remove_tree(const char *path, int keep_root);

/* Names in dir that start with prefix (a NULL-terminated, malloc'ed
 * vector, or NULL), for "what did this run add" comparisons. */
char **cli_list_prefixed(const char *dir, const char *prefix);
int cli_list_has(char *const *list, const char *name);
void cli_list_free(char **list);

/* Writes s as a JSON string with Go encoding/json's escaping rules
 * (container.md §5.7); html = 1 also escapes < > & (ENCODE_INFO.json). */
void cli_json_quote(FILE *f, const char *s, size_t n, int html);
#endif
