"""Exports of an event list to other tools: CSV (spreadsheets) and MIDI (DAWs); see docs/editing.md."""
