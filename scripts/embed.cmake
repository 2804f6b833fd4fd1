# Turns a data file into a C array so the binary carries its built-in data.
#   cmake -DSYM=name -DIN=file -DOUT=file.c -P embed.cmake
# defines `const unsigned char SYM[]` (NUL-terminated) and `const size_t SYM_len`.
if(EXISTS ${IN})
  file(READ ${IN} hex HEX)
else()
  set(hex "")
endif()
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT} "/* Generated from ${IN} by scripts/embed.cmake; do not edit. */\n#include <stddef.h>\nconst unsigned char ${SYM}[] = {${bytes}0};\nconst size_t ${SYM}_len = ${len};\n")
