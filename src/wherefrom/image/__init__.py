"""Images: reading image corpora with provenance, descriptors (perceptual hash, local ORB
features, tiled ℓ2), their index segments, and `check_image`.

Heavy libraries (Pillow, OpenCV, faiss, imagehash) load inside the functions that need them.
"""
