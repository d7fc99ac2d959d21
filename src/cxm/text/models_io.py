"""Trained models on disk: a skops file (no pickle) and a JSON model card beside it.

The card records what the model was trained on, when, how well it did, and the versions of
the libraries that built it. :func:`load_model` refuses a model whose card does not match:
another file format, another scikit-learn major.minor, a file whose checksum differs from
the card's, or a file holding types outside :data:`TRUSTED_TYPES` — a firm loads models it
did not build, and a skops file cannot run code unless a type is trusted.
"""

from __future__ import annotations

import hashlib
import json
import platform
import zipfile
from datetime import UTC, datetime
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "FORMAT",
    "TRUSTED_TYPES",
    "ModelCard",
    "library_versions",
    "load_model",
    "save_model",
    "shipped_model_path",
]

#: Version of the model file layout (skops file + card); bumped when it changes.
FORMAT = 1

#: The only types a model file may hold beyond skops' defaults (numpy, scipy, sklearn core).
TRUSTED_TYPES: tuple[str, ...] = (
    "builtins.dict",
    "builtins.float",
    "builtins.int",
    "builtins.list",
    "builtins.str",
    "builtins.tuple",
    "numpy.dtype",
    "numpy.float64",
    "numpy.int64",
    "numpy.ndarray",
    "numpy.uint8",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.feature_extraction.text.HashingVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.multiclass.OneVsRestClassifier",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._label.LabelBinarizer",
)

ModelCard = dict[str, Any]


def library_versions() -> dict[str, str]:
    import numpy
    import scipy
    import sklearn
    import skops

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "skops": skops.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
    }


def _card_path(path: Path | Traversable) -> Any:
    return path.parent.joinpath(path.name.removesuffix(".skops") + ".card.json")  # type: ignore[union-attr]


def shipped_model_path(name: str) -> Traversable:
    """The model file ``name`` shipped inside the package (``cxm/text/models/``)."""
    return resources.files("cxm.text").joinpath("models", f"{name}.skops")


def save_model(model: Any, path: Path, *, card: ModelCard) -> ModelCard:
    """Write ``model`` with skops to ``path`` and its card beside it; returns the card."""
    import skops.io as sio

    path.parent.mkdir(parents=True, exist_ok=True)
    data = sio.dumps(model, compression=zipfile.ZIP_DEFLATED)
    untrusted = set(sio.get_untrusted_types(data=data)) - set(TRUSTED_TYPES)
    if untrusted:
        raise InputError(
            _(
                "The model holds types CXM does not trust: {types}",
                types=", ".join(sorted(untrusted)),
            )
        )
    path.write_bytes(data)
    full: ModelCard = {
        "format": FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **card,
        "versions": library_versions(),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    _card_path(path).write_text(
        json.dumps(full, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return full


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def load_model(path: Path | Traversable) -> tuple[Any, ModelCard]:
    """The model at ``path`` and its card, after checking them (see the module docstring).

    Raises
    ------
    InputError
        Missing file or card, another format or scikit-learn version, a changed file, or an
        untrusted type inside.
    """
    import skops.io as sio

    name = str(path)
    try:
        data = path.read_bytes()
        card: ModelCard = json.loads(_card_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(
            _("Cannot read the model {name} or its card: {reason}", name=name, reason=str(exc))
        ) from None
    installed = library_versions()["scikit-learn"]
    built = str(card.get("versions", {}).get("scikit-learn", "?"))
    if card.get("format") != FORMAT:
        raise InputError(
            _(
                "The model {name} has file format {found}; this CXM reads format {expected}. "
                "Retrain it with “cxm text train”.",
                name=name,
                found=card.get("format"),
                expected=FORMAT,
            )
        )
    if _minor(built) != _minor(installed):
        raise InputError(
            _(
                "The model {name} was built with scikit-learn {built} but {installed} is "
                "installed; it is refused rather than used. Install scikit-learn {built} or "
                "retrain it with “cxm text train”.",
                name=name,
                built=built,
                installed=installed,
            )
        )
    if hashlib.sha256(data).hexdigest() != card.get("sha256"):
        raise InputError(
            _(
                "The model {name} does not match the checksum in its card; it was changed.",
                name=name,
            )
        )
    untrusted = set(sio.get_untrusted_types(data=data)) - set(TRUSTED_TYPES)
    if untrusted:
        raise InputError(
            _(
                "The model {name} holds types CXM does not trust: {types}",
                name=name,
                types=", ".join(sorted(untrusted)),
            )
        )
    return sio.loads(data, trusted=list(TRUSTED_TYPES)), card
