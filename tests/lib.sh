# tests/lib.sh - a minimal assertion library for the shell test scripts.
# Each check prints "ok" or "FAIL" with its name; t_summary prints the closing
# line "N passed, M failed (S s)" (S: the suite's wall seconds, for the CI
# budget) and returns non-zero if anything failed.

T_PASSED=0
T_FAILED=0
T_START=$(date +%s)
# Python with GDAL's bindings and numpy: Debian's, whatever python3 is on PATH.
PY=/usr/bin/python3
# The sanitizer build (BUILD=build-san...): the re-runs that only show a
# result does not depend on the thread count or the tile size, or that a
# failure ends the same way every time, are the plain pass's (a sanitizer
# changes no result; CI has 30 minutes for both passes).
T_SAN=0
case "${BUILD:-build}" in build-san*) T_SAN=1 ;; esac

t_pass() { T_PASSED=$((T_PASSED + 1)); echo "ok    $1"; }
t_fail() { T_FAILED=$((T_FAILED + 1)); echo "FAIL  $1${2:+: $2}"; }

# t_ok NAME CMD...: CMD exits 0
t_ok() {
  name=$1; shift
  if out=$("$@" 2>&1); then t_pass "$name"; else t_fail "$name" "$(printf '%s' "$out" | tail -5)"; fi
}

# t_eq NAME EXPECTED ACTUAL
t_eq() {
  if [ "$2" = "$3" ]; then t_pass "$1"; else t_fail "$1" "expected '$2', got '$3'"; fi
}

# t_has NAME NEEDLE HAYSTACK: HAYSTACK contains NEEDLE
t_has() {
  case "$3" in *"$2"*) t_pass "$1" ;; *) t_fail "$1" "'$2' not in: $(printf '%s' "$3" | head -3)" ;; esac
}

# t_py SCRIPT ARGS...: run a Python checker that prints "ok ..." / "FAIL ..."
# lines; each line counts as one check.  A crash, a non-zero exit without a
# FAIL line, and a run that checked nothing count as a failure each.
t_py() {
  out=$($PY "$@" 2>&1)
  rc=$?
  echo "$out"
  oks=$(printf '%s\n' "$out" | grep -c '^ok')
  fails=$(printf '%s\n' "$out" | grep -c '^FAIL')
  T_PASSED=$((T_PASSED + oks))
  T_FAILED=$((T_FAILED + fails))
  if printf '%s\n' "$out" | grep -q '^Traceback'; then
    t_fail "$1 crashed"
  elif [ "$rc" -ne 0 ] && [ "$fails" -eq 0 ]; then
    t_fail "$1 exited $rc without a FAIL line"
  elif [ "$oks" -eq 0 ] && [ "$fails" -eq 0 ]; then
    t_fail "$1 checked nothing"
  fi
}

t_summary() {
  echo "$T_PASSED passed, $T_FAILED failed ($(( $(date +%s) - T_START )) s)"
  [ "$T_FAILED" -eq 0 ]
}
