#!/bin/sh
# One long connection to $1:$2: sends "first", waits until the file $3 exists, sends "second", and stays until the
# answer to it is in $4 (the target's replies, one per line).
{
  echo first
  while [ ! -e "$3" ]; do sleep 0.1; done
  echo second
  while ! grep -q second "$4"; do sleep 0.1; done
} | nc "$1" "$2" >"$4"
