#!/bin/bash -eu
# OSS-Fuzz build script for fealloc. The build itself lives in the project, in
# .clusterfuzzlite/build.sh, so that OSS-Fuzz and ClusterFuzzLite build the same way and this file
# never has to change when the project does.
exec bash "$SRC/fealloc/.clusterfuzzlite/build.sh"
