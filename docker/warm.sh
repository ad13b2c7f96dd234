#!/bin/sh
# Starts a box's command once at image build time and stops it as soon as it logs PATTERN, so that tsx
# has transpiled every module it loads into its cache (/tmp/tsx-0) inside the image: a container then
# starts in ~0.3 s instead of spending a second compiling TypeScript. Best effort: never fails a build.
# usage: warm.sh PATTERN TIMEOUT_S -- command args...
pattern="$1"; limit="$2"; shift 3
out=/tmp/streamchaos-warm.log
"$@" >"$out" 2>&1 &
pid=$!
i=0
while [ "$i" -lt $((limit * 10)) ]; do
  if grep -qiE "$pattern" "$out"; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 0.1
  i=$((i + 1))
done
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if grep -qiE "$pattern" "$out"; then echo "warm: ready after $((i / 10)).$((i % 10)) s"; else echo "warm: no match for /$pattern/ (cache may be partial): $(tail -n 3 "$out" | tr "\n" " ")"; fi
rm -f "$out"
exit 0
