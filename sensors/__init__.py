"""Where samples come from: the :class:`~sensors.source.Source` interface and its adapters."""
