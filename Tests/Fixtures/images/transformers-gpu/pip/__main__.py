import sys

print(f"pip3 {' '.join(sys.argv[1:])}: skipped (wf test image: no network; "
      "the stand-in transformers package is preinstalled)")
sys.exit(0)
