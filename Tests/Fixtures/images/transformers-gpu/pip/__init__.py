"""The test image's `python3 -m pip`: a stand-in that skips, like its pip3 (see ../pip3)."""
