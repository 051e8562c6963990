#!/bin/sh
# Fills fuzz/corpus/<target>/ with seeds made from testdata/ (not committed: fuzz/corpus is
# ignored). Run from anywhere: sh fuzz/seed.sh. Needs the debug binary (cargo build -p cli) for
# the table and model seeds.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus="$here/corpus"
bin="$root/target/debug/chromacluster"
mkdir -p "$corpus/decode" "$corpus/analyse" "$corpus/table" "$corpus/model"

# Audio: the head of every format file and of every broken file (32 KB keeps the fuzzer fast
# and is long enough for a 50 ms analysis window at every corpus rate).
for f in "$root"/testdata/corpus/formats/* "$root"/testdata/corpus/bad/* "$root"/testdata/corpus/real/doremi.wav; do
    name=$(basename "$f")
    head -c 32768 "$f" > "$corpus/decode/$name"
    cp "$corpus/decode/$name" "$corpus/analyse/$name"
done

# Tables (first byte selects the format: 0 CSV, 1 Parquet, 2 JSON) and models.
if [ -x "$bin" ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    files="$root/testdata/corpus/formats/wav_pcm_s16le_8000_1ch.wav $root/testdata/corpus/formats/wav_pcm_s16le_16000_1ch.wav $root/testdata/corpus/real/doremi.wav"
    i=0
    for ext in csv parquet json; do
        # shellcheck disable=SC2086
        "$bin" -q notes $files -o "$tmp/t.$ext"
        "$bin" -q notes --summary $files -o "$tmp/s.$ext"
        for t in t s; do
            { printf "\\$(printf '%03o' "$i")"; cat "$tmp/$t.$ext"; } > "$corpus/table/$t.$ext"
        done
        i=$((i + 1))
    done
    # shellcheck disable=SC2086
    "$bin" -q cluster $files -k 2 --save-model "$corpus/model/plain.json" > /dev/null
    # shellcheck disable=SC2086
    "$bin" -q cluster $files -k 3 --standardize --save-model "$corpus/model/scaled.json" > /dev/null 2>&1 || true
else
    echo "seed.sh: $bin not built (cargo build -p cli): no table or model seeds" >&2
fi
{ printf '\000'; head -c 20000 "$root/testdata/reference/seed_table.csv"; } > "$corpus/table/seed_table.csv"
ls "$corpus"/* | head -100 > /dev/null
for t in decode analyse table model; do
    echo "$t: $(ls "$corpus/$t" | wc -l) seeds"
done
