"""Pure analysis library: preference scores, agreement, correlations and benchmark subsets.

Imports only numpy, pandas, scipy and scikit-learn (never gradio, sqlite or ``annotation_app``).
"""

from analysis.errors import HumansError

__all__ = ["HumansError"]
