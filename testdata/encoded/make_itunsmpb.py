"""Makes aac_lc_128k_44100_2ch_itunsmpb.m4a from aac_lc_128k_44100_2ch.m4a, as iTunes writes
its gapless AAC: no edit list (the `edts` box renamed `free`, same size) and the encoder delay,
padding and playable length in an `iTunSMPB` tag (a `----` box in `moov/udta/meta/ilst`,
mean `com.apple.iTunes`). The sample boxes are unchanged and `moov` follows `mdat`, so no
offset moves. Delay 1024 (0x400), playable 66150 (0x10266), padding 67584 - 1024 - 66150 = 410
(0x19A): the same trim the edit list gave.

    python3 make_itunsmpb.py
"""
import struct

SRC = "aac_lc_128k_44100_2ch.m4a"
OUT = "aac_lc_128k_44100_2ch_itunsmpb.m4a"
SMPB = " 00000000 00000400 0000019A 0000000000010266" + " 00000000" * 8


def box(kind, payload):
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def main():
    data = bytearray(open(SRC, "rb").read())

    def find(off, end, kind):
        while off < end:
            size, typ = struct.unpack(">I4s", data[off : off + 8])
            if typ == kind:
                return off, size
            off += size
        raise SystemExit(f"no {kind} box")

    moov, moov_size = find(0, len(data), b"moov")
    trak, trak_size = find(moov + 8, moov + moov_size, b"trak")
    edts, _ = find(trak + 8, trak + trak_size, b"edts")
    data[edts + 4 : edts + 8] = b"free"
    udta, udta_size = find(moov + 8, moov + moov_size, b"udta")
    meta, meta_size = find(udta + 8, udta + udta_size, b"meta")
    ilst, ilst_size = find(meta + 12, meta + meta_size, b"ilst")
    tag = box(
        b"----",
        box(b"mean", b"\0\0\0\0com.apple.iTunes")
        + box(b"name", b"\0\0\0\0iTunSMPB")
        + box(b"data", struct.pack(">II", 1, 0) + SMPB.encode()),
    )
    end = ilst + ilst_size
    data[end:end] = tag
    for off in (ilst, meta, udta, moov):
        size = struct.unpack(">I", data[off : off + 4])[0]
        data[off : off + 4] = struct.pack(">I", size + len(tag))
    open(OUT, "wb").write(data)


if __name__ == "__main__":
    main()
