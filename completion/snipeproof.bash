# bash completion for snipeproof(1).
#
# Commands, options and formats are read from the program's own --help
# (one table in the program drives its parser and its help), so this file
# never falls behind it.  Operands complete to templates and topology files
# (.yaml, .yml, .json, .template) and folders; --base to git revisions.
#
# Installed by `make install` as share/bash-completion/completions/snipeproof;
# to try it in place: source completion/snipeproof.bash

_snipeproof_commands()
{
    "$1" --help 2>/dev/null | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'
}

# Long and short options of a command.
_snipeproof_options()
{
    "$1" "$2" --help 2>/dev/null |
        sed -n 's/^ *\(-[A-Za-z0-9]\), \(--[a-z][a-z-]*\).*/\1 \2/p; s/^ *\(--[a-z][a-z-]*\).*/\1/p'
}

# The formats a command writes ("--format FORMAT  output format: text (default), json").
_snipeproof_formats()
{
    "$1" "$2" --help 2>/dev/null |
        sed -n 's/^ *--format FORMAT *output format: //p' | sed 's/ (default)//; s/,/ /g'
}

# Options that take a value, with the value's name, one per line:
# "--types FILE", "-o OUT" (from the program's --help, read once per shell).
_snipeproof_valued=""
_snipeproof_valued_options()
{
    [[ -n $_snipeproof_valued ]] ||
        _snipeproof_valued=$("$1" --help 2>/dev/null |
            sed -n 's/^ *-\([A-Za-z0-9]\), \(--[a-z][a-z-]*\) \([A-Z][A-Z=_]*\).*/-\1 \3\
\2 \3/p; s/^ *\(--[a-z][a-z-]*\) \([A-Z][A-Z=_]*\).*/\1 \2/p')
    printf '%s\n' "$_snipeproof_valued"
}

# The name of the value option $2 takes (FILE, FORMAT, REV, ...), or nothing.
_snipeproof_value_of()
{
    _snipeproof_valued_options "$1" | sed -n "s/^$2 //p" | head -n 1
}

_snipeproof()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local prog=${COMP_WORDS[0]} cmd="" i w
    COMPREPLY=()
    # The command: the first word that is neither an option nor an option's value.
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [[ $w == -- ]]; then
            break
        elif [[ $w == -* ]]; then
            if [[ $w != *=* && -n $(_snipeproof_value_of "$prog" "$w") ]]; then
                # its value: the next word, or "=" and the one after it
                [[ ${COMP_WORDS[i + 1]} == = ]] && ((i += 1))
                ((i += 1))
            fi
        else
            cmd=$w
            break
        fi
    done

    # The value of an option: --format json, or --format=json (which bash
    # splits at the '=' unless COMP_WORDBREAKS has none).
    local opt=$prev value=$cur
    if [[ $cur == --*=* ]]; then
        opt=${cur%%=*}
        value=${cur#*=}
    elif [[ $cur == = ]]; then
        value=""
    elif [[ $prev == = ]] && ((COMP_CWORD >= 2)); then
        opt=${COMP_WORDS[COMP_CWORD - 2]}
    fi
    local kind=""
    [[ $opt == -* ]] && kind=$(_snipeproof_value_of "$prog" "$opt")
    case $kind in
        "") ;;
        FORMAT)
            COMPREPLY=($(compgen -W "$(_snipeproof_formats "$prog" "${cmd:-check}")" -- "$value"))
            return ;;
        FILE | OUT)
            local hidden='.*'
            [[ $value == .* || $value == */.* ]] && hidden=''
            COMPREPLY=($(compgen -f -X "$hidden" -- "$value"))
            compopt -o filenames 2>/dev/null
            return ;;
        REV)
            COMPREPLY=($(compgen -W "HEAD $(git for-each-ref --format='%(refname:short)' \
                refs/heads refs/remotes refs/tags 2>/dev/null)" -- "$value"))
            return ;;
        *)  # a number, NAME=VALUE: nothing to offer
            return ;;
    esac

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$(_snipeproof_commands "$prog")" -- "$cur"))
        fi
        return
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_snipeproof_options "$prog" "$cmd")" -- "$cur"))
        return
    fi
    case $cmd in
        help)
            COMPREPLY=($(compgen -W "$(_snipeproof_commands "$prog")" -- "$cur")) ;;
        types)
            ;;
        *)
            # Templates and topology files, and folders to walk into.
            local IFS=$'\n' ext
            local hidden='.*'
            [[ $cur == .* || $cur == */.* ]] && hidden='' # asked for
            COMPREPLY=($(compgen -d -X "$hidden" -- "$cur"))
            for ext in yaml yml json template YAML YML JSON; do
                COMPREPLY+=($(compgen -f -X "!*.$ext" -- "$cur"))
            done
            compopt -o filenames 2>/dev/null ;;
    esac
}
complete -F _snipeproof snipeproof
