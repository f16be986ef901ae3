"""Built-in exercise protocols shipped as package data: one TOML file each (see engine.protocol)."""
