#!/bin/sh
# Offline tests for the files in dockerfiles/ (no docker engine needed):
#  1. the ARG defaults of both Dockerfiles agree with versions.json
#     (the sandbox's two base images excepted: they are local stand-ins);
#  2. slurmd-stack-check, under every shell found among dash, bash and
#     busybox sh, against fake trees: a good one passes, one with an EFA
#     device runs fi_info, a bad one fails on the expected checks, and an
#     unknown argument is a usage error.
# Prints one line per case and ends with "N passed, N failed".
#   sh dockerfiles/tests/run.sh
set -u

here=$(cd "$(dirname "$0")/.." && pwd)
check="$here/slurmd-stack-check"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT HUP INT TERM
passed=0
failed=0

pass() {
	passed=$((passed + 1))
	printf 'PASS %s\n' "$1"
}
flunk() {
	failed=$((failed + 1))
	printf 'FAIL %s\n' "$1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /'
}

# json_value KEY: the string value of KEY in versions.json (flat file).
json_value() {
	sed -n "s/^[[:space:]]*\"$1\"[[:space:]]*:[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" "$here/versions.json"
}

# arg_default FILE NAME: the default of the first "ARG NAME=..." in FILE.
arg_default() {
	sed -n "s/^ARG $2=\\(.*\\)\$/\\1/p" "$1" | head -n 1
}

# 1. versions.json <-> Dockerfiles
keys=$(sed -n 's/^[[:space:]]*"\([a-z][a-z_]*\)"[[:space:]]*:.*/\1/p' "$here/versions.json")
for file in dlc-slurmd.Dockerfile sandbox-slurmd.Dockerfile; do
	for key in $keys; do
		arg=$(printf '%s' "$key" | tr '[:lower:]' '[:upper:]')
		case "$file:$arg" in
			sandbox-slurmd.Dockerfile:DLC_IMAGE | sandbox-slurmd.Dockerfile:SLURMD_IMAGE) continue ;;
		esac
		want=$(json_value "$key")
		got=$(arg_default "$here/$file" "$arg")
		if [ -n "$want" ] && [ "$got" = "$want" ]; then
			pass "$file ARG $arg = versions.json $key ($want)"
		else
			flunk "$file ARG $arg = versions.json $key" "ARG default: '$got', versions.json: '$want'"
		fi
	done
done
case "$(arg_default "$here/sandbox-slurmd.Dockerfile" DLC_IMAGE) $(arg_default "$here/sandbox-slurmd.Dockerfile" SLURMD_IMAGE)" in
	"slinky-sandbox/dlc-base:local slinky-sandbox/slurmd-base:local") pass "sandbox bases are the local stand-ins" ;;
	*) flunk "sandbox bases are the local stand-ins" ;;
esac

# 2. slurmd-stack-check against fake trees
put() { # put ROOT PATH [TEXT] : an executable file with TEXT
	mkdir -p "$(dirname "$1$2")"
	printf '%s\n' "${3:-}" >"$1$2"
	chmod 0755 "$1$2"
}
# The stand-in scripts are single-quoted on purpose: "$1" belongs to them.
# shellcheck disable=SC2016
make_tree() { # make_tree ROOT good|bad|efa
	r=$1
	put "$r" /usr/local/cuda/bin/nvcc '#!/bin/sh
echo "Cuda compilation tools, release 12.6, V12.6.85"'
	put "$r" /opt/amazon/efa/lib/libfabric.so.1
	put "$r" /opt/amazon/openmpi/bin/mpirun '#!/bin/sh
echo "mpirun (Open MPI) 4.1.7"'
	if [ "$2" = bad ]; then
		put "$r" /usr/local/lib/libnccl.so.2.21.5
		put "$r" /opt/amazon/efa_installed_packages '# EFA installer version: 1.34.0'
		put "$r" /usr/local/bin/python3 '#!/bin/sh
case "$1" in --version) echo "Python 3.10.12" ;; *) echo "ModuleNotFoundError: torch" >&2; exit 1 ;; esac'
		mkdir -p "$r/opt/amazon/ofi-nccl/lib/x86_64-linux-gnu" "$r/sys/class/infiniband/rdmap0s6"
		put "$r" /opt/amazon/efa/bin/fi_info '#!/bin/sh
echo "fi_getinfo: -61" >&2; exit 1'
		# Slurm built without its gpu/nvidia plugin.
		put "$r" /usr/lib/x86_64-linux-gnu/slurm/gpu_nvml.so
	else
		put "$r" /usr/lib/x86_64-linux-gnu/slurm/gpu_nvidia.so
		put "$r" /usr/local/lib/libnccl.so.2.23.4
		put "$r" /opt/amazon/efa_installed_packages '# EFA installer version: 1.38.0'
		put "$r" /opt/amazon/ofi-nccl/lib/x86_64-linux-gnu/libnccl-net.so
		put "$r" /usr/local/bin/python3 '#!/bin/sh
case "$1" in --version) echo "Python 3.12.8" ;; -c) echo "torch=2.6.0+cu126 cuda=12.6 nccl=2.23.4" ;; esac'
	fi
	if [ "$2" = efa ]; then
		put "$r" /dev/infiniband/uverbs0
		put "$r" /opt/amazon/efa/bin/fi_info '#!/bin/sh
printf "provider: efa\n    domain: rdmap0s6-rdm\n"'
	fi
}
for kind in good bad efa; do make_tree "$tmp/$kind" "$kind"; done

shells=''
command -v dash >/dev/null 2>&1 && shells="$shells dash"
command -v bash >/dev/null 2>&1 && shells="$shells bash"
command -v busybox >/dev/null 2>&1 && shells="$shells busybox"

run_check() { # run_check SHELL ROOT [ARG] ; sets out and rc
	if [ "$1" = busybox ]; then set -- "busybox sh" "$2" "${3:-}"; fi
	# shellcheck disable=SC2086 # "busybox sh" is meant to split
	out=$(STACK_CHECK_ROOT=$2 STACK_CHECK_SKIP=libs STACK_EXPECT_CUDA=12.6 STACK_EXPECT_NCCL=2.23.4 \
		STACK_EXPECT_EFA_INSTALLER=1.38.0 STACK_EXPECT_PYTHON=3.12.8 STACK_EXPECT_TORCH=2.6.0 \
		$1 "$check" ${3:+"$3"} 2>&1)
	rc=$?
}

for sh in $shells; do
	run_check "$sh" "$tmp/good"
	if [ "$rc" -eq 0 ] && ! printf '%s\n' "$out" | grep -q '^FAIL' &&
		printf '%s\n' "$out" | grep -q '^skip efa-device: no EFA device' &&
		printf '%s\n' "$out" | grep -q '^ok   slurm-gpu: /usr/lib/x86_64-linux-gnu/slurm/gpu_nvidia.so'; then
		pass "$sh: good tree passes (Slurm's gpu/nvidia plugin found), efa-device skipped"
	else
		flunk "$sh: good tree passes" "$out"
	fi
	bad_lines=$(printf '%s\n' "$out" | grep -cv '^\(ok  \|FAIL\|skip\) [a-z-]*: ')
	if [ "$bad_lines" -eq 0 ]; then
		pass "$sh: every line is ok/FAIL/skip <name>: <detail>"
	else
		flunk "$sh: line format" "$out"
	fi

	run_check "$sh" "$tmp/efa"
	if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -q '^ok   efa-device: fi_info -p efa lists rdmap0s6-rdm'; then
		pass "$sh: EFA device present, fi_info runs"
	else
		flunk "$sh: EFA device present, fi_info runs" "$out"
	fi

	run_check "$sh" "$tmp/bad"
	want='FAIL nccl FAIL efa-installer FAIL ofi-nccl FAIL efa-device FAIL python FAIL torch FAIL slurm-gpu'
	got=$(printf '%s\n' "$out" | sed -n 's/^\(FAIL [a-z-]*\):.*/\1/p' | tr '\n' ' ' | sed 's/ $//')
	if [ "$rc" -eq 1 ] && [ "$got" = "$want" ]; then
		pass "$sh: bad tree fails exactly on: $(printf '%s' "$want" | sed 's/FAIL //g')"
	else
		flunk "$sh: bad tree fails (exit $rc)" "$out"
	fi

	run_check "$sh" "$tmp/good" --bogus
	if [ "$rc" -eq 2 ]; then
		pass "$sh: unknown argument exits 2"
	else
		flunk "$sh: unknown argument exits 2 (got $rc)" "$out"
	fi
done
[ -n "$shells" ] || flunk "no shell found to run slurmd-stack-check"

printf '%s passed, %s failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
