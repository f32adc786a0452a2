"""The pure engine: plain values in, values or domain errors out; no framework."""
