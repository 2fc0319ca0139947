#! /usr/bin/env atf-sh
#
# The layers of libvmrun and of the command, studied in their objects:
# nm(1) says which global symbols each object defines and which it uses,
# which makes a graph of files, an edge from each file to every other
# file whose symbols it uses (a call, or a table it reads).
#
#   - No circle: no file reaches itself through others (a strongly
#     connected component of more than one file).  Each circle found is
#     listed with its edges and the symbols that make them.
#   - The map agrees: libvmrun/vmrun_impl.h and vmrun/cmd.h put every
#     file under a "Layer N:" heading, numbered from the bottom, by a
#     heading line that starts "/* file.c" (or "/* a.c, b.c", a list of
#     files).  A file uses only files of its own layer or lower ones.
#
# The objects are those of the source tree, beside their .c files (one
# without its .c is a leftover and is ignored); the installed suite has
# none, and skips these cases.  The config variable "nm" names the nm
# program (default nm): kyua -v test_suites.vmrun.nm=llvm-nm test.

. "$(atf_get_srcdir)/layout.subr"

# atf_check runs programs, not shell functions: every body calls setup,
# which sets S, the source tree, and NM, and writes the studies' awk
# programs to the work directory.
setup()
{
	S=$(layout source) || atf_skip "the installed suite has no source" \
	    "tree, so no objects to study"
	NM=$(atf_config_get nm nm)
	write_awk
}

# table DIR: DIR's objects as "FILE KIND SYMBOL" lines in table.DIR (one
# of lib, cmd), FILE the object's .c, KIND D (defined) or U (used).  U, w
# and v are undefined symbols (w and v weak ones); every other kind nm -g
# prints is defined.  Fails the case when DIR has no object.
table()
{
	local o c n out

	out=table.$(basename "$1")
	: > "$out"
	n=0
	for o in "$1"/*.o; do
		c=${o%.o}.c
		[ -f "$o" ] && [ -f "$c" ] || continue
		n=$((n + 1))
		"$NM" -g -P "$o" > nm.out || atf_fail "$NM -g -P $o failed"
		awk -v f="${c##*/}" 'NF >= 2 {
			k = ($2 == "U" || $2 == "w" || $2 == "v") ? "U" : "D"
			print f, k, $1
		}' nm.out >> "$out"
	done
	[ "$n" -gt 0 ] || atf_fail "$1 has no objects: build first (make)"
	LC_ALL=C sort -o "$out" "$out"
	TABLE=$out
}

# The awk programs: edges.awk makes the edges, cycles.awk finds the
# circles (Tarjan's strongly connected components, linear in the files
# and edges), layers.awk compares the edges with a map.
write_awk()
{
	cat > edges.awk <<'EOF'
# Reads a table; edge(), called in END, makes the graph: nnode nodes
# node[1..nnode] in table order, nadj[v] edges adj[v, 1..] in table
# order, syms[v, w] the symbols of the edge from v to w.
$2 == "D" {
	if (!($3 in def))
		def[$3] = $1
	addnode($1)
	next
}
$2 == "U" {
	addnode($1)
	ref[++nref] = $1 " " $3
}
function addnode(v) {
	if (!(v in isnode)) {
		isnode[v] = 1
		node[++nnode] = v
		nadj[v] = 0
	}
}
function edge(    i, sp, v, w, s) {
	for (i = 1; i <= nref; i++) {
		sp = index(ref[i], " ")
		v = substr(ref[i], 1, sp - 1)
		s = substr(ref[i], sp + 1)
		if (!(s in def) || def[s] == v)
			continue
		w = def[s]
		if ((v, w) in syms) {
			syms[v, w] = syms[v, w] " " s
			continue
		}
		syms[v, w] = s
		adj[v, ++nadj[v]] = w
	}
}
EOF
	cat > cycles.awk <<'EOF'
# Prints each circle: "cycle: FILE..." then "  FILE -> FILE: SYMBOL..."
# for each of its edges.
END {
	edge()
	for (i = 1; i <= nnode; i++)
		if (!(node[i] in idx))
			strong(node[i])
}
function strong(v,    i, w, n) {
	idx[v] = low[v] = ++counter
	stack[++sp] = v
	onstack[v] = 1
	for (i = 1; i <= nadj[v]; i++) {
		w = adj[v, i]
		if (!(w in idx)) {
			strong(w)
			if (low[w] < low[v])
				low[v] = low[w]
		} else if ((w in onstack) && idx[w] < low[v])
			low[v] = idx[w]
	}
	if (low[v] != idx[v])
		return
	n = 0
	do {
		w = stack[sp--]
		delete onstack[w]
		comp[++n] = w
	} while (w != v)
	if (n > 1)
		report(n)
}
function report(n,    i, j, t) {
	for (i = 2; i <= n; i++) {
		t = comp[i]
		for (j = i - 1; j >= 1 && comp[j] > t; j--)
			comp[j + 1] = comp[j]
		comp[j + 1] = t
	}
	printf "cycle:"
	for (i = 1; i <= n; i++)
		printf " %s", comp[i]
	printf "\n"
	for (i = 1; i <= n; i++)
		for (j = 1; j <= n; j++)
			if ((comp[i], comp[j]) in syms)
				printf "  %s -> %s: %s\n", comp[i], comp[j],
				    syms[comp[i], comp[j]]
}
EOF
	cat > layers.awk <<'EOF'
# The map first (-v map=NAME, -v dir=the sources' directory), then a
# table: prints each file the map misplaces, names twice or leaves out,
# and each edge that goes up a layer.
FNR == NR {
	if ($0 ~ /^(\/\*| \*) Layer [0-9]+:/) {
		match($0, /[0-9]+/)
		layer = substr($0, RSTART, RLENGTH) + 0
		next
	}
	if ($0 !~ /^\/\* [A-Za-z0-9_]+\.c[^A-Za-z0-9_.]/)
		next
	# The files the line starts with: "a.c", "a.c, b.c", ...
	rest = substr($0, 4)
	n = 0
	while (match(rest, /^[A-Za-z0-9_]+\.c/)) {
		w[++n] = substr(rest, 1, RLENGTH)
		rest = substr(rest, RLENGTH + 1)
		if (substr(rest, 1, 2) != ", ")
			break
		rest = substr(rest, 3)
	}
	for (i = 1; i <= n; i++) {
		if (layer == "") {
			printf "%s: %s is under no layer heading\n", map, w[i]
			unplaced[w[i]] = 1
		}
		else if ((w[i] in lay) && lay[w[i]] != layer)
			printf "%s: %s is in layers %d and %d\n", map, w[i],
			    lay[w[i]], layer
		else if (!(w[i] in lay)) {
			lay[w[i]] = layer
			if ((getline line < (dir "/" w[i])) < 0)
				printf "%s names %s, which is not in %s\n",
				    map, w[i], dir
			close(dir "/" w[i])
		}
	}
	next
}
END {
	edge()
	for (i = 1; i <= nnode; i++)
		if (!(node[i] in lay) && !(node[i] in unplaced))
			printf "%s: %s is in no layer\n", map, node[i]
	for (i = 1; i <= nnode; i++) {
		v = node[i]
		for (j = 1; j <= nadj[v]; j++) {
			x = adj[v, j]
			if ((v in lay) && (x in lay) && lay[v] < lay[x])
				printf "%s (layer %d) uses %s (layer %d): " \
				    "%s\n", v, lay[v], x, lay[x], syms[v, x]
		}
	}
}
EOF
}

# cycles DIR: fails the case, listing them, when DIR's objects call in
# a circle.
cycles()
{
	table "$1"
	awk -f edges.awk -f cycles.awk "$TABLE" > cycles.out ||
	    atf_fail "awk failed"
	if [ -s cycles.out ]; then
		cat cycles.out >&2
		atf_fail "the files of ${1##*/} call in a circle:" \
		    "$(grep -c '^cycle:' cycles.out) circle(s), listed on" \
		    "stderr"
	fi
}

# layers DIR MAP: fails the case, listing them, when DIR's objects use
# a file above them in MAP, or MAP places DIR's files wrongly.
layers()
{
	table "$1"
	[ -f "$2" ] || atf_fail "$2 is missing"
	awk -v map="${2##*/}" -v dir="$1" -f edges.awk -f layers.awk \
	    "$2" "$TABLE" > layers.out || atf_fail "awk failed"
	if [ -s layers.out ]; then
		cat layers.out >&2
		atf_fail "${1##*/} does not keep the layers of ${2##*/}:" \
		    "$(wc -l < layers.out | tr -d ' ') problem(s), listed" \
		    "on stderr"
	fi
}

atf_test_case lib_cycles
lib_cycles_head()
{
	atf_set descr "no file of libvmrun calls, through others, back into" \
	    "itself"
}
lib_cycles_body()
{
	setup
	cycles "$S/libvmrun"
}

atf_test_case cmd_cycles
cmd_cycles_head()
{
	atf_set descr "no file of vmrun/ calls, through others, back into" \
	    "itself"
}
cmd_cycles_body()
{
	setup
	cycles "$S/vmrun"
}

atf_test_case lib_layers
lib_layers_head()
{
	atf_set descr "libvmrun/vmrun_impl.h puts every file of libvmrun in" \
	    "a layer, and each uses only its own layer and those below"
}
lib_layers_body()
{
	setup
	layers "$S/libvmrun" "$S/libvmrun/vmrun_impl.h"
}

atf_test_case cmd_layers
cmd_layers_head()
{
	atf_set descr "vmrun/cmd.h puts every file of vmrun/ in a layer," \
	    "and each uses only its own layer and those below"
}
cmd_layers_body()
{
	setup
	layers "$S/vmrun" "$S/vmrun/cmd.h"
}

# The studies themselves, on a made-up table and map: what they must
# find, they find.  This needs no objects: the installed suite runs it.
atf_test_case study
study_head()
{
	atf_set descr "the studies find every circle, with its symbols, and" \
	    "every call up a layer, in a made-up graph"
}
study_body()
{
	write_awk
	mkdir src
	for f in a b c d e f z; do
		: > "src/$f.c"
	done
	# a -> b -> c -> a, d -> a, e -> e (a file calls itself), d -> e,
	# a -> printf (not ours); b and c each use two of the other's.
	cat > t <<'EOF'
a.c D fa
a.c U fb
a.c U printf
b.c D fb
b.c D gb
b.c U fc
b.c U hc
c.c D fc
c.c D hc
c.c U fa
c.c U fb
c.c U gb
d.c D fd
d.c U fa
d.c U fe
e.c D fe
e.c U fe
f.c D ff
EOF
	cat > want <<'EOF'
cycle: a.c b.c c.c
  a.c -> b.c: fb
  b.c -> c.c: fc hc
  c.c -> a.c: fa
  c.c -> b.c: fb gb
EOF
	atf_check -o file:want awk -f edges.awk -f cycles.awk t
	# b calls c, a layer up; d is in no layer; the map names z.c
	# before any layer, x.c, which is not in src, and e.c twice.
	cat > map.h <<'EOF'
/* z.c: under no heading yet */

/*
 * Layer 0: the bottom
 */

/* b.c, e.c, f.c: three files, not g.c */
/* x.c */

/* Layer 1: the top */
/* c.c, a.c (and d.c, in words) */
/* e.c */
EOF
	cat > want <<'EOF'
map.h: z.c is under no layer heading
map.h names x.c, which is not in src
map.h: e.c is in layers 0 and 1
map.h: d.c is in no layer
b.c (layer 0) uses c.c (layer 1): fc hc
EOF
	atf_check -o file:want awk -v map=map.h -v dir=src -f edges.awk \
	    -f layers.awk map.h t
}

atf_init_test_cases()
{
	atf_add_test_case lib_cycles
	atf_add_test_case cmd_cycles
	atf_add_test_case lib_layers
	atf_add_test_case cmd_layers
	atf_add_test_case study
}
