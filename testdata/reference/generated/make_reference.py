"""pyAudioAnalysis 0.3.14 reference for a generated file, computed as ../README.md describes for
the corpus: decoded as pydub.AudioSegment.from_file does (ffmpeg to a WAV of `pcm_s{bits}le`,
bits = the source's bits per sample: 32 for float AIFF-C), channels averaged in float64,
feature_extraction with 50 ms / 25 ms, deltas off, every value as Python's repr.

Usage: python make_reference.py AUDIO BITS OUT.csv
(The audio comes from `cargo run -p chromacluster-audio-io --example write_aifc -- AUDIO`. ffmpeg is called
directly because pydub also needs ffprobe, which imageio-ffmpeg's binary does not include.)
"""

import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy.io import wavfile

try:
    import imageio_ffmpeg

    FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
except ImportError:
    FFMPEG = "ffmpeg"

from pyAudioAnalysis import ShortTermFeatures

NAMES = (
    ["zcr", "energy", "energy_entropy", "spectral_centroid", "spectral_spread",
     "spectral_entropy", "spectral_flux", "spectral_rolloff"]
    + [f"mfcc_{i}" for i in range(1, 14)]
    + [f"chroma_{i}" for i in range(1, 13)]
    + ["chroma_std"]
)


def main(audio, bits, out):
    with tempfile.TemporaryDirectory() as tmp:
        wav = os.path.join(tmp, "decoded.wav")
        # pydub's conversion: ffmpeg -i AUDIO -vn -f wav -acodec pcm_s{bits}le
        subprocess.run([FFMPEG, "-loglevel", "error", "-y", "-i", audio, "-vn", "-f", "wav",
                        "-acodec", f"pcm_s{bits}le", wav], check=True)
        fs, data = wavfile.read(wav)
    assert data.dtype == {16: np.int16, 32: np.int32}[int(bits)], data.dtype
    x = data.astype(np.float64).mean(axis=1) if data.ndim == 2 else data.astype(np.float64)
    f, names = ShortTermFeatures.feature_extraction(x, fs, 0.050 * fs, 0.025 * fs, deltas=False)
    assert list(names) == NAMES, names
    with open(out, "w") as o:
        o.write(",".join(NAMES) + "\n")
        for row in f.T:
            o.write(",".join(repr(float(v)) for v in row) + "\n")
    print(f"{os.path.basename(audio)}: {data.dtype} raw, fs {fs}, {data.shape}, "
          f"{f.shape[1]} frames -> {out}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
