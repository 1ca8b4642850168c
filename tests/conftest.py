import sys
from pathlib import Path

# Make tests/pictures.py importable as `pictures` from every test folder.
sys.path.insert(0, str(Path(__file__).resolve().parent))
