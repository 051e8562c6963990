"""Writes the hostile-tag fixtures of testdata/tags from plain.mp3 (0.25 s of the corpus excerpt,
LAME 64 kb/s, no tags): python3 make_hostile.py PLAIN.mp3 OUTDIR"""
import struct, sys, os

def synchsafe(n):
    return bytes([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f])

def frame23(fid, data):
    return fid + struct.pack('>I', len(data)) + b'\0\0' + data

def id3v23(body, size=None):
    return b'ID3\x03\x00\x00' + synchsafe(len(body) if size is None else size) + body

audio = open(sys.argv[1], 'rb').read()
out = sys.argv[2]
# A UTF-8 text frame (encoding 3) holding bytes that are not UTF-8, then a good frame.
body = frame23(b'TIT2', b'\x03Caf\xc3 \xff\xfe') + frame23(b'TPE1', b'\x03Tux')
open(os.path.join(out, 'hostile_bad_utf8.mp3'), 'wb').write(id3v23(body) + audio)
# A frame whose size (180 MB) is larger than its tag and the file; the title before it is read.
body = frame23(b'TIT2', b'\x03Liar') + b'APIC' + struct.pack('>I', 180 << 20) + b'\0\0' + b'x' * 64
open(os.path.join(out, 'hostile_frame_past_end.mp3'), 'wb').write(id3v23(body) + audio)
# A tag whose size (200 MB) is larger than the file: the audio is inside "the tag".
body = frame23(b'TIT2', b'\x03Liar')
open(os.path.join(out, 'hostile_tag_past_end.mp3'), 'wb').write(id3v23(body, 200 << 20) + audio)
# A tag with an undefined major version (9) symphonia refuses: the audio after it counts.
body = frame23(b'TIT2', b'\x03Nine')
open(os.path.join(out, 'hostile_bad_version.mp3'), 'wb').write(b'ID3\x09\x00\x00' + synchsafe(len(body)) + body + audio)
