"""Request bodies of the service, validated by pydantic: unknown fields are refused, every
limit is stated in the schema."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from wherefrom.config import CheckOptions

CheckKind = Literal["auto", "text", "code", "image", "music"]


class CheckOptionsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["auto", "text", "code"] = "auto"
    language: str | None = Field(None, max_length=40, description="code language, e.g. python")
    min_tokens: int | None = Field(None, ge=4, description="report copies of at least N tokens")
    min_similarity: float = Field(0.6, ge=0.0, le=1.0)
    max_sources: int = Field(10, ge=1, le=100, description="sources listed per copied passage")

    def options(self, snippet_chars: int) -> CheckOptions:
        return CheckOptions(
            kind=self.kind,
            language=self.language,
            min_tokens=self.min_tokens,
            min_similarity=self.min_similarity,
            max_sources=self.max_sources,
            snippet_chars=snippet_chars,
        )


class CheckBody(CheckOptionsBody):
    text: str = Field(..., description="the output to check")
    name: str = Field("-", max_length=200, description="name shown in the report")


class StreamBody(CheckOptionsBody):
    session: str | None = Field(None, max_length=64, description="id from the first answer; none starts one")
    append: str = Field("", description="text generated since the last call")
    block_on: Literal["attribution-required", "restricted", "never"] = Field(
        "restricted", description="verdict of the recent text that answers 'block'"
    )
    close: bool = Field(False, description="forget the session after this answer")
