"""`<task>.dropout_study` in params.yaml as a typed object (the study itself: dropout_study.py)."""
from __future__ import annotations

from dataclasses import dataclass

from embedlab.errors import EmbedlabError


@dataclass(frozen=True)
class StudyConfig:
    """`<task>.dropout_study` in params.yaml."""
    train: dict     # changes to the task's train section shared by every run
    settings: dict  # setting name -> that run's dropouts

    def __post_init__(self):
        if not isinstance(self.train, dict):
            raise EmbedlabError(f"dropout_study.train must be a mapping of train params, got {self.train!r}")
        if not isinstance(self.settings, dict) or not self.settings:
            raise EmbedlabError("dropout_study.settings must map setting names to dropouts, "
                                "e.g. {none: {emb_dropout: 0.0}, lesson: {emb_dropout: 0.05}}")
