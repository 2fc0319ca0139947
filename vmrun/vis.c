/*
 * vis: text for a terminal, for every message of the command.
 */

#include <stdbool.h>
#include <stdio.h>

#include "vmrun.h"
#include "cmd.h"

/*
 * Text for a terminal: what came from a configuration or a guest may
 * hold control characters (ESC sequences); all but newline and tab are
 * written as \ooo, as vis(3) does.
 */
static bool
vis_plain(char c)
{
	return (((unsigned char)c >= 0x20 || c == '\n' || c == '\t') &&
	    c != 0x7f);
}

void
vis_fputs(const char *s, FILE *fp)
{
	size_t n;

	/* Runs of plain text in one go: stderr is unbuffered. */
	while (*s != '\0') {
		for (n = 0; s[n] != '\0' && vis_plain(s[n]); n++)
			;
		if (n > 0)
			fwrite(s, 1, n, fp);
		s += n;
		if (*s != '\0')
			fprintf(fp, "\\%03o", (unsigned char)*s++);
	}
}

/* Into buf as vis_fputs writes it; returns its length. */
size_t
vis_str(const char *s, char *buf, size_t len)
{
	size_t n;

	for (n = 0; *s != '\0' && n + 5 < len; s++)
		if (!vis_plain(*s))
			n += (size_t)snprintf(buf + n, len - n, "\\%03o",
			    (unsigned char)*s);
		else
			buf[n++] = *s;
	buf[n] = '\0';
	return (n);
}
