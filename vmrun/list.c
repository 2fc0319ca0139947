/*
 * list.c: vmrun list -- every supervisor whose control socket is in the
 * run directory, asked for its status all at once: each socket is
 * connected without blocking and every connection waits in one poll(2)
 * loop under one deadline, so that a thousand VMs answer in about the
 * time of one, and a hung one costs the deadline once, not per VM.
 * A socket nobody listens on is reported as stale and left alone.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "vmrun.h"
#include "cmd.h"

#define LIST_MS		2000	/* the one deadline for every answer */
#define LIST_WINDOW	256	/* connections open at once */
#define LIST_ANSWER	65536	/* the longest status answer taken */

static const char request[] = "{\"version\":1,\"request\":\"status\"}\n";

enum lstate { L_NEW, L_WAIT, L_DONE };

struct entry {
	char		*e_name;	/* the file name without ".sock" */
	char		*e_path;
	enum lstate	 e_state;
	int		 e_fd;
	char		*e_buf;		/* the answer so far */
	size_t		 e_len;
	const char	*e_fail;	/* "stale", "no-answer", ... */
	json_t		*e_answer;	/* the status answer */
};

static int
list_usage(const char *verb)
{
	(void)verb;
	fprintf(stderr, "usage: vmrun list [--json] [DIRECTORY]\n");
	return (EX_USAGE);
}

/* The run directory: where vmrun_ctl_path puts a name's socket. */
static char *
run_dir(void)
{
	char *p, *slash;

	if ((p = vmrun_ctl_path("x")) != NULL &&
	    (slash = strrchr(p, '/')) != NULL)
		*slash = '\0';
	return (p);
}

static void
entry_end(struct entry *e, const char *fail)
{
	if (e->e_fd >= 0)
		close(e->e_fd);
	e->e_fd = -1;
	e->e_fail = fail;
	e->e_state = L_DONE;
}

/* Connect without blocking and send the request: stays L_WAIT or ends. */
static void
entry_open(struct entry *e)
{
	struct sockaddr_un sun;
	ssize_t w;

	e->e_state = L_WAIT;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(e->e_path) >= sizeof(sun.sun_path)) {
		entry_end(e, "path-too-long");
		return;
	}
	memcpy(sun.sun_path, e->e_path, strlen(e->e_path));
	if ((e->e_fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
		entry_end(e, "no-descriptor");
		return;
	}
	(void)fcntl(e->e_fd, F_SETFD, FD_CLOEXEC);
	(void)fcntl(e->e_fd, F_SETFL, fcntl(e->e_fd, F_GETFL) | O_NONBLOCK);
	if (connect(e->e_fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 &&
	    errno != EINPROGRESS) {
		/* Nobody listens (refused), or a full backlog: busy. */
		entry_end(e, errno == EAGAIN ? "no-answer" : "stale");
		return;
	}
	/* The request is far shorter than any socket buffer. */
	w = send(e->e_fd, request, sizeof(request) - 1, MSG_NOSIGNAL);
	if (w != (ssize_t)sizeof(request) - 1 && !(w < 0 &&
	    (errno == EAGAIN || errno == ENOTCONN)))
		entry_end(e, "stale");
	else if (w < 0)
		e->e_len = (size_t)-1;	/* to send once writable */
}

/* What the socket has: the answer once its line is whole. */
static void
entry_read(struct entry *e, short revents)
{
	char buf[4096], *p, *nl;
	ssize_t n;

	if (e->e_len == (size_t)-1) {
		if (!(revents & POLLOUT))
			return;
		e->e_len = 0;
		if (send(e->e_fd, request, sizeof(request) - 1,
		    MSG_NOSIGNAL) != (ssize_t)sizeof(request) - 1)
			entry_end(e, "stale");
		return;
	}
	if ((n = read(e->e_fd, buf, sizeof(buf))) < 0) {
		if (errno != EAGAIN && errno != EINTR)
			entry_end(e, "stale");
		return;
	}
	if (n == 0 || e->e_len + (size_t)n > LIST_ANSWER) {
		entry_end(e, n == 0 ? "no-answer" : "bad-answer");
		return;
	}
	if ((p = realloc(e->e_buf, e->e_len + (size_t)n + 1)) == NULL) {
		entry_end(e, "no-memory");
		return;
	}
	e->e_buf = p;
	memcpy(e->e_buf + e->e_len, buf, (size_t)n);
	e->e_len += (size_t)n;
	e->e_buf[e->e_len] = '\0';
	if ((nl = memchr(e->e_buf, '\n', e->e_len)) == NULL)
		return;
	*nl = '\0';
	e->e_answer = vmrun_ctl_result(e->e_buf, NULL, 0) == 1 ?
	    json_loads(e->e_buf, 0, NULL) : NULL;
	entry_end(e, e->e_answer != NULL ? NULL : "bad-answer");
}

/* Ask every entry, LIST_WINDOW at a time, until all answered or LIST_MS. */
static void
ask_all(struct entry *es, size_t n)
{
	struct pollfd pfd[LIST_WINDOW];
	size_t idx[LIST_WINDOW], k, i, done;
	long long end, left;
	int r;

	end = mono_ms() + LIST_MS;
	for (;;) {
		k = 0;
		done = 0;
		for (i = 0; i < n; i++) {
			if (es[i].e_state == L_NEW && k < LIST_WINDOW)
				entry_open(&es[i]);
			if (es[i].e_state == L_DONE) {
				done++;
				continue;
			}
			if (es[i].e_state != L_WAIT || k == LIST_WINDOW)
				continue;
			pfd[k].fd = es[i].e_fd;
			pfd[k].events = es[i].e_len == (size_t)-1 ? POLLOUT :
			    POLLIN;
			pfd[k].revents = 0;
			idx[k++] = i;
		}
		if (done == n || (left = end - mono_ms()) <= 0)
			break;
		if ((r = poll(pfd, (nfds_t)k, (int)left)) < 0 &&
		    errno != EINTR)
			break;
		for (i = 0; r > 0 && i < k; i++)
			if (pfd[i].revents != 0)
				entry_read(&es[idx[i]], pfd[i].revents);
	}
	for (i = 0; i < n; i++)
		if (es[i].e_state != L_DONE)
			entry_end(&es[i], "no-answer");
}

/* Every socket of dir, sorted by name: 0, or errno. */
static int
scan(const char *dir, struct entry **esp, size_t *np)
{
	struct entry *es, *p;
	struct dirent *de;
	struct stat sb;
	size_t n, cap, len;
	DIR *d;
	char *path, buf[PATH_MAX];

	*esp = NULL;
	*np = 0;
	if ((d = opendir(dir)) == NULL)
		return (errno);
	es = NULL;
	n = cap = 0;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 5 || strcmp(de->d_name + len - 5, ".sock") != 0)
			continue;
		if ((size_t)snprintf(buf, sizeof(buf), "%s/%s", dir,
		    de->d_name) >= sizeof(buf) || (path = strdup(buf)) == NULL)
			continue;
		if (lstat(path, &sb) != 0 || !S_ISSOCK(sb.st_mode)) {
			free(path);
			continue;
		}
		if (n == cap) {
			cap = cap > 0 ? cap * 2 : 64;
			if ((p = realloc(es, cap * sizeof(*es))) == NULL) {
				free(path);
				break;
			}
			es = p;
		}
		memset(&es[n], 0, sizeof(es[n]));
		es[n].e_path = path;
		es[n].e_fd = -1;
		if ((es[n].e_name = strndup(de->d_name, len - 5)) == NULL) {
			free(path);
			break;
		}
		n++;
	}
	(void)closedir(d);
	*esp = es;
	*np = n;
	return (0);
}

static int
by_name(const void *a, const void *b)
{
	return (strcmp(((const struct entry *)a)->e_name,
	    ((const struct entry *)b)->e_name));
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + (long long)doe - 719468);
}

/* Seconds since a status answer's "started" ("...T14:00:00.123Z"): -1. */
static long long
uptime(json_t *a)
{
	const char *s;
	unsigned y, mo, d, h, mi, se;
	long long t;

	s = json_string_value(json_object_get(a, "started"));
	if (s == NULL || sscanf(s, "%4u-%2u-%2uT%2u:%2u:%2u", &y, &mo, &d, &h,
	    &mi, &se) != 6 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return (-1);
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	t = (long long)time(NULL) - t;
	return (t >= 0 ? t : 0);
}

/* s as one cell of a row: escaped, and no line or column breaks. */
static const char *
cell(const char *s, char *buf, size_t len)
{
	char *p;

	(void)vis_str(s != NULL ? s : "-", buf, len);
	for (p = buf; *p != '\0'; p++)
		if (*p == '\n' || *p == '\t')
			*p = '?';
	return (buf);
}

static void
print_text(const struct entry *es, size_t n)
{
	const struct entry *e;
	json_t *a;
	char name[256], state[64], target[256], up[32], pid[32];
	long long u;
	size_t i;

	printf("%-20s %-10s %-16s %8s %10s\n", "NAME", "STATE", "TARGET",
	    "PID", "UPTIME");
	for (i = 0; i < n; i++) {
		e = &es[i];
		a = e->e_answer;
		snprintf(pid, sizeof(pid), "-");
		if (json_is_integer(json_object_get(a, "pid")))
			snprintf(pid, sizeof(pid), "%lld", (long long)
			    json_integer_value(json_object_get(a, "pid")));
		snprintf(up, sizeof(up), "-");
		if (a != NULL && (u = uptime(a)) >= 0)
			snprintf(up, sizeof(up), "%lld:%02lld:%02lld",
			    u / 3600, u / 60 % 60, u % 60);
		printf("%-20s %-10s %-16s %8s %10s\n",
		    cell(e->e_name, name, sizeof(name)),
		    cell(e->e_fail != NULL ? e->e_fail : json_string_value(
		    json_object_get(a, "state")), state, sizeof(state)),
		    cell(json_string_value(json_object_get(a, "target")),
		    target, sizeof(target)), pid, up);
	}
}

static int
print_json(const struct entry *es, size_t n)
{
	json_t *a, *o, *v;
	const struct entry *e;
	long long u;
	size_t i;
	int bad;

	if ((a = json_array()) == NULL)
		return (print_doc(NULL));
	bad = 0;
	for (i = 0; i < n && !bad; i++) {
		e = &es[i];
		if ((o = json_object()) == NULL || json_array_append_new(a, o)) {
			bad = 1;
			break;
		}
		bad |= json_object_set_new(o, "vm", json_string(e->e_name));
		bad |= json_object_set_new(o, "control",
		    json_string(e->e_path));
		if (e->e_fail != NULL) {
			bad |= json_object_set_new(o, "state",
			    json_string(e->e_fail));
			continue;
		}
		if ((v = json_object_get(e->e_answer, "vm")) != NULL)
			bad |= json_object_set(o, "vm", v);
		bad |= json_object_set(o, "state", json_object_get(e->e_answer,
		    "state"));
		bad |= json_object_set(o, "target", json_object_get(
		    e->e_answer, "target"));
		bad |= json_object_set(o, "pid", json_object_get(e->e_answer,
		    "pid"));
		bad |= json_object_set(o, "run", json_object_get(e->e_answer,
		    "run"));
		bad |= json_object_set(o, "started", json_object_get(
		    e->e_answer, "started"));
		u = uptime(e->e_answer);
		bad |= json_object_set_new(o, "uptime", u >= 0 ?
		    json_integer(u) : json_null());
	}
	if (bad) {
		json_decref(a);
		a = NULL;
	}
	return (print_doc(a));
}

int
cmd_list(int argc, char *argv[])
{
	struct entry *es;
	char *dir;
	size_t n, i;
	bool json;
	int e, rc;

	if ((rc = ctl_options(argc, argv, "list", &json, list_usage)) >= 0)
		return (rc);
	argc -= optind;
	argv += optind;
	if (argc > 1 || (argc == 1 && argv[0][0] == '\0'))
		return (list_usage("list"));
	dir = argc == 1 ? strdup(argv[0]) : run_dir();
	if (dir == NULL) {
		warnx_("out of memory");
		return (EX_OSERR);
	}
	if ((e = scan(dir, &es, &n)) != 0 && e != ENOENT) {
		warnx_("list: %s: %s", dir, strerror(e));
		free(dir);
		return (EX_NOINPUT);
	}
	if (n > 1)
		qsort(es, n, sizeof(*es), by_name);
	ask_all(es, n);
	rc = EX_OK;
	if (json)
		rc = print_json(es, n);
	else
		print_text(es, n);
	for (i = 0; i < n; i++) {
		free(es[i].e_name);
		free(es[i].e_path);
		free(es[i].e_buf);
		json_decref(es[i].e_answer);
	}
	free(es);
	free(dir);
	return (rc);
}
