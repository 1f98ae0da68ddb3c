// Placeholder so the library has a source until the reports issue fills it.
