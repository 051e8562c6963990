"""The peer pipelines of `cargo xtask bench-e2e`, each a whole process as a notebook user runs
it (interpreter start-up and imports included, as chromacluster's start-up is included):

    e2e_peers.py features SONG.wav OUT.csv        pyAudioAnalysis 0.3.14 short-term features
    e2e_peers.py cluster TABLE.csv K OUT.csv      pandas read_csv + scikit-learn KMeans (n_init 1)
    e2e_peers.py chroma_stft LIST.txt WORKERS OUT.csv
                                                  librosa load + chroma_stft (n_fft = 0.05 s),
                                                  mean per file, on joblib workers
    e2e_peers.py chroma_cqt SONG OUT.csv          librosa load + chroma_cqt, mean per file

Each writes its result to OUT.csv, as the chromacluster command it is compared with does.
"""
import sys


def features(song, out):
    import numpy as np
    from pyAudioAnalysis import ShortTermFeatures, audioBasicIO

    fs, x = audioBasicIO.read_audio_file(song)
    x = audioBasicIO.stereo_to_mono(x)
    f, names = ShortTermFeatures.feature_extraction(x, fs, int(0.050 * fs), int(0.025 * fs))
    np.savetxt(out, f.T, delimiter=",", header=",".join(names), comments="")


def cluster(table, k, out):
    import pandas as pd
    from sklearn.cluster import KMeans

    df = pd.read_csv(table)
    x = df.select_dtypes("number").to_numpy()
    labels = KMeans(n_clusters=int(k), n_init=1, random_state=0).fit_predict(x)
    pd.DataFrame({"file": df["file"], "cluster": labels}).to_csv(out, index=False)


def _stft_one(path):
    import librosa

    y, sr = librosa.load(path, sr=22050)
    n_fft = int(0.05 * sr)
    return librosa.feature.chroma_stft(y=y, sr=sr, n_fft=n_fft, hop_length=n_fft // 2).mean(axis=1)


def chroma_stft(listing, workers, out):
    import pandas as pd
    from joblib import Parallel, delayed

    with open(listing, encoding="utf-8") as f:
        paths = [line.rstrip("\n") for line in f if line.strip()]
    rows = Parallel(n_jobs=int(workers))(delayed(_stft_one)(p) for p in paths)
    pd.DataFrame(rows, index=paths).to_csv(out)


def chroma_cqt(song, out):
    import librosa
    import pandas as pd

    y, sr = librosa.load(song, sr=22050)
    c = librosa.feature.chroma_cqt(y=y, sr=sr).mean(axis=1)
    pd.DataFrame([c], index=[song]).to_csv(out)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"features": features, "cluster": cluster, "chroma_stft": chroma_stft, "chroma_cqt": chroma_cqt}[
        cmd
    ](*args)
