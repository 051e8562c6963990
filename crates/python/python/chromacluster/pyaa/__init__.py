"""pyAudioAnalysis 0.3.14's feature API, computed by chromacluster: ``audioBasicIO``,
``ShortTermFeatures``, ``MidTermFeatures``. Same names, arguments, shapes, dtypes and feature
names; values equal within 1e-6 of each column's scale. Port a script by changing

    from pyAudioAnalysis import audioBasicIO, ShortTermFeatures, MidTermFeatures

to

    from chromacluster.pyaa import audioBasicIO, ShortTermFeatures, MidTermFeatures
"""

from . import MidTermFeatures, ShortTermFeatures, audioBasicIO

__all__ = ["MidTermFeatures", "ShortTermFeatures", "audioBasicIO"]
