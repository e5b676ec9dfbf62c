# The workbook's kernels (`make lab` points IPYTHONDIR here): after a restart, a cell run
# mid-notebook fails on a name an earlier cell defined; the hint says to run from the top.
c = get_config()  # noqa: F821 (IPython's config loader provides it)
c.InteractiveShellApp.extensions = ["workbook.kernel_hints"]
