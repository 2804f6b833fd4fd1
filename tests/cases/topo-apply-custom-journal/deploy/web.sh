#!/bin/sh
echo web; cat state/rollout.log | tail -n +2 | cut -d" " -f2-
