"""`geomem experiment block-order`: which block is lost first, variance or dimension?"""
