"""Application and category icons (SVG), read with :func:`resources.resource`."""
