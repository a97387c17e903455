"""SceneMaker Desktop: one still image becomes a chained, assembled video."""

__version__ = "0.1.0"
