"""Settings of the text analysis, read from the environment (prefix ``CXM_TEXT_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["TextSettings"]


class TextSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CXM_TEXT_", extra="ignore")

    user_dictionary: Path | None = Field(
        default=None,
        description="The company's words for segmentation (product and brand names): one "
        "per line, optionally followed by a frequency and a part-of-speech tag (jieba format).",
    )
    stop_words: Path | None = Field(
        default=None, description="Extra stop words, one per line, added to the shipped lists."
    )
    codebook: Path | None = Field(
        default=None, description="The theme codebook (YAML); the shipped one by default."
    )
    lexicon: Path | None = Field(
        default=None,
        description="The fault and emotion lexicon (YAML); the shipped one by default.",
    )
    cache_dir: Path = Field(
        default=Path.home() / ".cache" / "cxm",
        description="Where jieba keeps its prefix-dictionary cache (never the shared /tmp).",
    )
