/*
 * probe: what the installed bhyve supports (design §12.4).  Its options
 * come from the per-option lines of "bhyve -h" (standard error, exit 0:
 * "       -K: PS2 keyboard layout"), not from the bracketed synopsis, which
 * leaves out -K, -M and -n; its PCI emulations from "bhyve -s help"
 * (standard output, one name a line).  What help cannot show -- settings
 * bhyve ignores silently when it does not know them, a backend of a
 * device it lists -- comes from the FreeBSD version (kern.osreldate).
 *
 * Each feature is one row of a table: how a VM uses it, how it is
 * detected, and the first FreeBSD release that has it.  bhyve is asked
 * once per process and per program (the answer is kept in static
 * storage for the process's life), before a start or by --check, never
 * for a dry run.  Each question is a short child with its output read
 * up to PROBE_MAX bytes and PROBE_SECONDS to answer; a bhyve that cannot
 * be run or answers otherwise teaches nothing, and nothing is reported
 * from it: starting it is what reports that.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmrun_impl.h"
#include "supervise.h"
#include "platform.h"

#define DEFAULT_BHYVE	"/usr/sbin/bhyve"
/* bhyve -h prints about 2 KiB; bound what a broken program can send. */
#define PROBE_MAX	(64 * 1024)
/* Each question's bound: bhyve answers help at once, without the VM. */
#define PROBE_SECONDS	2.0

extern char **environ;

/* What was learnt of one program, for the life of the process. */
static struct {
	char	 pb_bhyve[PATH_MAX];	/* the program asked, or "" */
	bool	 pb_hasopts;		/* pb_opt is from its -h */
	bool	 pb_opt[128];
	bool	 pb_hasemuls;		/* pb_emuls is from its -s help */
	char	 pb_emuls[PROBE_MAX];	/* "\nNAME\nNAME\n" */
	unsigned pb_asked;		/* how many times bhyve was run */
} probe;

static bool
uses_pin(const struct vmrun_vm *vm)
{
	return (vm->vm_npin > 0);
}

static bool
uses_domains(const struct vmrun_vm *vm)
{
	return (vm->vm_ndomains > 0);
}

static bool
uses_msr(const struct vmrun_vm *vm)
{
	return (vm->vm_msr_ignore);
}

static bool
uses_x2apic(const struct vmrun_vm *vm)
{
	return (vm->vm_x2apic);
}

static bool
uses_kbdlayout(const struct vmrun_vm *vm)
{
	return (vm->vm_kbdlayout != NULL);
}

static bool
uses_smbios(const struct vmrun_vm *vm)
{
	return (vm->vm_nsmbios > 0);
}

static bool
uses_swtpm(const struct vmrun_vm *vm)
{
	return (vm->vm_tpm != NULL && vm->vm_tpm->tp_swtpm);
}

static bool
uses_tpm_passthru(const struct vmrun_vm *vm)
{
	return (vm->vm_tpm != NULL && !vm->vm_tpm->tp_swtpm);
}

/*
 * The features: one row each.  A row is detected by an option letter
 * that "bhyve -h" lists, or else by the FreeBSD version (kern.osreldate
 * at least ft_osreldate) where help cannot show it.  ft_release is the
 * first FreeBSD release that has it (bhyve.md §2.1, §12), or NULL where
 * that is not known.  ft_ignored: bhyve takes the setting without a
 * word when it lacks it, so lacking it is a warning, not an error.
 */
static const struct feature {
	const char	*ft_name;
	const char	*ft_key;	/* the JSON path of the setting */
	bool		(*ft_uses)(const struct vmrun_vm *);
	char		 ft_opt;
	int		 ft_osreldate;
	const char	*ft_release;
	bool		 ft_ignored;
} features[] = {
	{ "CPU pinning (-p)", "cpu.pin", uses_pin, 'p', 0, NULL, false },
	{ "NUMA domains (-n)", "domains", uses_domains, 'n', 0, "15.0",
	    false },
	{ "ignoring unimplemented MSRs (-w)", "ignore_unimplemented_msr",
	    uses_msr, 'w', 0, NULL, false },
	{ "x2APIC mode (-x)", "x2apic", uses_x2apic, 'x', 0, NULL, false },
	{ "keyboard layouts (-K)", "keyboard_layout", uses_kbdlayout, 'K', 0,
	    "14.0", false },
	{ "SMBIOS strings (bios.*, system.*, board.*, chassis.*)", "smbios",
	    uses_smbios, 0, 1400000, "14.0", true },
	/*
	 * The TPM is not in bhyve's help: the host's own TPM from 14.1,
	 * swtpm's socket from 15.0 (bhyve.md's version table).  An older
	 * bhyve refuses the device at start.
	 */
	{ "TPM passthru (-l tpm,passthru)", "tpm", uses_tpm_passthru, 0,
	    1401000, "14.1", false },
	{ "TPM emulation by swtpm (-l tpm,swtpm)", "tpm", uses_swtpm, 0,
	    1500000, "15.0", false },
};

/*
 * The options of a usage text: each line whose first word is "-X:" (X
 * one letter or digit) sets opt[X].  Returns how many were found.
 */
size_t
probe_parse_usage(const char *text, bool opt[128])
{
	const char *s;
	size_t n;

	memset(opt, 0, 128 * sizeof(*opt));
	for (n = 0, s = text; s != NULL && *s != '\0'; ) {
		s += strspn(s, " \t");
		if (s[0] == '-' && isalnum((unsigned char)s[1]) &&
		    s[2] == ':' && !opt[(unsigned char)s[1]]) {
			opt[(unsigned char)s[1]] = true;
			n++;
		}
		if ((s = strchr(s, '\n')) != NULL)
			s++;
	}
	return (n);
}

/*
 * The emulation names of "-s help" (a name a line, blanks around it
 * ignored) into buf as "\nNAME\nNAME\n", for strstr.  Returns how many;
 * lines that are not one name are skipped.
 */
size_t
probe_parse_emuls(const char *text, char *buf, size_t len)
{
	const char *s, *e;
	size_t n, w, at;

	if (len < 2)
		return (0);
	buf[0] = '\n';
	buf[1] = '\0';
	at = 1;
	for (n = 0, s = text; s != NULL && *s != '\0'; ) {
		s += strspn(s, " \t");
		e = s + strcspn(s, "\n");
		for (w = 0; s + w < e && (isalnum((unsigned char)s[w]) ||
		    s[w] == '-' || s[w] == '_'); w++)
			;
		if (w > 0 && s + w + strspn(s + w, " \t\r") == e &&
		    at + w + 2 <= len) {
			memcpy(buf + at, s, w);
			at += w;
			buf[at++] = '\n';
			buf[at] = '\0';
			n++;
		}
		s = *e == '\n' ? e + 1 : NULL;
	}
	return (n);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/*
 * Run argv with descriptor which (1 or 2) into buf (len bytes, kept
 * NUL-terminated), the others on /dev/null; the child gets PROBE_SECONDS
 * to exit and is killed then.  true when it exited 0.
 */
static bool
probe_run(const char *const argv[], int which, char *buf, size_t len)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	struct pollfd pfd[2];
	sigset_t none;
	double end;
	size_t got;
	ssize_t r;
	pid_t pid;
	int p[2], nul, st, e, ms;
	bool eof, gone;

	buf[0] = '\0';
	if (pipe(p) != 0)
		return (false);
	(void)fcntl(p[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
	if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
		close(p[0]);
		close(p[1]);
		return (false);
	}
	e = posix_spawn_file_actions_init(&fa);
	if (e == 0 && (e = posix_spawnattr_init(&at)) != 0)
		posix_spawn_file_actions_destroy(&fa);
	if (e == 0) {
		e |= posix_spawn_file_actions_adddup2(&fa, nul, 0);
		e |= posix_spawn_file_actions_adddup2(&fa, which == 1 ? p[1] :
		    nul, 1);
		e |= posix_spawn_file_actions_adddup2(&fa, which == 2 ? p[1] :
		    nul, 2);
		e |= plat_spawn_closefrom(&fa, 3);
		sigemptyset(&none);
		e |= posix_spawnattr_setsigmask(&at, &none);
		e |= posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
		if (e == 0)
			e = posix_spawn(&pid, argv[0], &fa, &at,
			    (char *const *)(uintptr_t)argv, environ);
		posix_spawn_file_actions_destroy(&fa);
		posix_spawnattr_destroy(&at);
	}
	close(p[1]);
	close(nul);
	if (e != 0) {
		close(p[0]);
		return (false);
	}
	probe.pb_asked++;
	pfd[0].fd = p[0];
	pfd[0].events = POLLIN;
	pfd[1].fd = plat_procfd(pid);
	pfd[1].events = POLLIN;
	end = now() + PROBE_SECONDS;
	got = 0;
	eof = gone = false;
	/* Until its output ends and it has exited, or the time is up. */
	while ((!eof || (!gone && pfd[1].fd >= 0)) &&
	    (ms = (int)((end - now()) * 1000)) > 0) {
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(eof ? pfd + 1 : pfd, eof ? 1 : 2, ms) < 0 &&
		    errno != EINTR)
			break;
		if (pfd[1].revents != 0)
			gone = true;
		if (eof || pfd[0].revents == 0)
			continue;
		r = read(p[0], buf + got, len - 1 - got);
		if (r > 0) {
			got += (size_t)r;
			buf[got] = '\0';
		}
		/* Full: the rest is not help text. */
		if (r == 0 || got == len - 1 || (r < 0 && errno != EAGAIN &&
		    errno != EINTR))
			eof = true;
	}
	close(p[0]);
	if (pfd[1].fd >= 0)
		close(pfd[1].fd);
	if (!eof || (!gone && pfd[1].fd >= 0) || got == len - 1)
		(void)kill(pid, SIGKILL);
	/* Reaped by pid: the caller's other children are its own. */
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	return (r == pid && eof && got < len - 1 && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
}

/* Learn what bhyve (a path) has, unless this process has asked it. */
static void
probe_learn(const char *bhyve)
{
	static char text[PROBE_MAX];
	const char *hv[] = { bhyve, "-h", NULL };
	const char *sv[] = { bhyve, "-s", "help", NULL };

	if (strcmp(probe.pb_bhyve, bhyve) == 0)
		return;
	if (strlen(bhyve) >= sizeof(probe.pb_bhyve))
		return;
	memcpy(probe.pb_bhyve, bhyve, strlen(bhyve) + 1);
	probe.pb_hasopts = probe_run(hv, 2, text, sizeof(text)) &&
	    probe_parse_usage(text, probe.pb_opt) > 0;
	probe.pb_hasemuls = probe_run(sv, 1, text, sizeof(text)) &&
	    probe_parse_emuls(text, probe.pb_emuls,
	    sizeof(probe.pb_emuls)) > 0;
}

/* Tests: forget what was learnt; how many times bhyve was asked. */
unsigned
probe_reset(void)
{
	unsigned n;

	n = probe.pb_asked;
	memset(&probe, 0, sizeof(probe));
	return (n);
}

/* The first release that has it, as a fix. */
static const char *
probe_fix(struct hctx *hc, const struct feature *ft)
{
	if (ft->ft_release == NULL)
		return (pool_printf(hc->hc_pool, "use a newer bhyve, or remove "
		    "\"%s\"", ft->ft_key));
	return (pool_printf(hc->hc_pool, "upgrade the host to FreeBSD %s or "
	    "later, or remove \"%s\"", ft->ft_release, ft->ft_key));
}

static void
probe_feature(struct hctx *hc, const struct feature *ft, int osrel)
{
	char opt[3];

	if (ft->ft_opt != 0 && probe.pb_hasopts &&
	    !probe.pb_opt[(unsigned char)ft->ft_opt]) {
		opt[0] = '-';
		opt[1] = ft->ft_opt;
		opt[2] = '\0';
		host_problem(hc, "bhyve-lacks", ft->ft_key, probe_fix(hc, ft),
		    "this bhyve lacks %s: \"bhyve -h\" lists no %s%s%s%s",
		    ft->ft_name, opt, ft->ft_release != NULL ?
		    "; FreeBSD " : "", ft->ft_release != NULL ?
		    ft->ft_release : "", ft->ft_release != NULL ?
		    " is the first release to have it" : "");
		return;
	}
	if (ft->ft_opt != 0 || ft->ft_osreldate == 0 || osrel <= 0 ||
	    osrel >= ft->ft_osreldate)
		return;
	if (ft->ft_ignored)
		diag_addg(hc->hc_ds, VMRUN_WARNING, "bhyve-ignores",
		    hc->hc_group, ft->ft_key, probe_fix(hc, ft), "this host "
		    "(kern.osreldate %d) has no %s, which its bhyve ignores "
		    "without a word; FreeBSD %s is the first release to have "
		    "them", osrel, ft->ft_name, ft->ft_release);
	else
		host_problem(hc, "bhyve-lacks", ft->ft_key, probe_fix(hc, ft),
		    "this host (kern.osreldate %d) has no %s; FreeBSD %s is "
		    "the first release to have it", osrel, ft->ft_name,
		    ft->ft_release);
}

/* Every PCI emulation the VM uses is one "bhyve -s help" lists. */
static void
probe_emuls(struct hctx *hc, const struct vmrun_vm *vm)
{
	const struct dev *d;
	char want[64];
	size_t i;

	for (i = 0; i < vm->vm_npci; i++) {
		if ((d = vm->vm_pci[i].pe_dev) == NULL || d->dv_type == NULL ||
		    d->dv_type == &devtype_raw)
			continue;
		if ((size_t)snprintf(want, sizeof(want), "\n%s\n",
		    d->dv_type->dt_name) >= sizeof(want) ||
		    strstr(probe.pb_emuls, want) != NULL)
			continue;
		hc->hc_group = dev_group(d, hc->hc_pool);
		host_problem(hc, "bhyve-lacks", d->dv_path, "use a newer bhyve, "
		    "or another device", "this bhyve lacks the %s emulation: "
		    "\"bhyve -s help\" does not list it", d->dv_type->dt_name);
	}
	hc->hc_group = "vm";
}

/*
 * design §12.4: the features the VM uses that the host's bhyve lacks,
 * under group "vm" (emulations under their device), bhyve asked first
 * when this process has not asked it yet.
 */
void
probe_check(struct hctx *hc, const struct vmrun_vm *vm)
{
	const char *bhyve;
	size_t i;
	int osrel;
	bool used;

	for (used = false, i = 0; i < sizeof(features) / sizeof(features[0]);
	    i++)
		used |= features[i].ft_uses(vm);
	bhyve = hc->hc_opts != NULL &&
	    hc->hc_opts->op_prog[VMRUN_PROG_BHYVE] != NULL ?
	    hc->hc_opts->op_prog[VMRUN_PROG_BHYVE] : DEFAULT_BHYVE;
	probe_learn(bhyve);
	hc->hc_group = "vm";
	osrel = used ? hc->hc_plat->po_osreldate() : PLAT_NA;
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (features[i].ft_uses(vm))
			probe_feature(hc, &features[i], osrel);
	if (probe.pb_hasemuls)
		probe_emuls(hc, vm);
}
