"""Audio to melody (the optional `music-audio` extra): pitch tracking with `librosa.pyin`, then
frames grouped into notes, so a recorded or generated song reaches the same normal form as a
score. Suited to one melodic line (a voice or a lead instrument); bars are estimated from a
fixed tempo because audio carries no barlines.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from wherefrom import kinds
from wherefrom.errors import BadInputError, require
from wherefrom.music.melody import NoteEvent

AUDIO_EXTENSIONS = tuple(sorted(kinds.spec("music").query_extensions))
SAMPLE_RATE = 22050
HOP = 256
MIN_NOTE_SECONDS = 0.05
SILENCE = 0.1  # energy below this share of the loud frames is a gap between notes


def is_audio(name: str) -> bool:
    return Path(name).suffix.lower() in AUDIO_EXTENSIONS


def load_audio(source: Path | bytes, name: str = "") -> np.ndarray:
    """Mono samples at SAMPLE_RATE from a file path or the bytes of a file called `name`."""
    librosa = require("librosa", "reading audio", "music-audio")
    where = name or str(source)
    if isinstance(source, bytes):
        handle, temporary = tempfile.mkstemp(suffix=Path(name).suffix.lower() or ".wav")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(source)
            return load_audio(Path(temporary), where)
        finally:
            os.unlink(temporary)
    try:
        samples, _ = librosa.load(str(source), sr=SAMPLE_RATE, mono=True)
    except Exception as error:  # soundfile and audioread raise their own types
        raise BadInputError(
            f"{where}: not a readable audio file ({type(error).__name__}: {error})"
        ) from None
    if samples.size == 0:
        raise BadInputError(f"{where}: the audio holds no samples")
    return samples


def melody_from_samples(
    samples: np.ndarray, *, tempo: float = 120.0, fmin: float = 65.0, fmax: float = 2100.0
) -> list[NoteEvent]:
    """Notes of the single line sung or played in `samples` (mono, SAMPLE_RATE).

    A note is a run of voiced, audible frames on one semitone (a repeated note needs a short
    silence before it, as most playing and singing has); runs shorter than MIN_NOTE_SECONDS
    are slides or noise and are dropped.
    Durations are in quarter notes at `tempo` beats per minute, bars are 4/4 from the start.
    """
    librosa = require("librosa", "reading audio", "music-audio")
    f0, voiced, _ = librosa.pyin(
        samples, fmin=fmin, fmax=fmax, sr=SAMPLE_RATE, frame_length=2048, hop_length=HOP
    )
    frames = len(f0)
    semitone = np.full(frames, -1, dtype=np.int64)
    ok = voiced & np.isfinite(f0)
    semitone[ok] = np.rint(librosa.hz_to_midi(f0[ok])).astype(np.int64)
    # pyin's long frames bridge the short silence between two strikes of one pitch; a short
    # energy frame does not, so quiet frames end a note
    rms = librosa.feature.rms(y=samples, frame_length=512, hop_length=HOP)[0][:frames]
    quiet = rms < SILENCE * float(np.percentile(rms, 95))
    semitone[: len(quiet)][quiet] = -1
    seconds = HOP / SAMPLE_RATE
    min_frames = max(1, round(MIN_NOTE_SECONDS / seconds))
    runs: list[tuple[int, int, int]] = []  # start frame, end frame, pitch
    start = 0
    for i in range(1, frames + 1):
        if i == frames or semitone[i] != semitone[start]:
            if semitone[start] >= 0 and i - start >= min_frames:
                runs.append((start, i, int(semitone[start])))
            start = i
    quarter = 60.0 / tempo
    events: list[NoteEvent] = []
    origin = runs[0][0] if runs else 0
    for i, (begin, end, pitch) in enumerate(runs):
        onset = (begin - origin) * seconds / quarter
        length = (end - begin) * seconds / quarter
        events.append(NoteEvent(pitch, round(length, 4), *_bar_beat(onset)))
        following = runs[i + 1][0] if i + 1 < len(runs) else frames
        gap = (following - end) * seconds / quarter
        if gap > 1e-3:
            events.append(NoteEvent(None, round(gap, 4), *_bar_beat(onset + length)))
    return events


def melody_from_audio(
    source: Path | bytes, name: str = "", *, tempo: float = 120.0
) -> list[NoteEvent]:
    """Notes of an audio file (path, or bytes of a file called `name`)."""
    events = melody_from_samples(load_audio(source, name), tempo=tempo)
    if sum(1 for event in events if event.pitch is not None) < 2:
        raise BadInputError(f"{name or str(source)}: no melody heard (fewer than 2 pitched notes)")
    return events


def _bar_beat(quarters: float) -> tuple[int, float]:
    return int(quarters // 4) + 1, round(quarters % 4 + 1, 4)


def synthesize(
    notes: list[tuple[int, float]], *, tempo: float = 120.0, legato: float = 0.85
) -> np.ndarray:
    """Sine tones for (MIDI pitch, quarter notes) pairs at SAMPLE_RATE, each sounding for
    `legato` of its length with short fades: a known melody as audio, for tests and demos."""
    quarter = 60.0 / tempo
    pieces = []
    for pitch, quarters in notes:
        total = round(quarters * quarter * SAMPLE_RATE)
        sounding = round(total * legato)
        t = np.arange(sounding) / SAMPLE_RATE
        tone = 0.5 * np.sin(2 * np.pi * 440.0 * 2 ** ((pitch - 69) / 12) * t)
        fade = min(sounding // 2, round(0.01 * SAMPLE_RATE))
        if fade:
            ramp = np.linspace(0.0, 1.0, fade)
            tone[:fade] *= ramp
            tone[-fade:] *= ramp[::-1]
        pieces += [tone, np.zeros(total - sounding)]
    return np.concatenate(pieces).astype(np.float32) if pieces else np.zeros(0, dtype=np.float32)
