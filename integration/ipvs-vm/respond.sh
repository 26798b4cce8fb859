#!/bin/sh
# A target's TCP responder (run by `nc -ll -e`): names the target, then echoes each line with the name
# until the client closes, so a long connection shows which target holds it.
echo "$1"
while read -r line; do echo "$1 $line"; done
