"""The service's routes: check an output (text, code, or an uploaded image, score or MIDI
file), look up a source, watch a generation as it streams, index statistics. Each reads the
ServiceState of its app."""

from __future__ import annotations

import json
import time
from functools import partial
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wherefrom.check import check_bytes, check_text
from wherefrom.config import CheckOptions
from wherefrom.records import verdict_rank
from wherefrom.serve.models import CheckBody, CheckKind, StreamBody
from wherefrom.serve.sessions import STREAM_WINDOW_CHARS
from wherefrom.serve.state import ServiceState, error, validation_error

router = APIRouter()

_UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": CheckBody.model_json_schema()},
            "text/plain": {"schema": {"type": "string"}, "description": "the output itself; options as query parameters"},
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}},
                           "required": ["file"]},
                "description": "a file to check (an image, a score, a MIDI or audio file, or text); options as query parameters",
            },
        },
    }
}


def _state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


Body = TypeVar("Body", bound=BaseModel)


async def _read_json(request: Request, model: type[Body]) -> Body | JSONResponse:
    raw = await request.body()
    try:
        data = json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        return error(422, f"body: not valid JSON ({e})", fields=["body"])
    if not isinstance(data, dict):
        return error(422, "body: expected a JSON object", fields=["body"])
    try:
        return model.model_validate(data)
    except ValidationError as e:
        return validation_error(e.errors())


def _clamp_snippets(report: dict[str, Any], limit: int) -> dict[str, Any]:
    for match in report.get("matches", []):
        snippet = match.get("snippet")
        if snippet and len(snippet) > limit:
            match["snippet"] = snippet[: max(0, limit - 1)] + "…"
    return report


@router.post("/v1/check", openapi_extra=_UPLOAD_DOC, summary="Check one output")
async def check(
    request: Request,
    kind: Annotated[CheckKind, Query()] = "auto",
    language: Annotated[str | None, Query(max_length=40)] = None,
    min_tokens: Annotated[int | None, Query(ge=4)] = None,
    min_similarity: Annotated[float, Query(ge=0.0, le=1.0)] = 0.6,
    max_sources: Annotated[int, Query(ge=1, le=100)] = 10,
    name: Annotated[str, Query(max_length=200)] = "-",
) -> Any:
    """Copied spans, their sources, licenses and verdict: the JSON report contract. Send a
    JSON object `{"text": ..., options}`, the text itself as text/plain, or a file (an image,
    a score, MIDI, audio or text) as multipart/form-data field `file`."""
    state = _state(request)
    content_type = request.headers.get("content-type", "")
    query_options = CheckOptions(
        kind=kind, language=language, min_tokens=min_tokens, min_similarity=min_similarity,
        max_sources=max_sources, snippet_chars=state.snippet_chars,
    )
    if content_type.startswith("application/json"):
        body = await _read_json(request, CheckBody)
        if isinstance(body, JSONResponse):
            return body
        report = await state.run(check_text, state.index, body.text, body.name, body.options(state.snippet_chars))
    elif content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            return error(422, "field 'file': a multipart upload needs a file field named 'file'", fields=["file"])
        data = await upload.read()
        report = await state.run(check_bytes, state.index, data, upload.filename or name, query_options)
    else:
        raw = await request.body()
        if kind in ("image", "music") or content_type.startswith("application/octet-stream"):
            report = await state.run(check_bytes, state.index, raw, name, query_options)
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                return error(422, "body: text/plain input must be UTF-8", fields=["body"])
            report = await state.run(check_text, state.index, text, name, query_options)
    return _clamp_snippets(report.to_dict(), state.snippet_chars)


def _source_snippet(text: str, start: int | None, end: int | None, limit: int) -> tuple[str, list[int]]:
    """At most `limit` characters of `text` around [start, end) (the start when no span is
    given), and the [start, end) of the returned window in the source."""
    start = 0 if start is None else max(0, min(start, len(text)))
    end = start if end is None else max(start, min(end, len(text)))
    # A span longer than the limit shows its beginning; a shorter one is centred.
    begin = start if end - start >= limit else max(0, start - (limit - (end - start)) // 2)
    stop = min(len(text), begin + limit)
    begin = max(0, min(begin, stop - limit))
    return text[begin:stop], [begin, stop]


def _restrictiveness(license_expression: str) -> Literal["none", "attribution", "restricted"]:
    from wherefrom.licenses import DEFAULT_POLICY, terms_of

    requires = set(terms_of(license_expression).requires)
    if requires & DEFAULT_POLICY.restrictive:
        return "restricted"
    return "attribution" if requires else "none"


@router.get("/v1/sources/{uid}", summary="One source: provenance, license and a snippet")
async def source(
    request: Request,
    uid: str,
    start: Annotated[int | None, Query(ge=0, description="source character offset of the span")] = None,
    end: Annotated[int | None, Query(ge=0, description="end of the span (exclusive)")] = None,
    chars: Annotated[int | None, Query(ge=1, description="snippet length, at most the service's snippet limit")] = None,
) -> Any:
    """Provenance and license of one indexed source, with at most the configured number of
    characters of its text around [start, end)."""
    from wherefrom.licenses import attribution_line, requirements

    state = _state(request)
    try:
        row = state.index.document_by_uid(uid)
    except KeyError:
        return error(404, f"source {uid!r}: no such uid in this index")
    ref = row.source_ref()
    limit = min(chars or state.snippet_chars, state.snippet_chars)
    text = state.index.text(row.doc_id)
    snippet, window = (None, None) if text is None else _source_snippet(text, start, end, limit)
    provenance = row.provenance
    return {
        "uid": ref.uid,
        "kind": row.kind,
        "language": row.language,
        "uri": provenance.uri,
        "title": provenance.title,
        "authors": list(provenance.authors),
        "version": provenance.version,
        "collection": provenance.collection,
        "license": provenance.license,
        "license_evidence": provenance.license_evidence,
        "requires": list(requirements(provenance.license)),
        "restrictiveness": _restrictiveness(provenance.license),
        "attribution": attribution_line(ref),
        "tokens": row.n_tokens,
        "chars": row.n_chars,
        "snippet": snippet,
        "snippet_span": window,
    }


class EvidenceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    uid: str = Field(..., max_length=64, description="the matched source")
    source_span: tuple[int, int] = Field(..., description="[start, end) of the match in the source")
    input: str = Field(..., max_length=1 << 20, description="the copied span of the input, as checked")
    kind: Literal["text", "code"] = "text"
    renamed: bool = Field(False, description="the match is a renamed copy (align names as placeholders)")


async def _media_evidence(request: Request, state: ServiceState) -> Any:
    """An uploaded picture or melody checked, with its side-by-side views by match number
    (pictures: the two boxes and their difference; melodies: the aligned piano rolls)."""
    from wherefrom import kinds

    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return error(422, "field 'file': a multipart upload needs a file field named 'file'", fields=["file"])
    data = await upload.read()
    options = CheckOptions(snippet_chars=state.snippet_chars)
    report = await state.run(check_bytes, state.index, data, upload.filename or "-", options)
    entry = kinds.spec(report.input.kind)
    figures: dict[int, str] = {}
    if report.input.kind in ("image", "music") and report.matches and entry.has("figures"):
        figures = await state.run(entry.part("figures"), state.index, report, data)
    return {"report": _clamp_snippets(report.to_dict(), state.snippet_chars),
            "figures": {str(number): figure for number, figure in figures.items()}}


@router.post("/v1/evidence", summary="One match side by side with its source")
async def match_evidence(request: Request) -> Any:
    """The copied input span and the source span aligned token by token (substituted,
    inserted and deleted words; renamings of renamed code), with the source's context lines:
    at most the service's snippet limit of source text. A picture or melody uploaded as
    multipart field `file` comes back checked, with its side-by-side figures as HTML."""
    from wherefrom.report.evidence import evidence

    state = _state(request)
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        return await _media_evidence(request, state)
    body = await _read_json(request, EvidenceBody)
    if isinstance(body, JSONResponse):
        return body
    try:
        row = state.index.document_by_uid(body.uid)
    except KeyError:
        return error(404, f"source {body.uid!r}: no such uid in this index")
    text = state.index.text(row.doc_id)
    start, end = body.source_span
    if text is None:
        return error(409, f"source {body.uid!r}: this index keeps no text (hash-only); no side-by-side view")
    if not 0 <= start <= end <= len(text):
        return error(422, f"source_span {[start, end]}: outside the source's {len(text)} characters",
                     fields=["source_span"])
    kind = "code" if body.kind == "code" and row.kind == "code" else "text"
    aligned = partial(evidence, kind=kind, language=row.language, renamed=body.renamed, limit=state.snippet_chars)
    found = await state.run(aligned, body.input, text, (0, len(body.input)), (start, end))
    return found.to_dict()


@router.post("/v1/stream", summary="Watch a generation as it is produced")
async def stream(request: Request) -> Any:
    """Append the text generated since the last call; the answer says whether the output now
    copies a source: `continue`, `cite` (with the sources) or `block`. The first call (no
    `session`) starts a session; its id comes back."""
    state = _state(request)
    body = await _read_json(request, StreamBody)
    if isinstance(body, JSONResponse):
        return body
    try:
        session_id, session = state.sessions.get(body.session)
    except KeyError:
        return error(404, f"session {body.session!r}: unknown or expired; start a new one by leaving 'session' out")
    started = time.perf_counter()
    limit = state.max_body_bytes * 8
    with session.lock:
        if len(session.text) + len(body.append) > limit:
            return error(413, f"session {session_id}: the generation is over {limit:,} characters; start a new session")
        session.text += body.append
        text = session.text
    offset = max(0, len(text) - STREAM_WINDOW_CHARS)
    if offset:
        space = text.find(" ", offset)
        offset = space + 1 if 0 <= space < offset + 200 else offset
    report = await state.run(check_text, state.index, text[offset:], session_id, body.options(state.snippet_chars))
    action = "continue"
    sources: list[dict[str, Any]] = []
    seen: set[str] = set()
    for match in report.matches:
        if match.source is None or match.source.uid in seen:
            continue
        seen.add(match.source.uid)
        sources.append({
            **match.source.to_dict(),
            "input_span": [match.input_span[0] + offset, match.input_span[1] + offset],
            "tokens": match.tokens,
            "similarity": match.similarity,
            "attribution": match.attribution,
        })
    if sources:
        blocking = body.block_on != "never" and verdict_rank(report.verdict) >= verdict_rank(body.block_on)
        action = "block" if blocking else "cite"
    if body.close:
        state.sessions.close(session_id)
    return {
        "session": session_id,
        "action": action,
        "verdict": report.verdict,
        "sources": sources,
        "chars": len(text),
        "seconds": round(time.perf_counter() - started, 5),
    }


@router.get("/v1/index", summary="Index statistics")
async def index_stats(request: Request) -> dict[str, Any]:
    stats = _state(request).index.stats().to_dict()
    stats.pop("path", None)  # the server's file layout is not the client's business
    return stats


@router.get("/healthz", summary="Liveness")
async def healthz(request: Request) -> dict[str, Any]:
    return {"status": "ok", "auth": _state(request).keys.required}


@router.get("/v1/config", summary="What the page needs to know", include_in_schema=False)
async def page_config(request: Request) -> dict[str, Any]:
    state = _state(request)
    return {"snippet_chars": state.snippet_chars, "max_body_bytes": state.max_body_bytes}
