/*
 * libvmrun private header: the map of the library.
 *
 * Every function shared between files is declared here under the name of
 * the file that defines it, so reading this header top to bottom is reading
 * the pipeline: load -> validate -> resolve -> assign -> render.
 *
 * The files are in layers, numbered from the bottom, each under a "Layer
 * N:" heading: a file calls only files of its own layer or of lower ones,
 * never in a circle; upward only through a function pointer it is given.
 * Every file has a heading here, those another header declares too.
 * tests/cli/layers_test checks the objects against this map.
 */

#ifndef VMRUN_IMPL_H
#define VMRUN_IMPL_H

#include <sys/types.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jw.h"

#include "vmrun.h"

#define VMRUN_MAX_INPUT		(1024 * 1024)	/* design §2: 1 MiB */
#define VMRUN_MAX_DEPTH		32		/* design §2 */
#define VMRUN_MAX_CPUS		1024		/* design §2.3 */
#define VMRUN_NCOM		4
#define VMRUN_NLIMITS		5		/* design §12.8: rctl resources */

/* JSON type bits used by key tables. */
#define T_STR		0x01
#define T_INT		0x02
#define T_BOOL		0x04
#define T_OBJ		0x08
#define T_ARR		0x10
#define T_REAL		0x20
#define T_NULL		0x40

/* Key flags. */
#define K_REQ		0x01	/* required */
#define K_RANGE		0x02	/* integer must lie in [k_min, k_max] */

struct vctx;
struct dev;
struct hctx;
struct pool;

/*
 * The configuration's JSON tree (jv.c, read by jread.c and jtoken.c):
 * read-only values in a pool.  An
 * array's elements and an object's members are contiguous, in document
 * order; a string is NUL-terminated and j_len long (it may hold a NUL).
 */
enum jv_type {
	JV_NULL,
	JV_BOOL,
	JV_INT,
	JV_REAL,		/* j_u.ju_str is its text */
	JV_STR,
	JV_ARR,
	JV_OBJ
};

struct jm;
typedef struct jv {
	unsigned char	 j_type;
	bool		 j_true;	/* JV_BOOL */
	uint32_t	 j_len;		/* string bytes, elements, members */
	union {
		const char	*ju_str;
		long long	 ju_int;
		struct jv	*ju_elems;
		struct jm	*ju_mems;
	} j_u;
} jv_t;

struct jm {				/* an object member */
	const char	*m_key;
	uint32_t	 m_klen;
	struct jv	 m_val;
};

#define jv_is(v, t)	((v) != NULL && (v)->j_type == (t))
#define jv_is_obj(v)	jv_is(v, JV_OBJ)
#define jv_is_arr(v)	jv_is(v, JV_ARR)
#define jv_is_str(v)	jv_is(v, JV_STR)
#define jv_is_int(v)	jv_is(v, JV_INT)
#define jv_is_bool(v)	jv_is(v, JV_BOOL)
#define jv_is_null(v)	jv_is(v, JV_NULL)
#define jv_is_true(v)	(jv_is_bool(v) && (v)->j_true)
#define jv_is_false(v)	(jv_is_bool(v) && !(v)->j_true)

static inline const char *
jv_str(const jv_t *v)			/* borrowed, or NULL */
{
	return (jv_is_str(v) ? v->j_u.ju_str : NULL);
}

static inline size_t
jv_len(const jv_t *v)			/* a string's length */
{
	return (jv_is_str(v) ? v->j_len : 0);
}

static inline long long
jv_int(const jv_t *v)
{
	return (jv_is_int(v) ? v->j_u.ju_int : 0);
}

static inline size_t
jv_size(const jv_t *v)			/* elements or members */
{
	return (jv_is_arr(v) || jv_is_obj(v) ? v->j_len : 0);
}

#define jv_array_foreach(a, i, e)					\
	for ((i) = 0; ((e) = jv_at((a), (i))) != NULL; (i)++)
#define jv_object_foreach(o, i, k, v)					\
	for ((i) = 0; ((k) = jv_key((o), (i))) != NULL &&		\
	    ((v) = jv_member((o), (i))) != NULL; (i)++)

/*
 * One row of a key table: a JSON key, the types it may have, and an
 * optional check that runs once the type is right.  Tables end with a row
 * whose k_name is NULL.  Every table is extern, nested ones too: the
 * tests compare each with its object in vmrun.schema.json, so that the
 * schema editors use cannot drift from what vmrun accepts.
 */
struct key {
	const char	*k_name;
	unsigned	 k_types;
	unsigned	 k_flags;
	long long	 k_min;
	long long	 k_max;
	void		(*k_check)(struct vctx *, jv_t *, const char *);
};

/*
 * An object of names mapped to strings (bhyveload's env, grub's
 * device_map, cloud-init's meta-data), checked by check_members
 * (schema.c): each name as m_name says, each value a string that
 * m_value checks (may be NULL).
 */
struct members {
	bool		(*m_name)(const char *);
	const char	*m_code;	/* of a bad name */
	const char	*m_bad;		/* what a bad name is told */
	const char	*m_string;	/* what a value is: "a string" */
	void		(*m_value)(struct vctx *, const char *, const char *);
};

/* A PCI address. */
struct slot {
	unsigned	 s_bus;
	unsigned	 s_slot;
	unsigned	 s_func;
};

/*
 * One rendered device option.  o_cfgkey is its bhyve_config(5) key below
 * pci.B.S.F (NULL: the option exists only in the legacy string); o_lstyle
 * says how it appears in the legacy "-s" string.
 */
enum lstyle {
	LS_NONE,	/* not in the legacy string */
	LS_BARE,	/* VALUE */
	LS_KV,		/* LKEY=VALUE */
	LS_FLAG,	/* LKEY (boolean true) */
	LS_PFX		/* LKEY immediately followed by VALUE ("hd:" PATH) */
};

struct opt {
	const char	*o_cfgkey;
	enum lstyle	 o_lstyle;
	const char	*o_lkey;
	const char	*o_val;
	bool		 o_special;	/* value needs -o form if it has '=' */
};

struct optlist {
	struct pool	*ol_pool;
	const char	*ol_legacy;	/* emulation name in the legacy string */
	const char	*ol_cfgdev;	/* device name in bhyve_config form */
	struct opt	*ol_opts;
	size_t		 ol_n;
	size_t		 ol_cap;
	bool		 ol_raw;	/* raw device: ol_legacy is the value */
	bool		 ol_needhost;	/* passthru lookup: host must resolve */
	bool		 ol_nomem;
};

/*
 * A device type: design §2.5, one row per bhyve emulation.
 */
struct devtype {
	const char	*dt_name;
	const char	*dt_cfgname;
	const struct key *dt_keys;
	void		(*dt_check)(struct vctx *, struct dev *);
	void		(*dt_render)(const struct dev *, struct optlist *);
	const char	*(*dt_what)(const struct dev *, struct pool *);
	void		(*dt_host)(struct hctx *, const struct dev *);
	/*
	 * bhyve 14's legacy parser of this emulation fails on a bare
	 * "-s B:S:F,NAME" (virtio-console strdup()s its NULL options,
	 * virtio-input returns -1): in the -o form the device itself is
	 * "-o pci.B.S.F.device=NAME" too, with no -s.
	 */
	bool		 dt_bare_fails;
};

enum dev_origin {
	DO_BASE,	/* from the base "emulations" */
	DO_GRAPHIC,	/* made from "graphic" */
	DO_SEED,	/* the cloud-init seed, made from "cloud_init" */
	DO_TARGET	/* added by a target overlay */
};

/*
 * The cloud-init seed (design §12.6): what goes into it, and where it
 * lives.  Texts are borrowed from the configuration.
 */
#define SEED_ID		"cloud-init"	/* its device's id, users' never */
struct seed {
	const char	*sd_user;	/* user-data text, or NULL: ... */
	const char	*sd_user_file;	/* ... read from this file */
	const char	*sd_net;	/* network-config text, or NULL: ... */
	const char	*sd_net_file;	/* ... this file, or none at all */
	jv_t		*sd_meta;	/* meta-data keys given, or NULL */
	const char	*sd_dir;	/* STATE/cloud-init */
	const char	*sd_iso;	/* STATE/cloud-init/seed.iso */
};

struct dev {
	const struct devtype *dv_type;
	jv_t		*dv_obj;	/* device object */
	const char	*dv_path;	/* JSON path, e.g. "emulations[1]" */
	const char	*dv_id;
	struct slot	 dv_slot;
	bool		 dv_pinned;
	bool		 dv_slotok;	/* dv_slot is meaningful */
	bool		 dv_fix;
	enum dev_origin	 dv_origin;
	int		 dv_baseidx;	/* index among base devices, or -1 */
	bool		 dv_stdio;	/* uses bhyve's stdio */
};

struct pcient {				/* one entry of the slot map */
	struct slot	 pe_slot;
	const struct dev *pe_dev;	/* NULL: hostbridge or lpc */
	const char	*pe_name;
};

struct kv {
	const char	*kv_key;
	const char	*kv_val;
};

struct loader {
	const char	*ld_type;
	const char	*ld_disk;
	const char	*ld_console;	/* "stdio", "capture" or a tty */
	struct kv	*ld_env;
	size_t		 ld_nenv;
	const char	*ld_host_dir;
	const char	*ld_loader;	/* bhyveload's -l; grub-bhyve itself */
	bool		 ld_grub;	/* type "grub": the keys below */
	const char	*ld_root;	/* as given, or NULL: grub_root() */
	const char	*ld_config;
	const char	*ld_dir;
	struct kv	*ld_map;	/* as given, or NULL: grub_map() */
	size_t		 ld_nmap;
	const char	**ld_cmds;	/* "commands": the grub.cfg vmrun writes */
	size_t		 ld_ncmds;
};

/* "tpm" (design §12.2). */
struct tpm {
	bool		 tp_swtpm;	/* swtpm; else the host's (passthru) */
	const char	*tp_path;	/* passthru: the device */
	const char	*tp_state_dir;	/* swtpm: as given, or NULL: STATE/tpm */
	const char	*tp_version;	/* as given, or NULL */
};
#define DEFAULT_SWTPM	"/usr/local/bin/swtpm"
#define TPM_SOCK_MAX	104	/* sockaddr_un's sun_path on FreeBSD */
/* A NUMA domain (design §12.3): domain i of vm_domains has id i. */
struct domain {
	uint64_t	 dm_size;		/* bytes */
	const char	*dm_cpus;		/* vCPU list, "0-3" or "0,1" */
	const char	*dm_policy;		/* or NULL */
};

enum fwcfg {
	FWCFG_DEFAULT,
	FWCFG_BHYVE,
	FWCFG_QEMU
};

/* A resolved configuration: one target, defaults and slots filled in. */
struct vmrun_vm {
	struct pool	*vm_pool;
	jv_t		*vm_top;		/* merged top level */
	const char	*vm_name;
	const char	*vm_target;
	const char	*vm_next_target;
	unsigned	 vm_sockets;
	unsigned	 vm_cores;
	unsigned	 vm_threads;
	uint64_t	 vm_mem;		/* bytes */
	const char	*vm_bootrom;
	const char	*vm_varfile;
	const char	*vm_varfile_template;
	enum fwcfg	 vm_fwcfg;
	struct loader	*vm_loader;
	struct tpm	*vm_tpm;		/* or NULL */
	const char	*vm_com[VMRUN_NCOM];
	int		 vm_capture;		/* the COM port vmrun captures, or -1 */
	const char	*vm_console_log;
	long long	 vm_console_log_size;
	long long	 vm_console_ring;
	const char	*vm_hostbridge;
	struct slot	 vm_lpc;
	const char	*vm_uuid;
	const char	*vm_state_dir;		/* as given, or NULL: the default */
	const char	*vm_gdb;
	bool		 vm_acpi;
	bool		 vm_destroy;
	bool		 vm_hlt;
	bool		 vm_pause;
	bool		 vm_wire;
	bool		 vm_msi;
	bool		 vm_nomptable;
	bool		 vm_utc;
	bool		 vm_msr_ignore;		/* -w */
	bool		 vm_x2apic;		/* -x */
	const char	*vm_kbdlayout;		/* -K, or NULL */
	int		*vm_pin;		/* host CPU by vCPU, -1: none */
	size_t		 vm_npin;		/* 0, or the number of vCPUs */
	struct domain	*vm_domains;
	size_t		 vm_ndomains;
	struct kv	*vm_smbios;		/* "bios.vendor" = ..., in order */
	size_t		 vm_nsmbios;
	const char	**vm_extra;
	size_t		 vm_nextra;
	const char	**vm_post;
	size_t		 vm_npost;
	bool		 vm_reboot_on[256];
	long long	 vm_max_reboots;	/* -1: unlimited */
	long long	 vm_rl_count;
	long long	 vm_rl_seconds;
	long long	 vm_rl_backoff;	/* seconds; 0: restart at once */
	uint64_t	 vm_limit[VMRUN_NLIMITS]; /* rctl amounts; 0: none */
	struct seed	*vm_seed;		/* cloud-init, or NULL */
	struct dev	*vm_devs;		/* sorted by slot once assigned */
	size_t		 vm_ndevs;
	jv_t		*vm_graphic;		/* or NULL */
	struct pcient	*vm_pci;		/* slot map, once assigned */
	const char	**vm_pciaddr;
	size_t		 vm_npci;
};

struct vmrun_config {
	jv_t		*cf_root;
	struct vmrun_vm	*cf_base;
	struct vmrun_vm	**cf_targets;		/* same order as cf_tnames */
	const char	**cf_tnames;
	size_t		 cf_ntargets;
	struct pool	*cf_pool;
};

/* Validation context: where diagnostics go and where allocations come from. */
struct vctx {
	struct vmrun_diags *vc_diags;
	struct pool	*vc_pool;
	struct vmrun_vm	*vc_vm;		/* model being built, or NULL */
	bool		 vc_nomem;
	bool		 vc_clean;	/* no string holds NUL, CR or LF */
	/*
	 * While set: what to say of a key the table does not have (text in
	 * vc_pool, or NULL for the usual "unknown key").  devices.c names
	 * the device types that do take it.
	 */
	const char	*(*vc_unknown)(struct vctx *, const void *,
		    const char *);
	const void	*vc_unknown_arg;
};

/*
 * Layer 0: memory, text, hashes, diagnostics, and the platform seam.
 */

/* alloc.c */
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xrealloc(void *, size_t);
char		*xstrdup(const char *);
void		 xfree(void *);
void		 alloc_fail_after(long);	/* tests: fail the Nth allocation */
unsigned long	 alloc_failures(void);		/* failed allocations so far */
struct pool	*pool_new(void);
void		 pool_free(struct pool *);
void		*pool_alloc(struct pool *, size_t);
char		*pool_strdup(struct pool *, const char *);
char		*pool_cat(struct pool *, const char *, ...)
		    __attribute__((__sentinel__));
const char	*u64_str(uint64_t, char [21]);
char		*pool_join(struct pool *, const char *, const char *,
		    const char *);
char		*pool_printf(struct pool *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));

/* strbuf.c */
struct strbuf {
	char		*sb_buf;
	size_t		 sb_len;
	size_t		 sb_cap;
	bool		 sb_nomem;
};
void		 sb_init(struct strbuf *);
void		 sb_add(struct strbuf *, const char *);
void		 sb_addn(struct strbuf *, const char *, size_t);
void		 sb_addc(struct strbuf *, char);
void		 sb_printf(struct strbuf *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
void		 sb_add_utf8(struct strbuf *, const char *, size_t);
size_t		 utf8_len(const unsigned char *, size_t); /* 0: not UTF-8 */
char		*sb_take(struct strbuf *);	/* new string or NULL */
void		 sb_free(struct strbuf *);

/* jw.c: the JSON values vmrun writes, behind jw.h */
jw_t		*jw_text(const char *);	/* new; any bytes */

/* mask.c: passwords out of what is shown */
size_t		 word_mask(char *);		/* in place */
jw_t		*jw_masked(const char *);	/* new */

/* hash.c */
struct hmap {
	uint32_t	*h_hash;
	void		**h_val;	/* NULL: a free slot */
	size_t		 h_cap;
	size_t		 h_n;
};
uint32_t	 hash_more(uint32_t, const void *, size_t);
uint32_t	 hash_str(uint32_t, const char *);
void		*hmap_find(const struct hmap *, uint32_t,
		    bool (*)(const void *, const void *), const void *);
bool		 hmap_add(struct hmap *, uint32_t, void *);
void		 hmap_init_in(struct hmap *, uint32_t *, void **, size_t);
void		 hmap_free(struct hmap *);

/* diag.c */
void		 diag_add(struct vmrun_diags *, enum vmrun_severity,
		    const char *code, const char *path, const char *fix,
		    const char *fmt, ...)
		    __attribute__((__format__(__printf__, 6, 7)));
void		 diag_add_at(struct vmrun_diags *, const char *code,
		    const char *path, int line, int column, const char *fmt, ...)
		    __attribute__((__format__(__printf__, 6, 7)));
void		 diag_addg(struct vmrun_diags *, enum vmrun_severity,
		    const char *code, const char *group, const char *path,
		    const char *fix, const char *fmt, ...)
		    __attribute__((__format__(__printf__, 7, 8)));
void		 diag_add_lines(struct vmrun_diags *, enum vmrun_severity,
		    const char *, const char *);
void		 diag_set_group(struct vmrun_diags *, size_t from,
		    const char *(*)(void *, const char *), void *);
bool		 diags_nomem(const struct vmrun_diags *);

/* platform.c, platform_freebsd.c, platform_linux.c: behind platform.h */

/* dirs.c: the run and state directories, made safe (design §12.9) */
enum dirs_kind {
	DK_SHARED,		/* root's run directory: 0755, root writes */
	DK_PRIVATE		/* every other: 0700, the user's alone */
};
struct stat;
const char	*dirs_run_for(uid_t, const char *xdg, char *, size_t);
const char	*dirs_run(char *, size_t);
const char	*dirs_state_for(const char *given, const char *name, uid_t,
		    const char *xdg, const char *home, char *, size_t);
const char	*dirs_state(const char *given, const char *name, char *,
		    size_t);
const char	*dirs_unsafe(const struct stat *, enum dirs_kind, uid_t);
int		 dirs_make(const char *, enum dirs_kind, const char *what,
		    struct vmrun_diags *);
/* platrules.c: in platform.h, what both platforms decide alike */

/*
 * Layer 1: the JSON tree, read and checked against key tables.
 */

/* jread.c, jtoken.c: the reader, behind jread.h */
enum vmrun_status jv_read(const void *, size_t, struct pool *,
		    struct vmrun_diags *, jv_t **, bool *);

/* jv.c */
jv_t		*jv_get(const jv_t *, const char *);	/* borrowed or NULL */
jv_t		*jv_at(const jv_t *, size_t);
const char	*jv_key(const jv_t *, size_t);
jv_t		*jv_member(const jv_t *, size_t);
const char	*jv_type_word(const jv_t *);
const char	*jstr(jv_t *, const char *);	/* borrowed or NULL */
bool		 jbool(jv_t *, const char *, bool);
bool		 jint(jv_t *, const char *, long long *);
jv_t		*jv_obj_new(struct pool *, size_t);
bool		 jv_obj_set(jv_t *, const char *, const jv_t *);
bool		 jv_obj_add(jv_t *, const jv_t *, size_t);
void		 jv_obj_del(jv_t *, const char *);
jw_t		*jw_from_jv(const jv_t *);		/* new */

/* load.c */
enum vmrun_status load_json(const void *, size_t, struct pool *,
		    struct vmrun_diags *, jv_t **, bool *);

/* schema.c */
void		 verr(struct vctx *, const char *code, const char *path,
		    const char *fmt, ...)
		    __attribute__((__format__(__printf__, 4, 5)));
void		 vwarn(struct vctx *, const char *code, const char *path,
		    const char *fmt, ...)
		    __attribute__((__format__(__printf__, 4, 5)));
const char	*vpath(struct vctx *, const char *base, const char *key);
const char	*vpathi(struct vctx *, const char *base, size_t);
const char	*config_keypath(struct vctx *, jv_t *overlay,
		    const char *tname, const char *key);
void		 schema_check(struct vctx *, jv_t *, const struct key *,
		    const struct key *, const char *, bool);
const struct key *schema_find(const struct key *, const char *);
void		 scan_strings(struct vctx *, jv_t *, const char *, int);
void		 check_members(struct vctx *, jv_t *, const char *,
		    const struct members *);
size_t		 edit_distance(const char *, const char *);

/* values.c */
bool		 slot_parse(const char *, struct slot *);
const char	*slot_str(struct pool *, const struct slot *);
void		 slot_fmt(const struct slot *, char [16]);
void		 check_slot(struct vctx *, jv_t *, const char *);
void		 check_leadname(struct vctx *, jv_t *, const char *,
		    const char *, const char *, size_t);
void		 check_vmname(struct vctx *, jv_t *, const char *);
void		 check_mem(struct vctx *, jv_t *, const char *);
void		 check_disk_size(struct vctx *, jv_t *, const char *);
bool		 mem_parse(jv_t *, uint64_t *);
const char	*mem_str(struct pool *, uint64_t);
void		 check_uuid(struct vctx *, jv_t *, const char *);
void		 check_gdb(struct vctx *, jv_t *, const char *);
void		 check_comma_free(struct vctx *, jv_t *, const char *);
void		 check_tty_backend(struct vctx *, jv_t *, const char *);
void		 check_com_backend(struct vctx *, jv_t *, const char *);
bool		 is_stdio_backend(const char *);
void		 check_mac(struct vctx *, jv_t *, const char *);
void		 check_ser(struct vctx *, jv_t *, const char *);
void		 check_argv(struct vctx *, jv_t *, const char *);
void		 check_ipaddr(struct vctx *, jv_t *, const char *);
struct tcpaddr {			/* memcmp-able: no padding */
	unsigned char	 ta_fam;	/* 4 or 6 */
	unsigned char	 ta_addr[16];
	unsigned char	 ta_port[2];
};
bool		 hostport_parse(const char *, bool, struct tcpaddr *);
bool		 tcpaddr_make(const char *, long, struct tcpaddr *);
bool		 match_tapname(const char *);
bool		 match_idname(const char *, size_t);

/* cpu.c: the vCPUs, pinning, NUMA domains, platform flags, SMBIOS */
extern const struct key cpu_keys[];
void		 check_cpu(struct vctx *, jv_t *, const char *);
extern const struct key domain_keys[];
extern const struct key smbios_keys[];
extern const struct key smbios_bios_keys[];
extern const struct key smbios_system_keys[];
extern const struct key smbios_board_keys[];
extern const struct key smbios_chassis_keys[];
void		 check_pin(struct vctx *, jv_t *, const char *);
void		 check_domains(struct vctx *, jv_t *, const char *);
void		 check_smbios(struct vctx *, jv_t *, const char *);
void		 check_kbdlayout(struct vctx *, jv_t *, const char *);
void		 cpu_build(struct vctx *, struct vmrun_vm *, jv_t *top);
void		 cpu_rules(struct vctx *, const struct vmrun_vm *, jv_t *top,
		    jv_t *overlay, const char *tname);
size_t		 domain_kv(const struct vmrun_vm *, size_t, struct pool *,
		    struct kv [3]);

/*
 * Layer 2: the model -- the device types, and a configuration built of
 * them for a target, checked by its rules, given its slots; and the host
 * checks' tools the device types call.
 */

/* devices.c */
extern const struct key dev_common_keys[];
extern const struct key graphic_keys[];
const struct devtype *devtype_find(const char *);
const struct devtype *devtype_at(size_t);
void		 dev_build(struct vctx *, jv_t *, const char *, struct dev *);
void		 dev_build_graphic(struct vctx *, jv_t *, const char *,
		    struct dev *, struct dev *, bool *);
const char	*dev_what(const struct dev *, struct pool *);
const char	*dev_group(const struct dev *, struct pool *);

/* optlist.c */
void		 opt_add(struct optlist *, const char *cfgkey, enum lstyle,
		    const char *lkey, const char *val);
void		 optlist_free(struct optlist *);
void		 opt_addf(struct optlist *, const char *cfgkey, enum lstyle,
		    const char *lkey, const char *fmt, ...)
		    __attribute__((__format__(__printf__, 5, 6)));
void		 opt_add_str(struct optlist *, jv_t *, const char *key,
		    const char *cfgkey, enum lstyle);
void		 opt_add_int(struct optlist *, jv_t *, const char *key,
		    const char *cfgkey);
void		 opt_add_flag(struct optlist *, jv_t *, const char *key,
		    const char *cfgkey);

/* dev_net.c */
extern const struct devtype devtype_virtio_net;
extern const struct devtype devtype_e1000;
const char	*net_tapname(const struct dev *);

/* dev_block.c */
extern const struct devtype devtype_virtio_blk;
extern const struct devtype devtype_ahci_hd;
extern const struct devtype devtype_ahci_cd;
extern const struct devtype devtype_ahci;
extern const struct devtype devtype_nvme;
extern const struct devtype devtype_virtio_scsi;
extern const struct key ahci_port_keys[];

/* dev_misc.c */
extern const struct devtype devtype_virtio_console;
extern const struct devtype devtype_virtio_rnd;
extern const struct devtype devtype_virtio_9p;
extern const struct devtype devtype_virtio_input;
extern const struct devtype devtype_passthru;
extern const struct devtype devtype_fbuf;
extern const struct devtype devtype_xhci;
extern const struct devtype devtype_hda;
extern const struct devtype devtype_uart;
extern const struct devtype devtype_raw;
extern const struct key fbuf_keys[];
extern const struct key console_port_keys[];
extern const struct key lookup_keys[];
const char	*console_port_path(jv_t *);

/* loader.c */
extern const struct key loader_keys[];
extern const struct key grub_keys[];
void		 check_loader(struct vctx *, jv_t *, const char *);
void		 loader_build(struct vmrun_vm *, jv_t *);
void		 loader_rules(struct vctx *, const struct vmrun_vm *,
		    const char *);
bool		 grub_map(const struct vmrun_vm *, struct pool *,
		    const struct kv **, size_t *);
const char	*grub_root(const struct loader *, const struct kv *, size_t);
char		*grub_map_text(const struct vmrun_vm *, struct pool *);
char		*grub_cfg_text(const struct loader *, struct pool *);
/* tpm.c */
extern const struct key tpm_keys[];
void		 check_tpm(struct vctx *, jv_t *, const char *);
void		 tpm_build(struct vmrun_vm *, jv_t *);
const char	*tpm_socket(const struct vmrun_vm *, const char *rundir,
		    char *, size_t);
int		 tpm_backend(const struct vmrun_vm *, const char *rundir,
		    char *, size_t, struct vmrun_diags *, const char **);
const char	*tpm_state_dir(const struct vmrun_vm *, char *, size_t);
void		 tpm_host(struct hctx *, const struct vmrun_vm *,
		    const char *swtpm);

/* config.c */
struct devsrc {
	jv_t		*ds_obj;
	const char	*ds_path;
	enum dev_origin	 ds_origin;
	int		 ds_baseidx;
};
extern const struct key top_keys[];
extern const struct key restart_limit_keys[];
struct vmrun_vm	*config_build(struct vctx *, jv_t *top, jv_t *overlay,
		    const char *tname, const struct devsrc *, size_t,
		    const struct vmrun_vm *);
void		 vm_free(struct vmrun_vm *);

/* cloudinit.c */
extern const struct key cloud_init_keys[];
extern const struct key cloud_file_keys[];
void		 check_cloud_init(struct vctx *, jv_t *, const char *);
bool		 seed_removed(jv_t *overlay);
bool		 seed_build(struct vctx *, struct vmrun_vm *, jv_t *,
		    const char *, struct dev *);
char		*seed_meta_text(const struct vmrun_vm *);	/* new */

/* limits.c */
extern const struct key limits_keys[];
void		 check_limits(struct vctx *, jv_t *, const char *);
void		 limits_build(struct vmrun_vm *, jv_t *);
const char	*limit_key(size_t);
bool		 limit_rule(const struct vmrun_vm *, size_t, pid_t, char *,
		    size_t);
bool		 limits_any(const struct vmrun_vm *);

/* rules.c */
void		 rules_check(struct vctx *, struct vmrun_vm *, jv_t *top,
		    jv_t *overlay, const char *tname);

/* target.c */
extern const char *const target_fixed_keys[];
bool		 target_is_fixed(const char *);
struct vmrun_vm	*target_resolve(struct vctx *, jv_t *root, const char *tname,
		    const struct vmrun_vm *);
void		 target_check_next(struct vctx *, struct vmrun_config *);

/* slots.c */
void		 slots_assign(struct vctx *, struct vmrun_config *);

/* host.c: the host checks' tools; a device's own are its dt_host. */
struct hctx {			/* host-check context */
	struct vmrun_diags *hc_ds;
	const struct vmrun_vm *hc_vm;
	const struct vmrun_opts *hc_opts;
	const struct plat_ops *hc_plat;
	struct pool	*hc_pool;
	unsigned	 hc_flags;
	const char	*hc_group;	/* of the device being checked */
	bool		 hc_devfix;	/* the device says "fix": true */
	size_t		 hc_nproblems;	/* found by this call */
};

/*
 * vmrun_vm_check flag of the supervisor's own checks before a start (not
 * in vmrun.h): a tap the start makes (taps.c) is not made by the check.
 */
#define CHECK_ATSTART	0x100

enum filekind {
	FK_ANY,
	FK_REG,
	FK_DIR
};
void		 host_problem(struct hctx *, const char *code, const char *path,
		    const char *fix, const char *fmt, ...)
		    __attribute__((__format__(__printf__, 5, 6)));
void		 host_note(struct hctx *, const char *code, const char *path,
		    const char *fmt, ...)
		    __attribute__((__format__(__printf__, 4, 5)));
void		 host_fixable(struct hctx *, const char *code,
		    const char *path, const char *fix, const char *msg);
bool		 host_may_fix(const struct hctx *);
bool		 host_will_fix(const struct hctx *);
const char	*host_jp(struct hctx *, const char *, const char *);
const char	*host_jpi(struct hctx *, const char *, const char *, size_t);
void		 host_need_file(struct hctx *, const char *, const char *,
		    enum filekind, bool, const char *);
void		 host_need_tty(struct hctx *, const char *, const char *);
bool		 unix_socket_live(const char *);

/*
 * Layer 3: what a model becomes -- bhyve's command lines, a bhyve_config
 * file, the JSON of -d -- and the library's functions over it.
 */

/*
 * The captured COM port's terminal before there is one: the form of the
 * pty's name on FreeBSD and Linux, N where its number will be.
 */
#define CAPTURE_PLACEHOLDER	"/dev/pts/N"

/* render.c */
struct av {				/* a growable argv in a pool */
	struct pool	*av_pool;
	const char	**av_v;
	size_t		 av_n;
	size_t		 av_cap;
	bool		 av_nomem;
};
void		 av_add(struct av *, const char *);	/* borrows */
enum vmrun_status av_export(struct av *, char ***);	/* new argv */
char		**argv_pack(const char *const *, size_t);	/* new */
bool		 optlist_needs_cfgform(const struct optlist *);
void		 dev_optlist(const struct dev *, struct optlist *);
const char	*escape_value(struct pool *, const char *);
struct pcient	*pci_list(const struct vmrun_vm *, struct pool *, size_t *);

/* render_loader.c: vmrun_vm_loader_argv*() of vmrun.h */
/* render_config.c: vmrun_vm_bhyve_config() of vmrun.h */
/* vm_json.c: vmrun_vm_json() of vmrun.h */
/* vm.c: vmrun_config_*() and vmrun_vm_*() of vmrun.h */

/*
 * Layer 4: the host a VM starts on: what it needs there, and what the
 * supervisor owns there.
 */

/* check.c: vmrun_vm_check() of vmrun.h; a device's checks are its dt_host */

/* probe.c: what the installed bhyve supports (design §12.4) */
void		 probe_check(struct hctx *, const struct vmrun_vm *);
size_t		 probe_parse_usage(const char *, bool [128]);
size_t		 probe_parse_emuls(const char *, char *, size_t);
unsigned	 probe_reset(void);	/* tests */
/* hostfs.c: in supervise.h */

/*
 * Layer 5: supervision, declared in supervise.h, and the control client.
 */

/* opts.c, spawn.c, event.c, resource.c, pty.c, console.c, launch.c: in
   supervise.h */
/* sidecar.c: in supervise.h */
/* seed.c: in supervise.h */
/* taps.c: in supervise.h */
/* policy.c, control.c, client.c, ctlreq.c, ctlsrv.c: in supervise.h */
/* loop.c, supervise.c: in supervise.h */
/* supnew.c: vmrun_sup_new() and vmrun_sup_free(), the callback, signals */
/* supapi.c: vmrun_sup_start() and the calls of the caller's loop */
/* ctlcli.c: the control socket's client, vmrun_ctl_*() of vmrun.h */

#endif /* VMRUN_IMPL_H */
