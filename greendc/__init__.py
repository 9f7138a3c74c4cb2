"""greendc: plan deferrable AI training and cooling for cheaper, cleaner data-centre power."""

__version__ = "0.1.0"
