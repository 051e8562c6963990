"""Type stubs of the compiled module (conversion layer; use the package's public API)."""

from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt
import polars

class ChromaclusterError(Exception):
    path: Optional[str]

class AudioError(ChromaclusterError): ...
class FeatureError(ChromaclusterError): ...
class KMeansError(ChromaclusterError): ...

def read_mono(path: str) -> Tuple[npt.NDArray[np.float64], int, float, float, str, int]: ...
def feature_extraction(
    signal: npt.NDArray[np.float64], sampling_rate: int, window: int, step: int, deltas: bool = True
) -> Tuple[npt.NDArray[np.float64], List[str]]: ...
def mid_feature_extraction(
    signal: npt.NDArray[np.float64],
    sampling_rate: int,
    mid_window: float,
    mid_step: float,
    short_window: float,
    short_step: float,
) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], List[str]]: ...
def beat_extraction(short_features: npt.NDArray[np.float64], window_size: float) -> Tuple[float, float]: ...
def directory_feature_extraction(
    folder_path: str,
    mid_window: float,
    mid_step: float,
    short_window: float,
    short_step: float,
    compute_beat: bool = True,
) -> Tuple[npt.NDArray[np.float64], List[str], List[str], List[Tuple[str, str]]]: ...
def mid_term_table(
    signal: npt.NDArray[np.float64], sampling_rate: int, mid_window: float, mid_step: float
) -> "polars.DataFrame": ...
def audio_files(paths: Sequence[str]) -> Tuple[List[str], List[str], List[Tuple[str, str]]]: ...
def file_labels(paths: Sequence[str]) -> List[str]: ...
def notes_table(
    files: Sequence[str],
    chroma_mode: str = "accurate",
    profile: str = "dominant",
    summary: bool = False,
    jobs: Optional[int] = None,
    strict: bool = False,
    tuning: Union[str, float, None] = None,
    a4: Optional[float] = None,
    key_profile: str = "temperley2005",
    relative: bool = False,
    sound: bool = False,
) -> Tuple["polars.DataFrame", List[Tuple[str, str, str]]]: ...
def similar_table(
    table: "polars.DataFrame",
    by: str = "sound",
    n: int = 10,
    seed_rows: Optional[List[int]] = None,
    outside: Optional["polars.DataFrame"] = None,
    query: Optional[str] = None,
) -> "polars.DataFrame": ...
def chromagram(path: str, chroma_mode: str = "accurate") -> Tuple[npt.NDArray[np.float64], float]: ...
def kmeans_fit(
    x: npt.NDArray[np.float64],
    columns: List[str],
    n_clusters: int,
    init: str,
    init_centroids: Optional[npt.NDArray[np.float64]],
    n_init: int,
    max_iter: int,
    tol: float,
    seed: Optional[int],
    sample_weight: Optional[npt.NDArray[np.float64]] = None,
) -> Tuple[KMeansModel, npt.NDArray[np.int64], int]: ...
class KMeansModel:
    """A fitted k-means model held in Rust (the CLI's JSON model format both ways)."""

    @staticmethod
    def from_json(text: str) -> KMeansModel: ...
    def to_json(self) -> str: ...
    @staticmethod
    def load(path: str) -> KMeansModel: ...
    def save(self, path: str) -> None: ...
    def predict(
        self, x: npt.NDArray[np.float64]
    ) -> Tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
    def transform(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...
    @property
    def centroids(self) -> npt.NDArray[np.float64]: ...
    @property
    def k(self) -> int: ...
    @property
    def inertia(self) -> float: ...
    @property
    def columns(self) -> List[str]: ...
    @property
    def seed(self) -> int: ...
    @property
    def transforms_input(self) -> bool: ...
    def params(
        self,
    ) -> Tuple[str, Optional[List[List[float]]], int, int, float]: ...
