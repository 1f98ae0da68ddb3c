// Placeholder so the library has a source until the sweep engine fills it.
