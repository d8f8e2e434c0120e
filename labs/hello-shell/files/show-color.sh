#!/bin/sh
# Prints the LAB_COLOR it was given and saves it to color.txt.
# A script is a new process: it only sees variables that were exported to it.
if [ -z "${LAB_COLOR:-}" ]; then
  echo "show-color.sh: LAB_COLOR is not set in my environment." >&2
  : > color.txt
  exit 1
fi
echo "show-color.sh: LAB_COLOR is $LAB_COLOR"
echo "$LAB_COLOR" > color.txt
