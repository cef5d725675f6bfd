# Sourced by the project's scripts: selects a JDK >= 22 (Panama FFM is final from 22)
# and exports JAVA_HOME. Order: $JAVA_HOME if new enough, then the newest JDK under
# /usr/lib/jvm, then `java` on PATH. Stops with a clear message when none qualifies.
dpu_java_feature_version() { # prints the feature version (17, 25, ...) of $1/bin/java
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -1
}
dpu_select_jdk() {
  local candidates=() c v
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for c in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do candidates+=("${c%/}"); done
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    v=$(dpu_java_feature_version "$c")
    if [ -n "$v" ] && [ "$v" -ge 22 ]; then
      export JAVA_HOME="$c" PATH="$c/bin:$PATH"
      return 0
    fi
  done
  echo "ERROR: no JDK >= 22 found (looked at \$JAVA_HOME, /usr/lib/jvm/*, java on PATH)." >&2
  echo "       This project calls its native data path through Panama FFM, final in JDK 22." >&2
  echo "       Install a JDK 25 (e.g. Temurin) under /usr/lib/jvm or set JAVA_HOME." >&2
  return 1
}
