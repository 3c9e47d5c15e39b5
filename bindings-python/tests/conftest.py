import os
import sys

# vector_runner.py and the other helpers sit next to the tests.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
