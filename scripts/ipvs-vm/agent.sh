#!/bin/sh
# Command agent of the IPVS test VM, on a virtio-serial port (stdin/stdout).
# Request, one line:  <id> x<base64 stdin> x<base64 argv0> x<base64 argv1> ...
# Response, one line: R <id> <exit code> x<base64 stdout> x<base64 stderr>
# Every field is base64 (with an "x" so empty fields survive word splitting); the decoded argv is executed as an
# argument vector and never evaluated. Each command gets a 120 s limit, as a runaway must not wedge the channel.
set -f
IFS=' '
work=/run/agent
mkdir -p "$work"

decode() { printf '%s' "${1#x}" | base64 -d; }

# busybox prefers its own applets to PATH when it execs a bare name (its `ip` would shadow iproute2's):
# hand `timeout` an absolute path, searched like init's PATH (/usr/sbin: the real tools, /bin: the applets).
resolve() {
  case "$1" in */*) echo "$1" && return ;; esac
  for dir in /usr/sbin /bin; do
    [ -x "$dir/$1" ] && echo "$dir/$1" && return
  done
  echo "$1"
}

handle() {
  case "$1" in *[!0-9]*) echo 'agent: malformed request id' >&2 && return ;; esac
  id=$1
  # Files per request: a daemon a command left running keeps its fds, and must not write into the next answer.
  in=$work/$id.in out=$work/$id.out err=$work/$id.err
  decode "$2" >"$in"
  shift 2
  n=$#
  while [ "$n" -gt 0 ]; do
    arg=$(decode "$1"; echo .)
    set -- "$@" "${arg%.}"
    shift
    n=$((n - 1))
  done
  if [ "$#" -eq 0 ]; then
    code=2
    echo 'agent: empty argv' >"$err"
    : >"$out"
  else
    program=$(resolve "$1")
    shift
    timeout -s KILL 120 "$program" "$@" <"$in" >"$out" 2>"$err"
    code=$?
  fi
  printf 'R %s %s x%s x%s\n' "$id" "$code" "$(base64 -w 0 "$out")" "$(base64 -w 0 "$err")"
  rm -f "$in" "$out" "$err"
}

echo 'csgw-agent ready'
while read -r line; do
  case "$line" in
    *[!0-9\ a-zA-Z+/=]*) echo 'agent: malformed request ignored' >&2 ;;
    [0-9]*' x'*) handle $line ;;
    *) echo 'agent: malformed request ignored' >&2 ;;
  esac
done
