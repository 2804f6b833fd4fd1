#!/bin/sh
echo "switching to its $1 configuration (wave $SNIPEPROOF_WAVE, $SNIPEPROOF_ACTION)"
