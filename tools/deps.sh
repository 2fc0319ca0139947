#!/bin/sh
# Make sure what vmrun needs to build and test is here.  On Debian, as
# root, install what is missing; elsewhere say what to install.

missing=""
have() { command -v "$1" >/dev/null 2>&1; }
hdr() { printf '#include <%s>\n' "$1" | ${CC:-cc} -E -x c - \
    $(pkg-config --cflags jansson json-c atf-c 2>/dev/null) >/dev/null 2>&1; }

have cc || missing="$missing cc"
have make || missing="$missing make"
have pkg-config || missing="$missing pkg-config"
# Only the tests use jansson (a second reader and writer of vmrun's
# JSON) and json-c (cli/link_test links both beside libvmrun).
hdr jansson.h || missing="$missing jansson"
hdr json.h || missing="$missing json-c"
hdr atf-c.h || missing="$missing atf-c"
if [ "$(uname -s)" != FreeBSD ]; then
	# The host tests make real tap interfaces in a private namespace.
	have ip || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] ||
	    missing="$missing iproute2"
	have python3 || missing="$missing python3"
	# cli/bridge_test traces a bridged start: no ifconfig, no ip.
	have strace || missing="$missing strace"
fi
# The TPM tests run the real swtpm beside the fake bhyve; the cloud-init
# tests build the seed with the real makefs and read it back with xorriso.
have swtpm || missing="$missing swtpm"
have makefs || [ -x /usr/sbin/makefs ] || missing="$missing makefs"
have xorriso || missing="$missing xorriso"
# FreeBSD's base has atf-sh as /usr/libexec/atf-sh, not on PATH; the
# Makefile names it so in the atf-sh programs.
have atf-sh || [ -x /usr/libexec/atf-sh ] || missing="$missing atf-sh"
# cli/schema_test validates the configurations against vmrun.schema.json
# (draft 2020-12: jsonschema 4 or later).
python3 -c 'from jsonschema import Draft202012Validator' \
    >/dev/null 2>&1 || missing="$missing python3-jsonschema"
have kyua || missing="$missing kyua"

[ -z "$missing" ] && exit 0

os=$(uname -s)
if [ "$os" = FreeBSD ]; then
	echo "vmrun: missing:$missing" >&2
	echo "vmrun: install them with: pkg install jansson json-c atf kyua pkgconf" \
	    "python3 py311-jsonschema swtpm xorriso" >&2
	exit 1
fi
if [ -r /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
	echo "vmrun: installing build dependencies (missing:$missing)" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null &&
	apt-get install -y -qq build-essential pkg-config libjansson-dev \
	    libjson-c-dev libatf-dev atf-sh kyua iproute2 python3 python3-jsonschema \
	    swtpm makefs xorriso strace >/dev/null || {
		echo "vmrun: apt-get install failed" >&2
		exit 1
	}
	exit 0
fi
echo "vmrun: missing:$missing" >&2
echo "vmrun: on Debian run as root: apt-get install build-essential" \
    "pkg-config libjansson-dev libjson-c-dev libatf-dev atf-sh kyua" \
    "iproute2 python3 python3-jsonschema swtpm makefs xorriso strace" >&2
exit 1
