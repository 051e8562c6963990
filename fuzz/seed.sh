#!/bin/sh
# Fills fuzz/corpus/<target>/ with seeds made from testdata/ (not committed: fuzz/corpus is
# ignored). Run from anywhere: sh fuzz/seed.sh. Needs a chromacluster binary for the table and
# model seeds: the debug build (cargo build -p chromacluster), or the one CHROMACLUSTER_BIN names.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus="$here/corpus"
bin="${CHROMACLUSTER_BIN:-$root/target/debug/chromacluster}"
mkdir -p "$corpus/decode" "$corpus/analyse" "$corpus/table" "$corpus/model" "$corpus/opus" "$corpus/tags"

# Opus, tags and the other encodings: whole files for decode (they are small).
for f in "$root"/testdata/encoded/* "$root"/testdata/tags/*.mp3 "$root"/testdata/tags/*.m4a \
    "$root"/testdata/tags/*.flac "$root"/testdata/tags/*.ogg "$root"/testdata/tags/*.opus \
    "$root"/testdata/tags/*.wav "$root"/testdata/tags/*.mka "$root"/testdata/unsupported/*.*; do
    case "$f" in *.md) continue ;; esac
    cp "$f" "$corpus/decode/$(basename "$f")"
done
# Opus packets: the packets of the Ogg Opus fixtures, in the opus target's format (layout byte,
# pre-skip byte, then 1-byte lengths), cut at 255 bytes.
python3 - "$root/testdata/encoded" "$corpus/opus" <<'PY'
import os, sys
src, dst = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(src)):
    if not name.endswith(".opus"):
        continue
    data = open(os.path.join(src, name), "rb").read()
    packets, pos, pending = [], 0, b""
    while pos + 27 <= len(data) and data[pos:pos + 4] == b"OggS":
        nseg = data[pos + 26]
        lacing = data[pos + 27:pos + 27 + nseg]
        body = pos + 27 + nseg
        for lace in lacing:
            pending += data[body:body + lace]
            body += lace
            if lace < 255:
                packets.append(pending)
                pending = b""
        pos = body
    audio = [p for p in packets[2:] if 0 < len(p) <= 255]
    channels = 2 if "2ch" in name else 1
    out = bytes([channels - 1, 0x38]) + b"".join(bytes([len(p)]) + p for p in audio[:40])
    open(os.path.join(dst, name + ".packets"), "wb").write(out)
PY
# Tags: the ID3v2 bodies of the tagged MP3s (byte 0 = 0: an ID3v2.3 tag in front of an MP3),
# and the INFO list of the WAV (byte 0 = 1).
for f in "$root"/testdata/tags/*.mp3; do
    python3 - "$f" "$corpus/tags/$(basename "$f").id3" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
body = b""
if d[:3] == b"ID3":
    size = (d[6] << 21) | (d[7] << 14) | (d[8] << 7) | d[9]
    body = d[10:10 + size]
open(sys.argv[2], "wb").write(b"\0" + body)
PY
done
python3 - "$root/testdata/tags/tags_riff_info.wav" "$corpus/tags/info.list" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
i = d.index(b"LIST")
size = int.from_bytes(d[i + 4:i + 8], "little")
open(sys.argv[2], "wb").write(b"\x01" + d[i + 12:i + 8 + size])
PY

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
    echo "seed.sh: $bin not built (cargo build -p chromacluster, or set CHROMACLUSTER_BIN): no table or model seeds" >&2
fi
{ printf '\000'; head -c 20000 "$root/testdata/reference/seed_table.csv"; } > "$corpus/table/seed_table.csv"
ls "$corpus"/* | head -100 > /dev/null
for t in decode analyse table model; do
    echo "$t: $(ls "$corpus/$t" | wc -l) seeds"
done
