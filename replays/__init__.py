"""The replay file format: writer, reader, verify, inspect, import and export."""
