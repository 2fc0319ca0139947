/*
 * testutil: the helpers the atf-c programs of tests/lib share.  JSON texts
 * in the tests are written with ' for " to keep them readable; jq turns
 * them back.  Helpers that cannot go on fail the running case (atf-c),
 * so none of them returns an error.
 */

#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include <atf-c.h>

#include "vmrun.h"

/* How diags_text writes each diagnostic; "W:" marks a warning. */
enum diags_style {
	DIAGS_CODES,		/* "W:code@path" */
	DIAGS_MSGS,		/* "W:code@path: message" */
	DIAGS_FULL		/* "W:code@path [group] message (fix)" */
};

char	*jq(const char *);
char	*diags_text(const struct vmrun_diags *, enum diags_style);
enum vmrun_status load_raw(const char *, size_t, struct vmrun_config **,
	    struct vmrun_diags **);
struct vmrun_config *load_ok(const char *, size_t, const char *, bool);
char	*load_diags(const char *, size_t, const char *, enum vmrun_status,
	    enum diags_style);
const struct vmrun_vm *resolve(const struct vmrun_config *, const char *);
char	*join(char **);
char	*argv_of(const struct vmrun_config *, const char *);
char	*srcfile(const atf_tc_t *, const char *);
char	*fake_prog(const atf_tc_t *, const char *, const char *);
char	*layout_path(const atf_tc_t *, const char *);
char	*slurp(const char *, size_t *);
char	*bhyve_of(const struct vmrun_vm *, const char *, const char *const *);
char	*loader_of(const struct vmrun_vm *, const char *);
void	 render_eq(const char *, size_t, const char *, const char *,
	    const char *);

/*
 * The diagnostics of json (load_diags) are expected: a failed check
 * otherwise, with the JSON text in the message.
 */
#define DIAGS_EQ(expected, json, want, style) do {			\
	char *dt_ = load_diags(__FILE__, __LINE__, json, want, style);	\
	ATF_CHECK_STREQ_MSG(expected, dt_, "%s", json);			\
	free(dt_);							\
} while (0)

#endif /* !TESTUTIL_H */
