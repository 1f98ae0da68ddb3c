// Placeholder so the library has a source until the scheduler issue fills it.
