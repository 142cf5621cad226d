#!/usr/bin/env bash
# Short fuzzing run of every cargo-fuzz target, for CI and for a quick local check.
#
#   bash fuzz/run.sh [SECONDS] [TARGET ...]
#
# SECONDS (default 60) is the time per target; without TARGETs every target runs, one after
# the other. Each target runs on a fresh copy of its committed seed corpus (fuzz/corpus/<target>)
# and of its past crashes (fuzz/regressions/<target>-*, replayed first) in a temporary work
# directory, so the tree is never modified; crash artifacts go there too.
# Exits 0 when every target ran clean, 1 when any target crashed (panic, failed assertion,
# timeout, out-of-memory; the artifact path is printed), 2 on a usage or build error.
#
# Environment:
#   FUZZ_WORK_DIR   keep the work directory here instead of a temporary one (kept on failure
#                   anyway, so the artifacts can be inspected)
#   FUZZ_NICE       niceness of builds and fuzzers (default 19: the machine is shared)
#   FUZZ_PROFILE    release (default: optimised, debug assertions on) or dev (unoptimised,
#                   several times faster to build; CI's smoke run)
#   FUZZ_EXTRA      extra libFuzzer flags for every target (e.g. "-seed=1")
#   FUZZ_LOCK       the lock file the differential target runs under (default
#                   /tmp/renorm-symbolica.lock, the one shared with other engine users on this
#                   machine); empty: no extra lock (renorm's own per-user engine lock still makes
#                   a second engine user wait) — for a caller that already holds that lock.
#                   A lock an ancestor process already holds (e.g. CI run as
#                   `flock /tmp/renorm-symbolica.lock bash .ci/run`) is detected and not taken
#                   again, which would wait forever
#
# The `differential` target uses the symbolic engine (Symbolica, unlicensed: one engine thread
# per user, a second concurrent process is aborted). It therefore runs as a single process
# (never -fork/-jobs) under `flock /tmp/renorm-symbolica.lock`, and waits for that lock if
# another engine user holds it. Every other target switches the engine off.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

secs=${1:-60}
if ! [[ $secs =~ ^[0-9]+$ ]] || [ "$secs" -lt 1 ]; then
    echo "usage: bash fuzz/run.sh [SECONDS] [TARGET ...]" >&2
    exit 2
fi
shift $(( $# > 0 ? 1 : 0 ))

all_targets=(parse evaluate rg_model check_spec conditions_spec npz proof differential)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi

# Per-target input size bound (bytes). The TOML formats are small; proof files are the longest
# seeds (about 10 kB); .npz seeds are up to 5 kB, and room is left for larger archives.
max_len() {
    case $1 in
        parse | evaluate) echo 4096 ;;
        rg_model | check_spec | conditions_spec) echo 4096 ;;
        proof) echo 16384 ;;
        npz) echo 32768 ;;
        differential) echo 64 ;;
        *) echo 4096 ;;
    esac
}
# Dictionary per target (libFuzzer -dict), if any.
dict_for() {
    case $1 in
        parse | evaluate) echo dicts/formula.dict ;;
        *) [ -f "dicts/$1.dict" ] && echo "dicts/$1.dict" ;;
    esac
}

nice_level=${FUZZ_NICE:-19}
export SYMBOLICA_HIDE_BANNER=1
# Build flags shared by build and run (a mismatch would rebuild): release, with debug
# assertions and overflow checks on, AddressSanitizer (cargo fuzz's default) so that a huge
# allocation is caught by libFuzzer's malloc limit even before it is touched.
# FUZZ_PROFILE=dev builds without optimisation instead (debug assertions on, AddressSanitizer
# kept): several times faster to build, slower to run — CI's short smoke run uses it.
case ${FUZZ_PROFILE:-release} in
    release) build_flags=(-O -a) ;;
    dev) build_flags=(--dev) ;;
    *)
        echo "FUZZ_PROFILE must be release or dev, not ${FUZZ_PROFILE}" >&2
        exit 2
        ;;
esac

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    nice -n "$nice_level" cargo install cargo-fuzz || exit 2
fi

echo "== building ${#all_targets[@]} targets"
nice -n "$nice_level" cargo +nightly fuzz build "${build_flags[@]}" || exit 2

if [ -n "${FUZZ_WORK_DIR:-}" ]; then
    work=$FUZZ_WORK_DIR
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/renorm-fuzz.XXXXXX")
fi

# Whether this process or an ancestor already holds lock file $1 open (flock(1) keeps it on an
# inherited descriptor): taking it again from here would wait for ourselves forever.
lock_held_by_ancestor() {
    local p=$$ fd
    while [ -n "$p" ] && [ "$p" -gt 1 ]; do
        for fd in /proc/"$p"/fd/*; do
            [ "$(readlink "$fd" 2>/dev/null)" = "$1" ] && return 0
        done
        p=$(awk '/^PPid:/ {print $2}' /proc/"$p"/status 2>/dev/null)
    done
    return 1
}

failed=()
for t in "${targets[@]}"; do
    if [ ! -f "fuzz_targets/$t.rs" ]; then
        echo "unknown target: $t" >&2
        exit 2
    fi
    corpus="$work/corpus/$t"
    artifacts="$work/artifacts/$t"
    log="$work/$t.log"
    rm -rf "$corpus" "$artifacts"
    mkdir -p "$corpus" "$artifacts"
    if [ -d "corpus/$t" ]; then cp -R "corpus/$t/." "$corpus/"; fi
    # Every crash found so far (fuzz/regressions/<target>-*) is replayed first, as a seed.
    for r in regressions/"$t"-*; do
        [ -f "$r" ] && cp "$r" "$corpus/regression-${r##*/}"
    done
    args=(
        -max_total_time="$secs"
        -rss_limit_mb=2048
        -timeout=10
        -max_len="$(max_len "$t")"
        -artifact_prefix="$artifacts/"
        -print_final_stats=1
    )
    d=$(dict_for "$t")
    if [ -n "$d" ]; then args+=(-dict="$d"); fi
    # shellcheck disable=SC2206
    extra=(${FUZZ_EXTRA:-})
    cmd=(nice -n "$nice_level" cargo +nightly fuzz run "${build_flags[@]}" "$t" "$corpus" -- "${args[@]}" "${extra[@]}")
    lock=${FUZZ_LOCK-/tmp/renorm-symbolica.lock}
    if [ "$t" = differential ] && [ -n "$lock" ]; then
        if lock_held_by_ancestor "$lock"; then
            echo "   ($lock is already held by this job: not taken again)"
        else
            cmd=(flock "$lock" "${cmd[@]}")
        fi
    fi
    echo "== $t: ${secs}s, seeds: $(find "$corpus" -type f | wc -l)"
    "${cmd[@]}" >"$log" 2>&1
    rc=$?
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "$log" | sed 's/^/   /'
    found=$(find "$artifacts" -type f 2>/dev/null)
    if [ $rc -ne 0 ] || [ -n "$found" ]; then
        failed+=("$t")
        echo "!! $t FAILED (exit $rc); log: $log"
        grep -E 'ERROR: libFuzzer|panicked at|SUMMARY|out-of-memory|Test unit written' "$log" | head -8 | sed 's/^/   /'
        for a in $found; do echo "   artifact: $a"; done
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "== FAILED: ${failed[*]} (work directory kept: $work)"
    echo "   reproduce: cd fuzz && cargo +nightly fuzz run ${build_flags[*]} <target> <artifact>"
    exit 1
fi
echo "== all ${#targets[@]} targets ran ${secs}s without a crash"
if [ -z "${FUZZ_WORK_DIR:-}" ]; then rm -rf "$work"; fi
exit 0
