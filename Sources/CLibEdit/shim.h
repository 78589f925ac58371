// System libedit (Debian: libedit-dev): line editing, history and completion for the interactive shell.
#include <stdio.h>
#include <histedit.h>
#include <editline/readline.h>
