/*
 * print: the command's warnings and the library's diagnostics, as every
 * part of vmrun writes them, through vis.c; and its JSON documents.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jw.h"

#include "vmrun.h"
#include "cmd.h"

void
warnx_(const char *fmt, ...)
{
	va_list ap;
	char buf[4096];

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fputs("vmrun: ", stderr);
	vis_fputs(buf, stderr);
	fputc('\n', stderr);
}

static void	print_diags_to(const struct vmrun_diags *, const char *, FILE *);

/*
 * Print diagnostics as "vmrun: FILE: PATH: message" lines: made in memory
 * and written at once, not a system call for every piece.  Without FILE
 * (NULL): "vmrun: message", the messages naming the file themselves.
 */
void
print_diags(const struct vmrun_diags *ds, const char *file)
{
	FILE *fp, *mem;
	char *text;
	size_t len;

	if (vmrun_diags_count(ds) == 0)
		return;
	text = NULL;
	if ((mem = open_memstream(&text, &len)) != NULL)
		fp = mem;
	else
		fp = stderr;
	print_diags_to(ds, file, fp);
	if (mem != NULL && fclose(mem) == 0) {
		fwrite(text, 1, len, stderr);
		fflush(stderr);
	} else if (mem != NULL)
		print_diags_to(ds, file, stderr);
	free(text);
}

static void
print_diags_to(const struct vmrun_diags *ds, const char *file, FILE *fp)
{
	const struct vmrun_diag *d;
	const char *path, *fix, *msg;
	size_t i;

	for (i = 0; i < vmrun_diags_count(ds); i++) {
		d = vmrun_diags_get(ds, i);
		path = vmrun_diag_path(d);
		fputs("vmrun: ", fp);
		msg = vmrun_diag_message(d);
		/* Standard input by its name, not the one vmrun opened. */
		if (file == NULL && strncmp(msg, STDIN_PATH ": ",
		    sizeof(STDIN_PATH ": ") - 1) == 0) {
			fputs("<stdin>: ", fp);
			msg += sizeof(STDIN_PATH ": ") - 1;
		}
		if (file != NULL) {
			vis_fputs(file, fp);
			if (vmrun_diag_line(d) > 0)
				fprintf(fp, ":%d:%d", vmrun_diag_line(d),
				    vmrun_diag_column(d));
			if (*path != '\0') {
				fputs(": ", fp);
				vis_fputs(path, fp);
			}
			fputs(": ", fp);
		}
		fputs(vmrun_diag_severity(d) == VMRUN_WARNING ? "warning: " : "",
		    fp);
		vis_fputs(msg, fp);
		fputc('\n', fp);
		if ((fix = vmrun_diag_fix(d)) != NULL) {
			fputs("  fix: ", fp);
			vis_fputs(fix, fp);
			fputc('\n', fp);
		}
	}
}

int
print_diags_json(const struct vmrun_diags *ds, const char *vmname)
{
	char *s;

	if ((s = vmrun_diags_json(ds, vmname)) == NULL) {
		warnx_("out of memory");
		return (EX_OSERR);
	}
	printf("%s\n", s);
	free(s);
	return (EX_OK);
}

/*
 * Print doc (taken; NULL when it could not be made) on one line of
 * standard output: EX_OK, or EX_OSERR when out of memory.
 */
int
print_doc(jw_t *doc)
{
	char *s;

	if (doc == NULL || (s = jw_dumps(doc, JW_COMPACT)) == NULL) {
		jw_decref(doc);
		warnx_("out of memory");
		return (EX_OSERR);
	}
	printf("%s\n", s);
	free(s);
	jw_decref(doc);
	return (EX_OK);
}
