/*
 * ekvbackup: turns elastickv FSM snapshots into a per-adapter directory
 * tree and back. main() only dispatches through commands[]; each
 * subcommand lives in its own cmd_<name>.c.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "decode", cmd_decode, "decode a .fsm snapshot into a dump tree" },
	{ "encode", cmd_encode, "encode a dump tree back into a .fsm snapshot" },
	{ "verify", cmd_verify, "check a dump tree against its CHECKSUMS, MANIFEST and KEYMAPs" },
	{ "inspect", cmd_inspect, "count a snapshot's records by prefix class and adapter" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ekvbackup <command> [flags]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nRun 'ekvbackup <command> --help' for the flags and exit codes of a command.\n"
		   "  ekvbackup --version   print the version\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-help") == 0 ||
	    strcmp(name, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "-version") == 0 ||
	    strcmp(name, "version") == 0) {
		printf("ekvbackup %s\n", EKV_VERSION_STRING);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(name, commands[i].name) == 0) return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "ekvbackup: unknown command \"%s\"\n\n", name);
	usage(stderr);
	return 2;
}
