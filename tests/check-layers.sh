#!/bin/sh
# check-layers.sh SRCDIR: the include rules that keep the layers apart, as TAP.
#
#   core       includes only the core's own headers, and no GTK or desktop service library;
#   devserver  includes the core's and its own, nothing of the daemon or the window;
#   daemon     (src/) includes nothing of the devserver;
#   ui         includes nothing of the devserver;
#   only the application's own files and the window include stray-application.h.
set -u
src=${1:?usage: check-layers.sh SRCDIR}
n=0
failed=0

# The project's headers a file includes, one per line.
project_includes() {
  sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1"
}

# Which folder a project header lives in: core, devserver, daemon, ui, or generated.
layer_of() {
  if [ -f "$src/core/$1" ]; then echo core
  elif [ -f "$src/devserver/$1" ]; then echo devserver
  elif [ -f "$src/ui/$1" ]; then echo ui
  elif [ -f "$src/$1" ]; then echo daemon
  else echo generated  # config.h, stray-enums.h
  fi
}

check() {  # check DESCRIPTION PROBLEMS
  n=$((n + 1))
  if [ -z "$2" ]; then
    echo "ok $n - $1"
  else
    failed=1
    echo "not ok $n - $1"
    printf '%s\n' "$2" | sed '/^$/d; s/^/# /'
  fi
}

# check_layer NAME FILES ALLOWED_LAYERS
check_layer() {
  layer=$1 files=$2 allowed=$3 problems=""
  for file in $files; do
    for header in $(project_includes "$file"); do
      case " $allowed generated " in
        *" $(layer_of "$header") "*) ;;
        *) problems="$problems${file#"$src"/} includes $header ($(layer_of "$header"))
" ;;
      esac
    done
  done
  check "$layer includes only from: $allowed" "$problems"
}

core=$(ls "$src"/core/*.[ch])
devserver=$(ls "$src"/devserver/*.[ch])
daemon=$(ls "$src"/*.[ch])
ui=$(ls "$src"/ui/*.[ch])

check_layer core "$core" "core"
check_layer devserver "$devserver" "core devserver"
check_layer daemon "$daemon" "core daemon"
check_layer ui "$ui" "core daemon ui"

problems=$(grep -l -E '#[[:space:]]*include[[:space:]]*<(gtk/|gdk/|libnotify/|libsecret/|gdk-pixbuf/)' $core)
check "core uses no GTK, libnotify, libsecret or gdk-pixbuf" "$problems"

problems=""
for file in $core $devserver $daemon; do
  case "${file#"$src"/}" in
    main.c|stray-application*|stray-ui-loader.*) continue ;;
  esac
  if project_includes "$file" | grep -qx 'stray-application.h'; then
    problems="$problems${file#"$src"/}
"
  fi
done
check "below the application nothing includes stray-application.h" "$problems"

echo "1..$n"
exit $failed
