/*
 * fakehost: what the check_*_test programs share.  The host checks of
 * design §6 (libvmrun/check.c) run against a fake host: a struct plat_ops
 * with scripted answers (F) that also records what it was asked, put in
 * place by setup() with plat_set and taken away again by teardown() at
 * the end of every case.  Files and sockets are real, made in the case's
 * work directory (relative names, so messages are predictable and socket
 * paths short).
 *
 * JSON texts are written with ' for " to keep them readable.  BASE names
 * rom.fd as the bootrom, which setup() creates, so that a case sees only
 * the problems it made.
 */

#ifndef FAKEHOST_H
#define FAKEHOST_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

#include "vmrun.h"
#include "platform.h"

#define BASE	"'name':'vm','cpu':1,'mem':'1G','bootrom':'rom.fd'"

struct fake {
	char	 fk_ifname[8][16];	/* interfaces that exist ... */
	int	 fk_ifstate[8];		/* ... and their state */
	struct plat_ifinfo fk_ifinfo[8]; /* ... and their settings */
	int	 fk_pvid[8];		/* ... their VLAN on their bridge */
	int	 fk_brstate[8];		/* ... PLAT_BR_* of a bridge, or -1 */
	char	 fk_ifaddr[8][32];	/* ... an address it holds (FreeBSD 15) */
	size_t	 fk_nif;
	char	 fk_netlog[2048];	/* each change made, "op args;" */
	int	 fk_netops;		/* changes asked for */
	int	 fk_netfail;		/* the change that fails (EIO), 1.., 0 */
	int	 fk_nifq;		/* if_state calls */
	int	 fk_create_err;		/* tap_create's answer */
	int	 fk_ncreate;
	char	 fk_created[16];
	int	 fk_vmm;		/* module answers */
	int	 fk_nmdm;
	char	 fk_modules[64];	/* names asked, blank-separated */
	int	 fk_maxcpu;
	int	 fk_ppt;		/* ppt answer, drv its driver */
	const char *fk_drv;
	int	 fk_nppt;
	unsigned fk_pptaddr[3];		/* last address asked */
	int	 fk_lookup;		/* pci_lookup answer, and address */
	unsigned fk_lookaddr[3];
	int	 fk_nlookup;
	unsigned long fk_lookids[2];	/* last ids asked */
	int	 fk_ncpu;		/* host CPUs (8) */
	int	 fk_osreldate;		/* kern.osreldate (PLAT_NA) */
};

/* The fake host's answers and records; setup() resets them. */
extern struct fake F;

struct run {
	struct vmrun_config *r_cf;
	const struct vmrun_vm *r_vm;
	struct vmrun_diags *r_ds;
	size_t	 r_nerr;		/* what vmrun_vm_check returned */
	char	*r_text;		/* diags_text */
};

/* As the fix of expect(): whatever it is. */
extern const char ANYFIX[];

void	fake_if_add(const char *, int);
void	fake_br_add(const char *, int);
const char *fake_net_state(void);
void	mkfile(const char *, const char *, mode_t);
void	setup(void);
void	teardown(void);
void	load(const char *, size_t, struct run *, const char *, const char *);
void	check(struct run *, const struct vmrun_opts *, unsigned);
void	run_done(struct run *);
size_t	ncode(const struct run *, const char *);
const struct vmrun_diag *find(const struct run *, const char *, const char *);
void	expect(const char *, size_t, const struct run *, const char *,
	    const char *, const char *, const char *, const char *);
void	expect_sev(const char *, size_t, const struct run *,
	    enum vmrun_severity, const char *, const char *, const char *,
	    const char *, const char *);
bool	exists(const char *);
int	unix_socket(const char *, bool);

#define LOAD(r, json, target)	load(__FILE__, __LINE__, r, json, target)

/* Load, check with flags and no options. */
#define CHECK(r, json, flags)	do {					\
	LOAD(r, json, NULL);						\
	check(r, NULL, flags);						\
} while (0)

/* Exactly n errors, and n diagnostics in all (no warning either). */
#define PROBLEMS(r, n)	ATF_CHECK_MSG((r)->r_nerr == (size_t)(n) &&	\
	vmrun_diags_count((r)->r_ds) == (size_t)(n),			\
	"expected %d problems, got %zu errors:\n%s", (int)(n),		\
	(r)->r_nerr, (r)->r_text)

#define EXPECT(r, code, path, group, msg, fix)				\
	expect(__FILE__, __LINE__, r, code, path, group, msg, fix)

/* The same for a warning, which is not counted as a problem. */
#define EXPECT_WARNING(r, code, path, group, msg, fix)			\
	expect_sev(__FILE__, __LINE__, r, VMRUN_WARNING, code, path,	\
	    group, msg, fix)

#endif /* !FAKEHOST_H */
