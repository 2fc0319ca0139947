/*
 * manager: supervise every *.json of a directory in one process, with
 * one poll(2) loop, using only the public libvmrun header -- the model
 * for a VM manager.  Each VM's events are printed on standard output as
 * JSON lines; SIGTERM, SIGINT or SIGHUP stops them all gracefully, and
 * the manager exits once the last has ended, with the highest of their
 * exit statuses (vmrun(8) EXIT STATUS).
 *
 *	usage: manager [-n] [-b bhyve] [-c bhyvectl] [-l bhyveload]
 *		       [-r rundir] [-v vmmdir] directory
 *
 * -n skips the host checks; -r puts each VM's lock and control socket
 * (NAME.lock, NAME.sock) in rundir instead of /var/run/vmrun; the
 * others name the programs and the VM device directory.
 */

#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmrun.h>

#define MAXVMS		4096

struct vm {
	struct vmrun_config *vm_cf;
	struct vmrun_sup *vm_su;
	int		 vm_rc;		/* -1 while supervised */
};

/* The handlers reach every supervisor; set before they are installed. */
static struct vm *g_vm;
static volatile sig_atomic_t g_nvm;

static void
on_signal(int sig)
{
	sig_atomic_t i;

	for (i = 0; i < g_nvm; i++)
		vmrun_sup_signal(g_vm[i].vm_su, sig);
}

/*
 * The signals a supervisor acts on go to every one of them.  Not
 * SIGCHLD: a supervisor learns of its children's ends from their process
 * descriptors, and forwarding each to every supervisor would wake all of
 * them for every child that ends.
 */
static int
install_handlers(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT,
	    SIGUSR2, SIGALRM, SIGUSR1 };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	sa.sa_handler = on_signal;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) != 0)
			return (-1);
	sa.sa_handler = SIG_IGN;
	return (sigaction(SIGPIPE, &sa, NULL));
}

/* Every event, one JSON line; the callback's argument is unused. */
static void
on_event(const struct vmrun_event *ev, void *arg)
{
	char *line;

	(void)arg;
	if ((line = vmrun_event_json(ev)) == NULL)
		return;
	printf("%s\n", line);
	fflush(stdout);
	free(line);
}

/* The problems of a VM, as JSON, on standard error. */
static void
report(const struct vmrun_diags *ds, const char *name)
{
	char *text;

	if (ds == NULL || vmrun_diags_count(ds) == 0)
		return;
	if ((text = vmrun_diags_json(ds, name)) != NULL)
		fprintf(stderr, "%s\n", text);
	free(text);
}

static int
is_json(const struct dirent *de)
{
	size_t n;

	n = strlen(de->d_name);
	return (de->d_name[0] != '.' && n > 5 &&
	    strcmp(de->d_name + n - 5, ".json") == 0);
}

/* What the command line sets, for every VM. */
struct settings {
	const char	*st_prog[3];	/* by enum vmrun_program; NULL: default */
	const char	*st_vmmdir;
	const char	*st_rundir;
	int		 st_nocheck;
};

/* The options of VM name: new (vmrun_opts_free), or NULL. */
static struct vmrun_opts *
opts_for(const struct settings *set, const char *name)
{
	struct vmrun_opts *op;
	char lock[PATH_MAX];
	int i, bad;

	if ((op = vmrun_opts_new()) == NULL)
		return (NULL);
	bad = 0;
	for (i = 0; i < 3; i++)
		if (set->st_prog[i] != NULL)
			bad |= vmrun_opts_set_program(op,
			    (enum vmrun_program)i, set->st_prog[i]) != VMRUN_OK;
	if (set->st_vmmdir != NULL)
		bad |= vmrun_opts_set_vmm_dir(op, set->st_vmmdir) != VMRUN_OK;
	if (set->st_rundir != NULL) {
		/* The control socket goes beside the lock: NAME.sock. */
		snprintf(lock, sizeof(lock), "%s/%s.lock", set->st_rundir,
		    name);
		bad |= vmrun_opts_set_lockfile(op, lock) != VMRUN_OK;
	}
	if (set->st_nocheck)
		bad |= vmrun_opts_set_checks(op, -1) != VMRUN_OK;
	if (bad) {
		vmrun_opts_free(op);
		return (NULL);
	}
	return (op);
}

/*
 * Load dir/file and start its supervisor: 0, or an exit status of
 * vmrun(8) when it could not be (the problems are on standard error).
 */
static int
vm_start(struct vm *vm, const char *dir, const char *file,
    const struct settings *set)
{
	struct vmrun_diags *ds;
	struct vmrun_opts *op;
	char path[PATH_MAX];
	enum vmrun_status st;

	vm->vm_cf = NULL;
	vm->vm_su = NULL;
	vm->vm_rc = -1;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((ds = vmrun_diags_new()) == NULL)
		return (71);
	if ((st = vmrun_config_load_file(path, ds, &vm->vm_cf)) != VMRUN_OK) {
		fprintf(stderr, "manager: %s: %s\n", path,
		    vmrun_strstatus(st));
		report(ds, NULL);
		vmrun_diags_free(ds);
		return (st == VMRUN_ERR_IO ? 66 : 65);
	}
	vmrun_diags_free(ds);
	if ((op = opts_for(set, vmrun_config_name(vm->vm_cf))) == NULL)
		return (71);
	st = vmrun_sup_new(vm->vm_cf, NULL, op, &vm->vm_su);
	vmrun_opts_free(op);
	if (st != VMRUN_OK) {
		fprintf(stderr, "manager: %s: %s\n", path,
		    vmrun_strstatus(st));
		return (st == VMRUN_ERR_NOMEM ? 71 : 65);
	}
	vmrun_sup_set_callback(vm->vm_su, on_event, NULL);
	return (0);
}

static void
usage(void)
{
	fprintf(stderr, "usage: manager [-n] [-b bhyve] [-c bhyvectl] "
	    "[-l bhyveload] [-r rundir] [-v vmmdir] directory\n");
	exit(64);
}

/*
 * The one loop: poll every live supervisor's descriptor, with no
 * timeout (each supervisor's deadlines make its descriptor readable),
 * and dispatch the readable ones until all have ended.  Returns the
 * highest of their exit statuses.
 */
static int
supervise(struct vm *vm, int n, struct pollfd *pfd, int worst)
{
	int i, live;

	for (live = 0, i = 0; i < n; i++)
		live += vm[i].vm_rc < 0;
	while (live > 0) {
		for (i = 0; i < n; i++) {
			pfd[i].fd = vm[i].vm_rc < 0 ?
			    vmrun_sup_fd(vm[i].vm_su) : -1;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("manager: poll");
			return (71);
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0 || vm[i].vm_rc >= 0 ||
			    (vm[i].vm_rc = vmrun_sup_dispatch(vm[i].vm_su)) < 0)
				continue;
			live--;
			report(vmrun_sup_diags(vm[i].vm_su),
			    vmrun_config_name(vm[i].vm_cf));
			if (vm[i].vm_rc > worst)
				worst = vm[i].vm_rc;
		}
	}
	return (worst);
}

int
main(int argc, char *argv[])
{
	struct settings set;
	struct dirent **de;
	struct pollfd *pfd;
	struct vm *vm;
	int c, i, n, nvm, rc, worst;

	memset(&set, 0, sizeof(set));
	while ((c = getopt(argc, argv, "b:c:l:nr:v:")) != -1) {
		switch (c) {
		case 'b':
			set.st_prog[VMRUN_PROG_BHYVE] = optarg;
			break;
		case 'c':
			set.st_prog[VMRUN_PROG_BHYVECTL] = optarg;
			break;
		case 'l':
			set.st_prog[VMRUN_PROG_BHYVELOAD] = optarg;
			break;
		case 'n':
			set.st_nocheck = 1;
			break;
		case 'r':
			set.st_rundir = optarg;
			break;
		case 'v':
			set.st_vmmdir = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	if ((n = scandir(argv[optind], &de, is_json, alphasort)) < 0) {
		fprintf(stderr, "manager: %s: %s\n", argv[optind],
		    strerror(errno));
		return (66);
	}
	if (n > MAXVMS) {
		fprintf(stderr, "manager: %s: more than %d VMs\n",
		    argv[optind], MAXVMS);
		return (64);
	}
	vm = calloc((size_t)n + 1, sizeof(*vm));
	pfd = calloc((size_t)n + 1, sizeof(*pfd));
	if (vm == NULL || pfd == NULL) {
		perror("manager");
		return (71);
	}
	worst = 0;
	for (nvm = 0, i = 0; i < n; i++) {
		if ((rc = vm_start(&vm[nvm], argv[optind], de[i]->d_name,
		    &set)) == 0)
			nvm++;
		else if (rc > worst)
			worst = rc;
		free(de[i]);
	}
	free(de);
	/* The handlers see every supervisor before any is started. */
	g_vm = vm;
	g_nvm = nvm;
	if (install_handlers() != 0) {
		perror("manager: sigaction");
		return (71);
	}
	for (i = 0; i < nvm; i++)
		if (vmrun_sup_start(vm[i].vm_su) != VMRUN_OK)
			vm[i].vm_rc = 70;
	worst = supervise(vm, nvm, pfd, worst);
	/* No handler may reach a supervisor once it is freed. */
	g_nvm = 0;
	for (i = 0; i < nvm; i++) {
		vmrun_sup_free(vm[i].vm_su);
		vmrun_config_free(vm[i].vm_cf);
	}
	free(vm);
	free(pfd);
	return (worst);
}
