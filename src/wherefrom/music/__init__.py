"""Melodies: reading scores, MIDI and audio into note sequences, their normal form, and
checking a tune against an index. music21 (and librosa for audio) load only when used."""
