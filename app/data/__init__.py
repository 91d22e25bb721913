"""DfE school data: the measures catalogue, the import of performance tables and EES files, and reading it back."""
