"""The deterministic demo-data generator: a simulated sales organisation written in the source formats."""
