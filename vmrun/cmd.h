/*
 * cmd.h: what the files of the vmrun command share, the map of the
 * command as vmrun_impl.h is the library's.  The files are in layers,
 * numbered from the bottom, each under a "Layer N:" heading: a file calls
 * only files of its own layer or of lower ones, never in a circle.
 * tests/cli/layers_test checks the objects against this map.
 */

#ifndef CMD_H
#define CMD_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "vmrun.h"

/* sysexits(3) values, spelled out: design §8.1 fixes them. */
#define EX_OK		0
#define EX_USAGE	64
#define EX_DATAERR	65
#define EX_NOINPUT	66
#define EX_UNAVAILABLE	69
#define EX_SOFTWARE	70
#define EX_OSERR	71
#define EX_IOERR	74
#define EX_TEMPFAIL	75
#define EX_PROTOCOL	76

enum mode {
	M_RUN,
	M_DRYRUN,
	M_DEBUG,
	M_EMITCONFIG,
	M_CHECK
};

struct options {
	const char	*config;
	const char	*target;
	enum mode	 mode;
	int		 nmodes;
	bool		 json;
	const char	*bhyve;
	const char	*bhyvectl;
	const char	*bhyveload;
	const char	*grub_bhyve;
	const char	*swtpm;
	const char	*vmm_dir;
	const char	*control;	/* --control; "" for none */
	const char	*control_group;
	char *const	*extra;		/* arguments after "--" */
	const char	*pidfile;	/* -p: bhyve's pid */
	const char	*lockfile;	/* -P: ours, the per-VM lock */
	const char	*events;
	const char	*log;
	double		 stop_timeout;
	bool		 stop_timeout_set;
	int		 reboot_on[256];
	size_t		 nreboot_on;
	bool		 reboot_on_set;
	long long	 reboot_count;	/* -1: from the configuration */
	bool		 no_reboot;
	bool		 force;
	bool		 no_checks;
	bool		 fix;
	bool		 no_stdio;	/* --no-stdio: no terminal */
};

/*
 * Layer 0: messages, made safe for a terminal.
 */

/* vis.c */
void	 vis_fputs(const char *, FILE *);
size_t	 vis_str(const char *, char *, size_t);

/* print.c */
#define STDIN_PATH	"/dev/stdin"	/* what "-c -" reads, by name */
void	 print_diags(const struct vmrun_diags *, const char *);
int	 print_diags_json(const struct vmrun_diags *, const char *);
void	 warnx_(const char *, ...) __attribute__((__format__(__printf__, 1, 2)));
struct jw;
int	 print_doc(struct jw *);

/*
 * Layer 1: the command line, and what each mode and subcommand does.
 */

/* args.c */
int	 args_parse(int, char *[], struct options *, FILE *);
enum vmrun_status args_opts(const struct options *, int, struct vmrun_opts *);

/* console.c */
int	 cmd_console(int, char *[]);

/* ctl.c */
int	 cmd_ctl(int, char *[]);
int	 ctl_connect(const char *, struct vmrun_ctl **, char **);
int	 ctl_options(int, char *[], const char *, bool *,
	    int (*)(const char *));
long long mono_ms(void);

/* list.c */
int	 cmd_list(int, char *[]);

/* nostdio.c */
int	 nostdio_check(const struct options *, const struct vmrun_config *,
	    const struct vmrun_vm *, const char *);

/* plan.c */
int	 dry_run(const struct options *, const struct vmrun_vm *,
	    struct vmrun_diags *, const char *);

/* report.c */
bool	 is_host_code(const char *);
size_t	 report_grouped(const struct vmrun_diags *, const char *,
	    const char *, bool (*)(const struct vmrun_diag *), int);
int	 cmd_check(const struct options *, const struct vmrun_config *,
	    const struct vmrun_vm *, struct vmrun_diags *);

/* run.c */
int	 cmd_run(const struct options *, const struct vmrun_config *,
	    const struct vmrun_vm *);

/*
 * Layer 2: main().
 */

/* vmrun.c: reads the configuration and picks the mode or subcommand */

#endif /* CMD_H */
