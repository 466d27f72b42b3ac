# SPDX-License-Identifier: GPL-2.0
# Paths and small helpers shared by the scripts; sourced, not run.

BUILD=$top/build
# The kernel: mainline 7.3 as Debian packages it (linux-source-7.3 from
# trixie-backports, fetched by scripts/deps into build/apt), or, with
# KVER=6.12 (make backport), Debian 12's linux-source-6.12, the stable target.
KVER=${KVER:-7.3}
if [ "$KVER" = 7.3 ]; then
	SRCPKG=linux-source-7.3
	TARBALL=$BUILD/apt/root/usr/src/linux-source-7.3.tar.xz
else
	SRCPKG=linux-source-$KVER
	TARBALL=/usr/src/linux-source-$KVER.tar.xz
fi
PRISTINE=$BUILD/linux-source-$KVER
# The prepared tree; scripts/bench prepares a second one, without the mdev
# conversion, by setting KTREE and SKIP_PATCHES.
if [ "$KVER" = 7.3 ]; then
	TREE=${KTREE:-$BUILD/linux}
else
	TREE=${KTREE:-$BUILD/linux-$KVER}
fi
# The conversions: build/linux-a (the "A" kernel of scripts/bench and
# scripts/races) is prepared without these patches, so that its mdev core
# is 7.3's own; 0004, the mdev KUnit suite, is left out with them (it runs
# on 7.3's unreg_sem too: `scripts/races mdev-kunit` runs it on pristine
# 7.3.4 and with the vfio fixes, in build/linux-vfio-a).
CONVERSIONS="0003 0004 0025 0026 0027 0028"
# The fixes, which scripts/races also leaves out of its A kernel, so that
# the races and bugs they fix show there: mdev's late releases and remove
# window, the samples' parent devices, cdevs and classes in module memory,
# vfio_create_group()'s error path,
# iio-trig-sysfs's module reference, scsi_debug's add_host, PTP's virtual
# clocks, netdevsim's module exit and ports.
FIXES="0011 0013 0016 0017 0018 0019 0021 0022 0023 0024 0029 0030"
# Directories whose files the project adds at their kernel paths.
OVERLAY_DIRS="include lib drivers Documentation kernel samples"

# checkpatch types ignored, each with its reason; scripts/check-static and
# scripts/check-series both use this list:
#   FILE_PATH_CHANGES: a patch that adds files does not touch MAINTAINERS
#     ("does MAINTAINERS need updating?"): the library's entry is a commit
#     of its own in the series (patches/0010), after the files it names.
#   UNKNOWN_COMMIT_ID: neither Debian's source package nor the series' git
#     repository has the upstream history in which to look up the commit
#     ids the patches cite (5715c4dd66a3 is upstream).
CHECKPATCH_IGNORE=FILE_PATH_CHANGES,UNKNOWN_COMMIT_ID

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}

overlay_files() {
	local d
	for d in $OVERLAY_DIRS; do
		if [ -d "$top/$d" ]; then
			(cd "$top" && find "$d" -type f)
		fi
	done | sort
}

# patches/*.patch in the order of series/series (those it does not name
# last, by number), each replaced by its namesake in $STABLE_DIR if there
# is one (patches/stable-6.12/ for make backport), less those whose name
# starts with a number in
# SKIP_PATCHES (e.g. SKIP_PATCHES=0003).  The tree is prepared in the order
# the series is committed, so that a patch may build on any patch before it
# there, whatever the numbers.
patch_list() {
	local p n
	{
		series_pieces 2>/dev/null | grep '^patches/.*\.patch$' |
			sed "s|^|$top/|"
		ls "$top"/patches/*.patch 2>/dev/null | sort
	} | awk '!seen[$0]++' | while read -r p; do
		[ -f "$p" ] || continue
		n=$(basename "$p")
		[[ " ${SKIP_PATCHES:-} " == *" ${n%%-*} "* ]] && continue
		# make backport: a patch's backport for that stable tree, where
		# the patch itself does not apply there.
		if [ -n "${STABLE_DIR:-}" ] && [ -f "$STABLE_DIR/$n" ]; then
			echo "$STABLE_DIR/$n"
		else
			echo "$p"
		fi
	done
}

# Files that patches/*.patch (or the patches given) change.
patched_files() {
	local p
	for p in ${@:-$(patch_list)}; do
		sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$p"
	done | sort -u
}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-10G}

# make_initramfs INIT CPIO [FILE...]: a gzipped initramfs with busybox,
# INIT as /init and the FILEs in /.
make_initramfs() {
	local init=$1 cpio=$2 root
	shift 2
	root=$(mktemp -d "$BUILD/initramfs.XXXXXX") || return 1
	mkdir -p "$root/bin"
	cp /bin/busybox "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	cp "$init" "$root/init"
	chmod +x "$root/init"
	[ $# -eq 0 ] || cp "$@" "$root/"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$cpio"
	rm -rf "$root"
}

# kunit_build TREE KBUILD [kunit.py option...]: build the x86_64 KUnit
# configuration ($KUNITCONFIG, configs/kunit-x86_64.config unless set) of
# TREE in KBUILD, without
# running it; the output goes to build/results/build-$(basename KBUILD).out.
kunit_build() {
	local tree=$1 dir=$2 log
	shift 2
	log=$BUILD/results/build-$(basename "$dir").out
	mkdir -p "$BUILD/results"
	echo "  BUILD   $dir"
	(cd "$tree" && python3 tools/testing/kunit/kunit.py build --arch=x86_64 \
		--build_dir="$dir" --jobs="$(nproc)" --make_options=CC="ccache gcc" \
		--kunitconfig="${KUNITCONFIG:-$top/configs/kunit-x86_64.config}" \
		"$@") > "$log" 2>&1 ||
		{ tail -n 20 "$log"; return 1; }
}

# unpack_pristine: Debian's source, unpacked once into $PRISTINE.
unpack_pristine() {
	local tmp
	[ -d "$PRISTINE" ] && return 0
	[ -f "$TARBALL" ] || { echo "no $TARBALL: run 'make deps'" >&2; return 1; }
	echo "  UNPACK  $TARBALL"
	mkdir -p "$BUILD"
	tmp=$(mktemp -d "$BUILD/unpack.XXXXXX")
	tar -C "$tmp" -xf "$TARBALL"
	mv "$tmp/$(basename "$PRISTINE")" "$PRISTINE"
	rmdir "$tmp"
}

# srcpkg_version: the Debian version of the source package behind $TARBALL.
srcpkg_version() {
	if [ "$KVER" = 7.3 ]; then
		cat "$BUILD/apt/version" 2>/dev/null || echo unknown
	else
		dpkg-query -W -f='${Version}' "$SRCPKG" 2>/dev/null || echo unknown
	fi
}

# The patch series (scripts/series, scripts/check-series): series/series
# says what each commit is made of; see the comment at its top.
SERIES=$top/series/series
SERIES_GIT=$BUILD/series-git
SERIES_OUT=$BUILD/series

# series_lines: the entries of series/series: its lines less comments,
# blank lines and the section lines ("series NAME...", "needs NAME..."),
# continued lines joined, blanks squeezed.  With SERIES_SECTIONS=1, the
# section lines too.
series_lines() {
	awk -v sections="${SERIES_SECTIONS:-0}" '
	/^[[:space:]]*#/ { next }
	!sections && /^(series|needs)([[:space:]]|$)/ { next }
	{ line = line " " $0 }
	/\\[[:space:]]*$/ { sub(/\\[[:space:]]*$/, "", line); next }
	{
		gsub(/[[:space:]]+/, " ", line)
		sub(/^ /, "", line)
		sub(/ $/, "", line)
		if (line != "")
			print line
		line = ""
	}' "$SERIES"
}

# series_expand ITEM...: each item as a path in the repository; a glob must
# name exactly one file.
series_expand() {
	local it m
	for it in "$@"; do
		m=$(cd "$top" && compgen -G "$it" || true)
		if [ -z "$m" ] || [ "$(echo "$m" | wc -l)" -ne 1 ]; then
			echo "series: '$it' names $(echo "$m" | grep -c .) files, not one" >&2
			return 1
		fi
		echo "$m"
	done
}

# series_pieces: every path the series file names, in entries or "outside".
series_pieces() {
	local line
	set -f
	while read -r line; do
		# shellcheck disable=SC2086
		set -- $line
		[ "$1" = outside ] && shift
		set +f
		series_expand "$@" || return 1
		set -f
	done < <(series_lines)
	set +f
}

# series_unlisted: patches and project files the series file does not name.
series_unlisted() {
	local named
	named=$(series_pieces) || return 1
	{ SKIP_PATCHES='' patch_list | sed "s|^$top/||"; overlay_files; } |
		grep -vxF -f <(echo "$named") || true
}
