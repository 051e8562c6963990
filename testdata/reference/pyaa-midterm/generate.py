"""Regenerates the golden mid-term data in this folder with pyAudioAnalysis 0.3.14 itself.

    pip install pyAudioAnalysis==0.3.14 numpy scipy matplotlib
    python testdata/reference/pyaa-midterm/generate.py

Only lossless WAV files of testdata/corpus are used (pyAudioAnalysis reads them with
scipy.io.wavfile, unmodified). NumPy 2 removed `numpy.Inf` and `numpy.NaN`, which
`pyAudioAnalysis.utilities.peakdet` (called by `beat_extraction`) still uses; they are restored
as aliases of `numpy.inf` / `numpy.nan` before the call (same values, nothing else changed).
"""

import csv
import os
import sys

import numpy

# peakdet (beat_extraction) uses the NumPy 1 aliases removed in NumPy 2.
numpy.Inf = numpy.inf
numpy.NaN = numpy.nan

from pyAudioAnalysis import MidTermFeatures, audioBasicIO  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.normpath(os.path.join(HERE, "..", "..", "corpus"))

# (name, mid window s, mid step s, short window s, short step s)
CONFIGS = [
    ("m1.0_s0.5_w0.050_h0.025", 1.0, 0.5, 0.050, 0.025),
    ("m0.5_s0.2_w0.040_h0.015", 0.5, 0.2, 0.040, 0.015),
]
FILES = [
    "real/doremi.wav",
    "formats/wav_pcm_s16le_44100_2ch.wav",
    "formats/wav_pcm_s16le_8000_1ch.wav",
    "notes/violin/69_A4.wav",
    "real/beat/small.wav",
]
FOLDERS = ["notes/piano", "keys/piano", "real/3_class/music"]


def write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow([v if isinstance(v, str) else repr(float(v)) for v in row])


def main():
    index = []
    for name, mw, ms, sw, ss in CONFIGS:
        for rel in FILES:
            fs, x = audioBasicIO.read_audio_file(os.path.join(CORPUS, rel))
            x = audioBasicIO.stereo_to_mono(x)
            args = (round(mw * fs), round(ms * fs), round(sw * fs), round(ss * fs))
            mid, short, names = MidTermFeatures.mid_feature_extraction(x, fs, *args)
            bpm, ratio = MidTermFeatures.beat_extraction(short, ss)
            out = "mid_%s__%s.csv" % (name, rel.replace("/", "__"))
            write(os.path.join(HERE, out), names, mid.T)
            index.append(["mid_feature_extraction", rel, name, fs, *args, mid.shape[1], repr(float(bpm)),
                          repr(float(ratio)), out])
        for rel in FOLDERS:
            feats, files, names = MidTermFeatures.directory_feature_extraction(
                os.path.join(CORPUS, rel), mw, ms, sw, ss, compute_beat=True)
            out = "dir_%s__%s.csv" % (name, rel.replace("/", "__"))
            rows = [[os.path.relpath(p, CORPUS)] + list(r) for p, r in zip(files, numpy.atleast_2d(feats))]
            assert len(files) == len(rows)
            write(os.path.join(HERE, out), ["file"] + names, rows)
            index.append(["directory_feature_extraction", rel, name, "", mw, ms, sw, ss, len(rows), "", "", out])
    write(os.path.join(HERE, "INDEX.csv"),
          ["function", "input", "config", "fs", "mid_window", "mid_step", "short_window", "short_step",
           "rows", "bpm", "ratio", "output"], index)
    print("pyAudioAnalysis", "0.3.14", "numpy", numpy.__version__, "python", sys.version.split()[0])


if __name__ == "__main__":
    main()
