# Sourced by ./ferry and ./run-tests: finds a JDK 21 or newer and exports JAVA_HOME.
# Looks at $JAVA_HOME, the `java` on PATH, then every JDK under /usr/lib/jvm (newest first).

ferry_java_major() {
  # Prints the feature version (17, 21, 25, ...) of the java binary given, or nothing.
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

ferry_find_jdk() {
  local candidates=() seen="" c major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for c in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do candidates+=("${c%/}"); done
  for c in "${candidates[@]}"; do
    case " $seen " in *" $c "*) continue ;; esac
    seen="$seen $c"
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    major=$(ferry_java_major "$c/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      export JAVA_HOME="$c"
      return 0
    fi
  done
  {
    echo "ferry: no JDK 21 or newer found."
    echo "  looked at: \$JAVA_HOME (${JAVA_HOME:-unset}), the java on PATH, /usr/lib/jvm/*"
    echo "  install one (for example: apt-get install openjdk-21-jdk-headless) or set JAVA_HOME to it."
  } >&2
  return 1
}

ferry_require_maven() {
  if ! command -v mvn >/dev/null 2>&1; then
    echo "ferry: Maven (mvn) is needed to build Ferry and was not found on PATH (apt-get install maven)." >&2
    return 1
  fi
}
